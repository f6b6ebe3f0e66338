"""Notifications: who is told what, in the app, by e-mail and on the workspace's Slack.

The workflow emits an `events.Event` after each change is committed (planner/events.py);
`listen` turns it into recipients, writes one in-app row per recipient in the same request
(one INSERT per person, cheap) and enqueues one RQ job, `workers.notify.deliver`, that sends the
e-mails and the Slack message: nothing is sent in the request.

Who hears what (never the person who did it):

| event | recipients |
| --- | --- |
| post_submitted | the approvers and admins |
| changes_requested, post_approved | the post's author |
| post_failed, outcome_unknown | the post's author and the admins |
| channel_needs_reconnecting | the admins |
| mentioned | the members named in the comment |

A member is named `@` + the part of their e-mail address before the `@` (`@maria.lopez` for
maria.lopez@example.com), or `@` + their display name without spaces (`@MariaLopez`); case does
not matter. Only members of the workspace can be named.

At most one mail per event per person: the row `(event_key, recipient)` is the idempotency key.
A job takes a mail by setting `mailed_at` with one conditional update before sending, so a job
run twice (RQ delivers at least once) finds it taken; a mail the server refused is given back
for the retry. A worker killed between the two loses that one mail rather than sending it twice.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from planner import events, mail, queue
from planner.db import utcnow
from planner.feeds import configured_base_url
from planner.localtime import local
from planner.models import (
    Channel,
    Membership,
    Notification,
    NotificationPreference,
    Post,
    Role,
    SlackMessage,
    User,
    Workspace,
)
from planner.publishers import outbound
from planner.secrets_box import SecretsBox, SecretUnreadable

log = logging.getLogger(__name__)

# What people read in the preferences table and in mails.
LABELS = {
    events.SUBMITTED: "A post is submitted for review",
    events.CHANGES_REQUESTED: "Changes are requested to my post",
    events.APPROVED: "My post is approved",
    events.FAILED: "A post failed to publish",
    events.OUTCOME_UNKNOWN: "Nobody knows whether a post went out",
    events.CHANNEL_NEEDS_RECONNECTING: "A channel needs reconnecting",
    events.MENTIONED: "Someone mentions me in a comment",
}
# The same kinds as the team sees them (the workspace's Slack settings).
TEAM_LABELS = {
    **LABELS,
    events.CHANGES_REQUESTED: "Changes are requested to a post",
    events.APPROVED: "A post is approved",
    events.MENTIONED: "Someone is mentioned in a comment",
}
# A new workspace's Slack webhook hears what the whole team should see.
SLACK_DEFAULTS = (events.FAILED, events.OUTCOME_UNKNOWN, events.CHANNEL_NEEDS_RECONNECTING)
# Immediate mail for everything that concerns you, until you say otherwise.
MAIL_NONE, MAIL_NOW, MAIL_DIGEST = "none", "immediate", "digest"


@dataclass(frozen=True)
class Preference:
    """A member's choice for one kind: in the app, by e-mail, and whether the e-mail waits
    for the daily digest."""

    in_app: bool = True
    email: bool = True
    digest: bool = False

    @property
    def mail(self) -> str:
        if self.digest:
            return MAIL_DIGEST
        return MAIL_NOW if self.email else MAIL_NONE


DEFAULT = Preference()


def preferences(session: Session, user_id: int, workspace_id: int) -> dict[str, Preference]:
    """Every kind's preference of a member (defaults for kinds never changed)."""
    chosen = {
        row.kind: Preference(row.in_app, row.email, row.digest)
        for row in session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.workspace_id == workspace_id,
            )
        )
    }
    return {kind: chosen.get(kind, DEFAULT) for kind in events.KINDS}


def save_preferences(
    session: Session, user_id: int, workspace_id: int, chosen: Mapping[str, Preference]
) -> None:
    """Store a member's preferences (only known kinds) and commit."""
    existing = {
        row.kind: row
        for row in session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.workspace_id == workspace_id,
            )
        )
    }
    for kind in events.KINDS:
        if kind not in chosen:
            continue
        wanted = chosen[kind]
        row = existing.get(kind)
        if row is None:
            row = NotificationPreference(user_id=user_id, workspace_id=workspace_id, kind=kind)
            session.add(row)
        row.in_app, row.email, row.digest = wanted.in_app, wanted.email, wanted.digest
    session.commit()


# --- Mentions ---------------------------------------------------------------------------------

# "@name" not inside a word or an address ("bob@example.com" names nobody); a name ends before
# trailing punctuation ("thanks @maria." names maria).
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.+-]*)")


def handles(user: User) -> set[str]:
    """The names that mention a member, lower-cased (see the module docstring)."""
    names = {user.email.split("@", 1)[0].lower()}
    compact = "".join(user.display_name.split()).lower()
    if compact:
        names.add(compact)
    return names


def mentioned(session: Session, workspace_id: int, body: str) -> set[int]:
    """Ids of the workspace's members that the text names."""
    named = {m.group(1).rstrip(".+-").lower() for m in MENTION.finditer(body)}
    if not named:
        return set()
    members = session.scalars(
        sa.select(User).join(Membership).where(Membership.workspace_id == workspace_id)
    )
    return {user.id for user in members if handles(user) & named}


# --- Who is told ------------------------------------------------------------------------------


def _members(session: Session, workspace_id: int) -> dict[int, Role]:
    return {
        user_id: role
        for user_id, role in session.execute(
            sa.select(Membership.user_id, Membership.role).where(
                Membership.workspace_id == workspace_id
            )
        )
    }


def recipients(session: Session, event: events.Event) -> set[int]:
    """The members this event is for, never the actor (see the module docstring)."""
    members = _members(session, event.workspace_id)
    admins = {u for u, role in members.items() if role >= Role.admin}
    author = event.data.get("author_id")
    authors = {author} if author in members else set()
    if event.kind == events.SUBMITTED:
        wanted = {u for u, role in members.items() if role >= Role.approver}
    elif event.kind in (events.CHANGES_REQUESTED, events.APPROVED):
        wanted = authors
    elif event.kind in (events.FAILED, events.OUTCOME_UNKNOWN):
        wanted = authors | admins
    elif event.kind == events.CHANNEL_NEEDS_RECONNECTING:
        wanted = admins
    elif event.kind == events.MENTIONED:
        told = set(event.data.get("already_told") or ())
        wanted = mentioned(session, event.workspace_id, str(event.data.get("comment") or ""))
        wanted = (wanted & set(members)) - told
    else:
        wanted = set()
    return wanted - {event.actor_id}


# --- What they read ---------------------------------------------------------------------------


def _excerpt(text: str, length: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def post_link(workspace: Workspace, post_id: int) -> str:
    return f"/w/{quote(workspace.slug)}/posts/{post_id}"


def describe(session: Session, event: events.Event, workspace: Workspace) -> tuple[str, str]:
    """The one-line text of an event and the path it links to."""
    actor = session.get(User, event.actor_id) if event.actor_id else None
    who = actor.display_name if actor else "Planner"
    post = session.get(Post, event.post_ids[0]) if event.post_ids else None
    channel = session.get(Channel, event.channel_id) if event.channel_id else None
    if post is None:
        name = str(event.data.get("channel") or (channel.name if channel else "a channel"))
        reason = str(event.data.get("reason") or "its login was refused")
        return (
            f"The channel {name} needs reconnecting ({reason}); its posts wait until an admin "
            "reconnects it.",
            f"/w/{quote(workspace.slug)}/channels/",
        )
    names = sorted(
        {p.channel.name for p in (session.get(Post, i) for i in event.post_ids) if p is not None}
    )
    where = ", ".join(names)
    when = f"{local(post.scheduled_at, workspace.timezone):%a %d %b %H:%M}"
    quoted = f"“{_excerpt(post.text)}”"
    comment = _excerpt(str(event.data.get("comment") or ""), 200)
    reason = _excerpt(str(event.data.get("reason") or ""), 200)
    texts = {
        events.SUBMITTED: f"{who} submitted a post for review: {quoted} ({where}, {when}).",
        events.CHANGES_REQUESTED: f"{who} asked for changes to {quoted} ({where}): {comment}",
        events.APPROVED: f"{who} approved {quoted}; it goes out {when} on {where}.",
        events.FAILED: f"A post failed to publish on {where}: {quoted} ({reason}).",
        events.OUTCOME_UNKNOWN: (
            f"Planner cannot tell whether {quoted} went out on {where}: check the channel "
            f"before retrying ({reason})."
        ),
        events.MENTIONED: f"{who} mentioned you in a comment on {quoted}: {comment}",
    }
    return texts.get(event.kind, f"{event.kind}: {quoted}"), post_link(workspace, post.id)


# --- The listener -----------------------------------------------------------------------------


def listen(session: Session, event: events.Event) -> None:
    """Write the event's in-app rows (and its Slack message) and enqueue their delivery."""
    try:
        key = record(session, event)
    except Exception:
        session.rollback()
        raise
    if key is not None:
        enqueue(key)


def record(session: Session, event: events.Event) -> str | None:
    """One row per recipient (as each one's preferences say) and one Slack message if the
    workspace sends this kind there; commits. Returns the event's key, or None when nobody
    is to be told anything."""
    workspace = session.get(Workspace, event.workspace_id)
    if workspace is None:
        return None
    key = f"{event.kind}-{secrets.token_hex(8)}"
    text, link = describe(session, event, workspace)
    post_id = event.post_ids[0] if event.post_ids else None
    wrote = False
    people = sorted(recipients(session, event))
    # One query for everyone's choice of this kind (most people keep the defaults).
    chosen_by = {
        row.user_id: Preference(row.in_app, row.email, row.digest)
        for row in session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id.in_(people),
                NotificationPreference.workspace_id == workspace.id,
                NotificationPreference.kind == event.kind,
            )
        )
    }
    for user_id in people:
        chosen = chosen_by.get(user_id, DEFAULT)
        if not chosen.in_app and chosen.mail == MAIL_NONE:
            continue
        session.add(
            Notification(
                workspace_id=workspace.id,
                recipient_id=user_id,
                event_key=key,
                kind=event.kind,
                post_id=post_id,
                post_ids=list(event.post_ids),
                channel_id=event.channel_id,
                text=text,
                link=link,
                in_app=chosen.in_app,
                mail=chosen.mail,
            )
        )
        wrote = True
    if workspace.slack_webhook and event.kind in (workspace.slack_events or []):
        slack_text = text.replace("mentioned you", "mentioned someone")
        session.add(
            SlackMessage(workspace_id=workspace.id, event_key=key, kind=event.kind, text=slack_text)
        )
        wrote = True
    if not wrote:
        return None
    session.commit()
    return key


def base_url() -> str | None:
    """Where mails link to: SERVER_NAME if configured, else the address of this request."""
    if not has_app_context():
        return None
    configured = configured_base_url(current_app.config)
    if configured:
        return configured
    return request.url_root.rstrip("/") if has_request_context() else None


def enqueue(key: str) -> None:
    """Enqueue the delivery job; outside an app, or without Redis, the sweep does it."""
    if not has_app_context():
        return
    try:
        queue.enqueue_notify(queue.redis_for(), key, base_url())
    except redis.RedisError as error:
        log.warning("notify=%s outcome=redis_unavailable error=%s", key, error)


def init_app() -> None:
    """Listen to the workflow's events (once per process)."""
    if listen not in events.listeners:
        events.listeners.append(listen)


# --- Delivery (run by workers/notify.py) -------------------------------------------------------


def _absolute(link: str, base: str | None) -> str:
    return f"{base}{link}" if base and link.startswith("/") else link


def _take(session: Session, notification_ids: Sequence[int]) -> list[int]:
    """Claim mails with one conditional update each; returns those this caller took."""
    taken = []
    for notification_id in notification_ids:
        result = session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, Notification.mailed_at.is_(None))
            .values(mailed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken.append(notification_id)
    session.commit()
    return taken


def _give_back(session: Session, notification_ids: Iterable[int]) -> None:
    session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(list(notification_ids)))
        .values(mailed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _footer(workspace: Workspace, base: str | None) -> str:
    settings = _absolute(f"/w/{quote(workspace.slug)}/notifications/preferences", base)
    return f"\n\n--\nPlanner, {workspace.name}. Choose what you are told: {settings}\n"


@dataclass(frozen=True)
class Delivered:
    """What a delivery job did, for its log line."""

    mailed: int = 0
    slack: int = 0


class DeliveryFailed(Exception):
    """Some mail or the Slack message could not be sent; the rest went. The job retries."""


def deliver(session: Session, config: Mapping[str, Any], key: str, base: str | None) -> Delivered:
    """Send the event's immediate mails and its Slack message, each at most once."""
    rows = session.scalars(
        sa.select(Notification).where(
            Notification.event_key == key,
            Notification.mail == MAIL_NOW,
            Notification.mailed_at.is_(None),
        )
    ).all()
    mailed, problems = 0, []
    for row in rows:
        if not _take(session, [row.id]):
            continue  # another run of this job took it
        recipient = session.get(User, row.recipient_id)
        workspace = session.get(Workspace, row.workspace_id)
        still_member = session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == row.recipient_id,
                Membership.workspace_id == row.workspace_id,
            )
        )
        if recipient is None or workspace is None or still_member is None:
            continue  # removed from the workspace since: taken, never sent
        body = f"{row.text}\n\n{_absolute(row.link, base)}{_footer(workspace, base)}"
        subject = f"[{workspace.name}] {LABELS.get(row.kind, row.kind)}"
        try:
            mail.send(config, mail.Mail(recipient.email, subject, body, f"notification-{row.id}"))
        except mail.MailNotSent as error:
            _give_back(session, [row.id])
            problems.append(str(error))
            continue
        mailed += 1
    slack = _post_to_slack(session, config, key, base, problems)
    if problems:
        raise DeliveryFailed("; ".join(problems))
    return Delivered(mailed, slack)


def slack_escape(text: str) -> str:
    """Slack's three control characters (its message formatting docs)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post_to_slack(
    session: Session, config: Mapping[str, Any], key: str, base: str | None, problems: list[str]
) -> int:
    message = session.scalar(sa.select(SlackMessage).where(SlackMessage.event_key == key))
    if message is None or message.sent_at is not None:
        return 0
    claimed = session.execute(
        sa.update(SlackMessage)
        .where(SlackMessage.id == message.id, SlackMessage.sent_at.is_(None))
        .values(sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:
        return 0
    workspace = session.get(Workspace, message.workspace_id)
    assert workspace is not None
    link = session.scalar(sa.select(Notification.link).where(Notification.event_key == key))
    text = slack_escape(message.text)
    if link and base:
        text += f" <{_absolute(link, base)}|Open in Planner>"
    try:
        url = SecretsBox.from_config(config).open(workspace.slack_webhook)
        if not url:
            raise SecretUnreadable("the workspace has no Slack webhook any more")
        send_to_slack(url, text, allow_private=bool(config.get("PUBLISH_ALLOW_PRIVATE_TARGETS")))
    except (SecretUnreadable, SlackRefused) as error:
        session.execute(
            sa.update(SlackMessage)
            .where(SlackMessage.id == message.id)
            .values(sent_at=None, last_error=str(error))
            .execution_options(synchronize_session=False)
        )
        session.commit()
        problems.append(f"Slack: {error}")
        return 0
    return 1


class SlackRefused(Exception):
    """The webhook's URL is refused by the guard, or its server did not take the message."""


def check_slack_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if Planner may post to it: https on a public address (the outbound guard);
    SlackRefused with the reason otherwise."""
    url = url.strip()
    if not allow_private and not url.lower().startswith("https://"):
        raise SlackRefused("use the https:// address of the incoming webhook")
    try:
        return outbound.check_url(url, allow_private=allow_private)
    except outbound.TargetRefused as error:
        raise SlackRefused(str(error)) from error


def send_to_slack(url: str, text: str, *, allow_private: bool = False) -> None:
    """POST {"text": ...} to a Slack-compatible incoming webhook, through the outbound guard
    (checked again at connection time, never following redirects)."""
    check_slack_url(url, allow_private=allow_private)
    try:
        with outbound.session(allow_private=allow_private) as client:
            answer = client.post(url, json={"text": text}, timeout=outbound.TIMEOUT)
    except outbound.TargetRefused as error:
        raise SlackRefused(str(error)) from error
    except Exception as error:  # noqa: BLE001 - requests' and the guard's errors alike
        raise SlackRefused(f"the webhook did not answer ({type(error).__name__})") from error
    if not 200 <= answer.status_code < 300:
        raise SlackRefused(f"the webhook answered {answer.status_code}")


def set_slack(
    session: Session,
    workspace: Workspace,
    box: SecretsBox,
    url: str | None,
    kinds: Iterable[str],
    *,
    allow_private: bool = False,
) -> None:
    """Save the workspace's webhook (None or "" keeps the stored one; `remove_slack` drops
    it) and the kinds sent there. SlackRefused for a URL the guard refuses."""
    if url and url.strip():
        workspace.slack_webhook = box.seal(check_slack_url(url, allow_private=allow_private))
    workspace.slack_events = [k for k in events.KINDS if k in set(kinds)]
    session.commit()


def remove_slack(session: Session, workspace: Workspace) -> None:
    workspace.slack_webhook = None
    session.commit()


def slack_hint(box: SecretsBox, stored: str | None) -> str | None:
    """What the settings page shows of a stored webhook: its host and the last 4 characters,
    never the whole URL (whoever has it can post to the channel)."""
    if not stored:
        return None
    try:
        url = box.open(stored) or ""
    except SecretUnreadable:
        return "stored, but unreadable with the configured keys: enter it again"
    host = url.split("/")[2] if url.count("/") >= 2 else "?"
    return f"{host}/…{url[-4:]}"


# --- In the app -------------------------------------------------------------------------------


def unread_count(session: Session, user_id: int, workspace_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                Notification.recipient_id == user_id,
                Notification.workspace_id == workspace_id,
                Notification.in_app.is_(True),
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


def listing(
    session: Session, user_id: int, workspace_id: int, limit: int = 100
) -> list[Notification]:
    """A member's in-app notifications of a workspace, newest first."""
    return list(
        session.scalars(
            sa.select(Notification)
            .where(
                Notification.recipient_id == user_id,
                Notification.workspace_id == workspace_id,
                Notification.in_app.is_(True),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(
    session: Session, user_id: int, workspace_id: int, notification_id: int | None = None
) -> int:
    """Mark one notification (or, with None, all) of this member in this workspace read;
    returns how many changed. Another person's or workspace's id changes nothing."""
    where = [
        Notification.recipient_id == user_id,
        Notification.workspace_id == workspace_id,
        Notification.read_at.is_(None),
    ]
    if notification_id is not None:
        where.append(Notification.id == notification_id)
    result = session.execute(
        sa.update(Notification)
        .where(*where)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount or 0)


def find(
    session: Session, user_id: int, workspace_id: int, notification_id: int
) -> Notification | None:
    """The member's own notification in this workspace, or None."""
    row = session.get(Notification, notification_id)
    if row is None or row.recipient_id != user_id or row.workspace_id != workspace_id:
        return None
    return row


# --- The daily digest -------------------------------------------------------------------------


def due_digests(session: Session, now: datetime, hour: int) -> list[tuple[int, date]]:
    """Members with digest items waiting whose local day (workspace timezone) is past `hour`
    and has had no digest yet, as (membership id, local day)."""
    waiting = (
        sa.select(Notification.id)
        .where(
            Notification.recipient_id == Membership.user_id,
            Notification.workspace_id == Membership.workspace_id,
            Notification.mail == MAIL_DIGEST,
            Notification.mailed_at.is_(None),
        )
        .exists()
    )
    rows = session.execute(
        sa.select(Membership.id, Membership.digest_sent_on, Workspace.timezone)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(waiting)
    )
    due = []
    for membership_id, sent_on, timezone in rows:
        here = local(now, timezone)
        if here.hour >= hour and (sent_on is None or sent_on < here.date()):
            due.append((membership_id, here.date()))
    return due


def claim_digest(session: Session, membership_id: int, day: date) -> bool:
    """Claim the member's digest of `day` (one conditional update): one sweep wins."""
    result = session.execute(
        sa.update(Membership)
        .where(
            Membership.id == membership_id,
            sa.or_(Membership.digest_sent_on.is_(None), Membership.digest_sent_on < day),
        )
        .values(digest_sent_on=day)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def send_digest(
    session: Session,
    config: Mapping[str, Any],
    membership_id: int,
    day: date,
    base: str | None,
    now: datetime | None = None,
) -> int:
    """Mail the member one digest of their waiting items, grouped by kind; returns how many
    items it carried (0: nothing waited, no mail). MailNotSent gives the items back."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        return 0
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Notification.id)
        .where(
            Notification.recipient_id == membership.user_id,
            Notification.workspace_id == membership.workspace_id,
            Notification.mail == MAIL_DIGEST,
            Notification.mailed_at.is_(None),
            Notification.created_at <= now,
        )
        .order_by(Notification.created_at, Notification.id)
    ).all()
    taken = _take(session, ids)
    if not taken:
        return 0
    rows = session.scalars(
        sa.select(Notification)
        .where(Notification.id.in_(taken))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    workspace = membership.workspace
    lines = [f"Your Planner digest for {workspace.name}, {day:%A %d %B %Y}:"]
    for kind in events.KINDS:
        items = [r for r in rows if r.kind == kind]
        if not items:
            continue
        lines.append(f"\n{LABELS[kind]} ({len(items)})")
        for item in items:
            at = f"{local(item.created_at, workspace.timezone):%a %H:%M}"
            lines.append(f"- {at} {item.text}\n  {_absolute(item.link, base)}")
    body = "\n".join(lines) + _footer(workspace, base)
    subject = (
        f"[{workspace.name}] Your daily digest: {len(rows)} item{'s' if len(rows) != 1 else ''}"
    )
    try:
        mail.send(
            config,
            mail.Mail(membership.user.email, subject, body, f"digest-{membership_id}-{day}"),
        )
    except mail.MailNotSent:
        _give_back(session, taken)
        raise
    return len(rows)


def stranded(session: Session, now: datetime) -> list[str]:
    """Events whose immediate mail or Slack message no job has taken for a minute (enqueued
    outside an app, or while Redis was down), from the last day."""
    since, before = now - timedelta(days=1), now - timedelta(minutes=1)
    mails = session.scalars(
        sa.select(Notification.event_key)
        .where(
            Notification.mail == MAIL_NOW,
            Notification.mailed_at.is_(None),
            Notification.created_at > since,
            Notification.created_at < before,
        )
        .distinct()
    ).all()
    posts = session.scalars(
        sa.select(SlackMessage.event_key).where(
            SlackMessage.sent_at.is_(None),
            SlackMessage.created_at > since,
            SlackMessage.created_at < before,
        )
    ).all()
    return sorted(set(mails) | set(posts))
