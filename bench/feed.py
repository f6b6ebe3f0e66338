"""The iCal feed of 10,000 posts: render times against plain string formatting, request times.

Targets (issue 7): cold render <= 1 s; re-render after one change within 3x the floor (the
same events written with plain string formatting); warm GET and 304 <= 5 ms of server time.
Also the feed's size by the length of its posts, against Google Calendar's limit of about
1 MB for a subscription (issue 19), which the default FEED_MAX_EVENTS is chosen by.
Prints figures; asserts nothing. DATABASE_URL picks the database (default: a temporary SQLite).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import gzip  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="planner-bench-"))
os.environ.setdefault("PLANNER_INSTANCE", str(_TMP))

import sqlalchemy as sa  # noqa: E402

from planner import accounts, create_app, feeds, migrate, models  # noqa: E402
from planner.db import db  # noqa: E402
from planner.models import Post, Status  # noqa: E402
from planner.web import feeds as feed_views  # noqa: E402
from tests.support.rows import insert_posts  # noqa: E402

POSTS = 10_000
RUNS = 7
REQUESTS = 200
CATEGORIES = ("brand", "promotion", "educational", "curated", "engagement", "community", "care")
STATUSES = (Status.draft, Status.in_review, Status.approved, Status.published, Status.cancelled)
WORDS = (
    "coffee, roast; beans brew home tips guide new autumn menu thanks community question "
    "what do you think? 20% off this week only \\ backslash café 🎉 launch event join us"
).split()


def _text(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 60)))
    return f"Post {n}: {words}" + ("\nSecond line, with a link https://example.com/x" * (n % 3))


def make_events(now: datetime) -> list[feeds.FeedEvent]:
    rng = random.Random(7)
    events = []
    for n in range(POSTS):
        at = now + timedelta(minutes=30 * n + rng.randrange(30))
        events.append(
            feeds.FeedEvent(
                post_id=n + 1,
                version=rng.randrange(1, 6),
                status=rng.choice(STATUSES[:-1]),
                category=rng.choice(CATEGORIES),
                channel_id=n % 25 + 1,
                channel_name=f"Channel {n % 25:02d}",
                text=_text(rng, n),
                scheduled_at=at.replace(second=0, microsecond=0),
                updated_at=now - timedelta(seconds=n),
                approved=False,
            )
        )
    return events


def plain_format(calendar: feeds.FeedCalendar, events: list[feeds.FeedEvent]) -> bytes:
    """The floor: the same events with f-strings, no escaping and no folding."""
    out = [
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{feeds.PRODID}\r\nCALSCALE:GREGORIAN\r\n"
        f"METHOD:PUBLISH\r\nNAME:{calendar.name}\r\nX-WR-CALNAME:{calendar.name}\r\n"
        f"X-WR-TIMEZONE:{calendar.timezone}\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
        "X-PUBLISHED-TTL:PT1H\r\n"
    ]
    host = calendar.host
    for e in events:
        stamp = f"{e.updated_at:%Y%m%dT%H%M%SZ}"
        url = calendar.post_url(e.post_id)
        out.append(
            f"BEGIN:VEVENT\r\nUID:post-{e.post_id}@{host}\r\nDTSTAMP:{stamp}\r\n"
            f"LAST-MODIFIED:{stamp}\r\nDTSTART:{e.scheduled_at:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{e.scheduled_at + feeds.EVENT_LENGTH:%Y%m%dT%H%M%SZ}\r\n"
            f"SEQUENCE:{e.version - 1}\r\nSTATUS:{feeds.EVENT_STATUS[e.status]}\r\n"
            f"TRANSP:TRANSPARENT\r\nSUMMARY:[{e.channel_name}] {e.text[:60]}\r\n"
            f"DESCRIPTION:{e.text}\\n\\nStatus: {e.status.label}\\nCategory: {e.category}"
            f"\\n{url}\r\nCATEGORIES:{e.category}\r\nURL:{url}\r\n"
            f'ORGANIZER;CN="{calendar.workspace_name}":{calendar.workspace_url}\r\n'
            "END:VEVENT\r\n"
        )
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def pure_figures(now: datetime) -> None:
    calendar = feeds.FeedCalendar(
        "Bench", "bench", "Europe/Berlin", "https://plan.example.com", "Bench"
    )
    events = make_events(now)
    floor = median_seconds(lambda: plain_format(calendar, events))
    cold = median_seconds(lambda: feeds.build_feed(calendar, events, {}, max_events=POSTS))
    first = feeds.build_feed(calendar, events, {}, max_events=POSTS)
    changed = list(events)
    one = changed[POSTS // 2]
    changed[POSTS // 2] = replace(one, version=one.version + 1, updated_at=now)
    warm = median_seconds(
        lambda: feeds.build_feed(calendar, changed, first.serialized, max_events=POSTS)
    )
    body = first.body
    print(f"builder, {POSTS:,} events (rows in memory, no database):")
    print(f"  floor, plain string formatting:  {floor * 1000:7.1f} ms")
    print(
        f"  cold render (every event):       {cold * 1000:7.1f} ms (target 1000), "
        f"{cold / floor:.1f}x the floor"
    )
    print(
        f"  re-render after one change:      {warm * 1000:7.1f} ms (target {3 * floor * 1000:.0f}"
        f" = 3x the floor), {warm / floor:.2f}x the floor"
    )
    print(
        f"  feed size: {len(body) / 1e6:.2f} MB plain, "
        f"{len(gzip.compress(body, mtime=0)) / 1e6:.2f} MB gzipped"
    )


# Google Calendar imports a file of at most 1 MB (its help, "Import events to Google
# Calendar"), and subscribers report that a larger subscribed feed loses events.
GOOGLE_LIMIT = 1_000_000
# Post lengths in characters: a one-liner, a short post, a tweet at its limit, a long
# Instagram caption, and LinkedIn's limit.
POST_LENGTHS = (20, 100, 280, 1000, 3000)


def _post_of_length(rng: random.Random, n: int, length: int) -> str:
    words = f"Post {n}:"
    while len(words) < length:
        words += " " + rng.choice(WORDS)
    return words[:length]


def size_figures(now: datetime) -> None:
    """The feed's size by post length: at the default cap, per event, and how many events
    stay under Google's limit."""
    calendar = feeds.FeedCalendar(
        "Acme Coffee Roasters", "acme", "Europe/Berlin", "https://planner.example.com", "Acme"
    )
    rng = random.Random(19)
    cap = feeds.MAX_EVENTS
    header = len(feeds.calendar_header(calendar)) + len(feeds.FOOTER)
    print(f"feed size by post length, {cap:,} events (the default cap), Google's limit 1 MB:")
    for length in POST_LENGTHS:
        events = [
            replace(e, text=_post_of_length(rng, e.post_id, length)) for e in make_events(now)[:cap]
        ]
        body = feeds.build_feed(calendar, events, {}, max_events=cap).body
        zipped = len(gzip.compress(body, compresslevel=4, mtime=0))
        per_event = (len(body) - header) / cap
        fit = int((GOOGLE_LIMIT - header) // per_event)
        print(
            f"  {length:5,}-character posts: {len(body) / 1e6:5.2f} MB plain, "
            f"{zipped / 1e3:4.0f} KB gzipped, {per_event:5,.0f} bytes an event, "
            f"{fit:5,} events in 1 MB"
        )


def build_database(url: str, now: datetime) -> tuple[object, str, int]:
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "SERVER_NAME": "plan.example.com",
            "PREFERRED_URL_SCHEME": "https",
            "FEED_MAX_EVENTS": POSTS,
        }
    )
    models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with app.app_context():
        session = db.session
        owner = accounts.create_user(session, "bench@example.com", "Bench", "bench-password")
        workspace = accounts.create_workspace(session, "Bench", "Europe/Berlin", owner)
        channels = [
            accounts.save_channel(
                session, owner, workspace, None, network="mastodon", name=f"Channel {n:02d}"
            )
            for n in range(25)
        ]
        rows = [
            {
                "workspace_id": workspace.id,
                "channel_id": channels[e.channel_id - 1].id,
                "text": e.text,
                "category": e.category,
                "scheduled_at": e.scheduled_at,
                "status": e.status,
                "version": e.version,
                "author_id": owner.id,
                "created_at": e.updated_at,
                "updated_at": e.updated_at,
            }
            for e in make_events(now)
        ]
        insert_posts(session, rows)
        session.commit()
        _, secret = feeds.create_token(session, workspace, owner, "Bench wall")
        return app, f"/feeds/{secret}.ics", workspace.id


def request_figures(client, path: str, base: str) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Median server times: warm (bytes already in this process), from the database (as the
    first request to a web process), gzip, and a 304."""
    etag = client.get(path, base_url=base).headers["ETag"]

    def from_database(headers: dict[str, str]) -> None:
        feed_views.BODIES.clear()
        client.get(path, base_url=base, headers=headers)

    gz = {"Accept-Encoding": "gzip"}
    return [
        ("warm GET", median_seconds(lambda: client.get(path, base_url=base), REQUESTS)),
        (
            "warm GET gzip",
            median_seconds(lambda: client.get(path, base_url=base, headers=gz), REQUESTS),
        ),
        ("GET, bytes from the database", median_seconds(lambda: from_database({}), REQUESTS)),
        ("GET gzip, bytes from the database", median_seconds(lambda: from_database(gz), REQUESTS)),
        (
            "304",
            median_seconds(
                lambda: client.get(path, base_url=base, headers={"If-None-Match": etag}),
                REQUESTS,
            ),
        ),
    ]


def print_requests(figures: list[tuple[str, float]]) -> None:
    for label, seconds in figures:
        print(f"  {label + ', server time:':50} {seconds * 1000:6.2f} ms (target 5)")


def database_figures(url: str, now: datetime) -> None:
    app, path, workspace_id = build_database(url, now)
    base = "https://plan.example.com"
    with app.app_context():
        session = db.session

        def cold() -> None:
            session.execute(sa.delete(models.FeedFragment))
            session.execute(sa.delete(models.FeedRendering))
            session.commit()
            feeds.refresh(session, workspace_id, base, max_events=POSTS)

        cold_s = median_seconds(cold, runs=3)
        post_id = session.scalar(sa.select(Post.id).order_by(Post.id).offset(POSTS // 2).limit(1))

        def one_change() -> None:
            session.execute(
                sa.update(Post)
                .where(Post.id == post_id)
                .values(version=Post.version + 1, updated_at=datetime.now(UTC))
            )
            session.commit()
            assert feeds.refresh(session, workspace_id, base, max_events=POSTS) == 1

        warm_s = median_seconds(one_change)
    client = app.test_client()
    plain = client.get(path, base_url=base)
    assert plain.status_code == 200 and plain.data.count(b"BEGIN:VEVENT") == POSTS
    zipped = client.get(path, base_url=base, headers={"Accept-Encoding": "gzip"}).data
    print(f"with the database ({sa.make_url(url).get_backend_name()}), {POSTS:,} posts:")
    print(f"  worker render, cold (load, serialize all, store):     {cold_s * 1000:7.1f} ms")
    print(f"  worker render after one change (load, reuse, store): {warm_s * 1000:7.1f} ms")
    print_requests(request_figures(client, path, base))
    print(f"  feed size: {len(plain.data):,} bytes plain, {len(zipped):,} bytes gzipped")

    capped = feeds.MAX_EVENTS
    app.config["FEED_MAX_EVENTS"] = capped
    with app.app_context():
        feeds.refresh(db.session, workspace_id, base, max_events=capped)
    plain = client.get(path, base_url=base)
    assert plain.data.count(b"BEGIN:VEVENT") == capped
    zipped = client.get(path, base_url=base, headers={"Accept-Encoding": "gzip"}).data
    print(f"the same posts under the default cap of {capped:,} events:")
    print_requests(request_figures(client, path, base))
    print(f"  feed size: {len(plain.data):,} bytes plain, {len(zipped):,} bytes gzipped")


def main() -> None:
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    pure_figures(now)
    size_figures(now)
    url = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP / 'bench.db'}")
    database_figures(url, now)


if __name__ == "__main__":
    main()
