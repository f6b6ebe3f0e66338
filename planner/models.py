"""ORM classes. Data and invariants only: no Flask, no enqueueing, no HTTP."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from planner.db import Base, UTCDateTime, utcnow


class Role(enum.IntEnum):
    """Workspace roles; each includes the ones below it."""

    viewer = 1
    editor = 2
    approver = 3
    admin = 4


class Status(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    changes_requested = "changes_requested"
    approved = "approved"
    publishing = "publishing"
    published = "published"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


NETWORKS = (
    "mastodon",
    "bluesky",
    "x",
    "facebook",
    "instagram",
    "linkedin",
    "threads",
    "tiktok",
    "pinterest",
    "webhook",
    "outbox",
)
# Werkzeug's default (scrypt). The test suite lowers the cost; nothing else should.
PASSWORD_HASH_METHOD = "scrypt"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Raised by sign-out, a password change or a reset: every session made before ends.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Flask-Login's user protocol, written out so models stay free of Flask imports.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session version it was made at."""
        return f"{self.id}:{self.session_version}"


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    rule_preset: Mapped[str] = mapped_column(sa.String(32), default="balanced")
    rule_overrides: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    allow_self_approval: Mapped[bool] = mapped_column(default=False)
    publishing_paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A Slack-compatible incoming webhook for the workspace's notifications: the URL is a
    # secret (whoever has it can post to the channel), sealed like publisher secrets; the
    # event kinds sent there (planner/events.py).
    slack_webhook: Mapped[str | None] = mapped_column(sa.Text, default=None)
    slack_events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )
    channels: Mapped[list[Channel]] = relationship(
        back_populates="workspace", order_by="Channel.name"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The local day (workspace timezone) of the member's last daily digest: the sweep claims
    # the next one with a conditional update on it, so a day has one digest.
    digest_sent_on: Mapped[date | None] = mapped_column(sa.Date, default=None)

    user: Mapped[User] = relationship(back_populates="memberships")
    workspace: Mapped[Workspace] = relationship(back_populates="memberships")


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(80))
    handle: Mapped[str] = mapped_column(sa.String(120), default="")
    publisher_kind: Mapped[str] = mapped_column(sa.String(32), default="outbox")
    # Non-secret settings (a webhook URL, a Mastodon instance). Secrets live apart, encrypted
    # (planner/secrets_box.py), and are never rendered back to the browser.
    publisher_settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    publisher_secret: Mapped[str | None] = mapped_column(sa.Text, default=None)
    caps: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the target refused the channel's login (401/403, an app password revoked): its
    # due posts are held, not failed, until a successful test or a new secret clears it.
    needs_reconnecting_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    needs_reconnecting_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)
    # The last connection check (the daily one, the one before the day's first post, or a
    # person's "Test connection"): when it started, what it found, and whether that was fine
    # (None: never checked).
    connection_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    connection_check: Mapped[str | None] = mapped_column(sa.Text, default=None)
    connection_ok: Mapped[bool | None] = mapped_column(default=None)
    # When someone answers replies, in the text form of rules/staffing.py ("Mon-Fri
    # 09:00-17:00"), stored canonical; None: the default office hours.
    staffed_hours: Mapped[str | None] = mapped_column(sa.Text, default=None)

    workspace: Mapped[Workspace] = relationship(back_populates="channels")

    @property
    def has_secret(self) -> bool:
        return bool(self.publisher_secret)

    @property
    def needs_reconnecting(self) -> bool:
        return self.needs_reconnecting_at is not None


class PostGroup(Base):
    """One piece of content for several channels: each post of the group is the variant for
    one channel. Review (submit, approve, request changes) acts on the group; publishing
    acts on each post. A post alone is a group of one."""

    __tablename__ = "post_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="group", order_by="Post.id")
    media: Mapped[list[Media]] = relationship(
        back_populates="group", order_by="(Media.position, Media.id)"
    )


def publish_key(post_id: int, approved_version: int, generation: int) -> str:
    """The idempotency key a publisher sends: post-<id>-v<version>[-g<generation>]."""
    suffix = f"-g{generation}" if generation else ""
    return f"post-{post_id}-v{approved_version}{suffix}"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        sa.Index("ix_posts_workspace_scheduled", "workspace_id", "scheduled_at"),
        sa.UniqueConstraint("author_id", "creation_key", name="uq_posts_author_creation_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("post_groups.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    # None: uncategorised (nobody chose one and the classifier was unsure); the balance rules
    # list such posts rather than guess.
    category: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    # A reply answers one person (an account, or the URL of the post it answers); a thread
    # key ties the parts of one thread on a channel. Both change how the rules count it.
    reply_to: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    thread: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[Status] = mapped_column(
        sa.Enum(Status, native_enum=False, length=24), default=Status.draft
    )
    # Optimistic locking: every change a person makes raises it; writers compare it.
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The composer's one-time key: a form sent twice creates one post, not two.
    creation_key: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    approved_version: Mapped[int | None] = mapped_column(default=None)

    attempts: Mapped[int] = mapped_column(default=0)
    # When a worker claimed the post for publishing: the sweeper's lease starts here.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Raised by a retry after a known failure, so the target sees a fresh idempotency key;
    # kept after an unknown outcome, so a deduplicating target can recognise a re-send.
    key_generation: Mapped[int] = mapped_column(default=0)
    outcome_unknown: Mapped[bool] = mapped_column(default=False)
    external_id: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    external_url: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(sa.Text, default=None)

    channel: Mapped[Channel] = relationship()
    workspace: Mapped[Workspace] = relationship()
    group: Mapped[PostGroup] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class Media(Base):
    """A file attached to a post group (every variant carries the same files, in the same
    order): an image (re-encoded without its metadata) or an MP4 video. The bytes live in the
    media store (planner/media/store.py) under `key`; the row says what they are."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("post_groups.id", ondelete="CASCADE"), index=True
    )
    # Order in the post: 0 first. Reordering rewrites the positions of the whole group.
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # "image" or "video"; the media type sniffed from the bytes, never the file's name.
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    # Videos, when the MP4 header says it (its movie header box); None otherwise.
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    alt_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The name it was uploaded under, shown to people only (keys are ours).
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[PostGroup] = relationship(back_populates="media")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def label(self) -> str:
        """How people name it: its file name, else its kind and number."""
        return self.filename or f"{self.kind} {self.position + 1}"


class MediaUpload(Base):
    """A file already uploaded to a post's target (a Mastodon media id): a retry of the
    post attaches it again instead of uploading it twice. `upload_key` names the file and
    its alt text together, since the alt text travels with the upload."""

    __tablename__ = "media_uploads"
    __table_args__ = (sa.UniqueConstraint("post_id", "upload_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    upload_key: Mapped[str] = mapped_column(sa.String(128))
    external_id: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """Append-only record of what happened to a post (or a workspace) and who did it."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int | None] = mapped_column(default=None)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
    note: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class FeedToken(Base):
    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    filters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class FeedRendering(Base):
    """A workspace's feed for one filter, as served: bytes, gzip bytes and validators."""

    __tablename__ = "feed_renderings"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    filter_key: Mapped[str] = mapped_column(sa.String(255))
    # Changes whenever the inputs may have: a rendering with another key is not fresh.
    source_key: Mapped[str] = mapped_column(sa.String(64))
    base_url: Mapped[str] = mapped_column(sa.String(500))
    etag: Mapped[str] = mapped_column(sa.String(64))
    event_count: Mapped[int] = mapped_column(default=0)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The bytes come last, and are loaded only when sent: SQLite walks a large value's
    # overflow pages to reach any column stored after it.
    body_gzip: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    body: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class FeedFragment(Base):
    """One post's serialized VEVENT, kept under a key of its id, version and status."""

    __tablename__ = "feed_fragments"

    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    fragment_key: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)


# The feed's freshness check asks for the latest change to a workspace's posts on every
# request; this makes it one index lookup instead of a scan of the workspace's posts.
sa.Index("ix_posts_workspace_updated", Post.workspace_id, Post.updated_at)


class ApiToken(Base):
    """A personal API token: acts as its owner, with their current role, in one workspace."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()


class PasswordReset(Base):
    """A one-time link to set a new password, issued by an admin or an operator."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Notification(Base):
    """One thing one person is told about: shown under the bell (`in_app`), mailed at once or
    in the daily digest (`mail`). One row per event and recipient: `(event_key, recipient)`
    is the idempotency key, so a mail job that runs twice finds the row already mailed."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("event_key", "recipient_id", name="uq_notifications_event_recipient"),
        sa.Index("ix_notifications_recipient", "recipient_id", "workspace_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(40))
    post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    post_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(sa.Text)
    # A path inside the site (/w/<slug>/posts/<id>); mails make it absolute.
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    in_app: Mapped[bool] = mapped_column(default=True)
    # "none", "immediate" or "digest"; `mailed_at` is set when a job takes the mail (before
    # sending: at most one mail, never two) and cleared again if the server refused it.
    mail: Mapped[str] = mapped_column(sa.String(16), default="none")
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class NotificationPreference(Base):
    """A member's choice for one kind of event; a kind without a row has the defaults
    (planner/notifications.py: in the app and by e-mail at once)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    # By e-mail, but in the daily digest instead of at once.
    digest: Mapped[bool] = mapped_column(default=False)


class SlackMessage(Base):
    """One event posted to the workspace's Slack-compatible webhook; `event_key` makes a
    retried job post it once."""

    __tablename__ = "slack_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(sa.Text, default=None)
