"""The iCalendar feed of a workspace's plan, in three parts, top to bottom:

- `ical`: building it, pure given rows (events and fragments in, bytes out);
- `store`: keeping it (rows from the database, stored fragments and renderings, freshness);
- `subscriptions`: the secret URLs (FeedTokens) and their filters.

The names callers use are re-exported here.
"""

from __future__ import annotations

from planner.feeds.ical import (
    CANCELLED_KEPT,
    EVENT_LENGTH,
    EVENT_STATUS,
    FOOTER,
    FORMAT,
    MAX_EVENTS,
    PRODID,
    Feed,
    FeedCalendar,
    FeedEvent,
    FeedFilter,
    Window,
    build_feed,
    calendar_header,
    calendar_name,
    clean_text,
    configured_base_url,
    description_for,
    escape_text,
    etag_of,
    event_fragment,
    fold,
    gzip_etag,
    is_whole,
    organizer_name,
    summary_for,
)
from planner.feeds.store import (
    StoredFeed,
    active_filters,
    load_events,
    refresh,
    render,
    rendering_for,
    source_key,
    sticky_base_url,
    stored_body,
)
from planner.feeds.subscriptions import (
    FeedError,
    Subscription,
    SubscriptionLinks,
    create_token,
    find_subscription,
    revoke_token,
    visible_tokens,
)

__all__ = [
    "CANCELLED_KEPT",
    "EVENT_LENGTH",
    "EVENT_STATUS",
    "FOOTER",
    "FORMAT",
    "MAX_EVENTS",
    "PRODID",
    "Feed",
    "FeedCalendar",
    "FeedError",
    "FeedEvent",
    "FeedFilter",
    "StoredFeed",
    "Subscription",
    "SubscriptionLinks",
    "Window",
    "active_filters",
    "build_feed",
    "calendar_header",
    "calendar_name",
    "clean_text",
    "configured_base_url",
    "create_token",
    "description_for",
    "escape_text",
    "etag_of",
    "event_fragment",
    "find_subscription",
    "fold",
    "gzip_etag",
    "is_whole",
    "load_events",
    "organizer_name",
    "refresh",
    "render",
    "rendering_for",
    "revoke_token",
    "source_key",
    "sticky_base_url",
    "stored_body",
    "summary_for",
    "visible_tokens",
]
