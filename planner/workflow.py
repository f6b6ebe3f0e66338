"""The post state machine: every change to a post goes through these functions.

Each transition checks the actor's role, the post's current state and the version the actor
saw, applies the change with one conditional UPDATE (so two people acting at once cannot
both win), and writes an AuditEvent. Views, the CLI, the API and the workers call these and
nothing else changes a post.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import rules
from planner import events, media, permissions, planning
from planner.db import utcnow
from planner.localtime import NonexistentLocalTime, local, to_utc
from planner.models import (
    AuditEvent,
    Channel,
    Comment,
    Media,
    MediaUpload,
    Post,
    PostGroup,
    Role,
    Status,
    User,
    Workspace,
)
from rules.model import Category


class WorkflowError(Exception):
    """Base of the errors a person can be shown as they are."""


class TransitionNotAllowed(WorkflowError):
    """The post's state does not allow this change."""


class StaleVersion(WorkflowError):
    """Someone else changed the post since the actor loaded it."""

    def __init__(self, post_id: int, expected: int, current: int | None) -> None:
        self.post_id, self.expected, self.current = post_id, expected, current
        super().__init__(
            "This post was changed by someone else while you were working on it "
            f"(you had version {expected}, it is now version {current}). "
            "Reload to see their change; nothing was overwritten."
        )


class OverrideRequired(TransitionNotAllowed):
    """The post is evidence of an error-level balance finding: approving it needs a reason."""

    def __init__(self, findings: list[rules.Finding]) -> None:
        self.findings = findings
        listed = "; ".join(f"{f.rule}: {f.message}" for f in findings)
        super().__init__(
            f"This post is evidence of {len(findings)} error-level finding"
            f"{'s' if len(findings) != 1 else ''} ({listed}). "
            "Approving it anyway needs an override reason, which the history keeps."
        )


class InvalidPost(WorkflowError):
    """Field errors in a post's content, keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))


PermissionDenied = permissions.PermissionDenied

EDITABLE = {
    Status.draft,
    Status.in_review,
    Status.changes_requested,
    Status.approved,
    Status.failed,
}
# Before publishing, a post can always be called off; a failed post can be dropped too.
CANCELLABLE = EDITABLE
# Hooks run after a post's change is committed (feeds, publishing jobs); set by workers.
after_change: list[Callable[[Post], None]] = []


def plain_line_ends(text: str) -> str:
    """Line breaks as the networks count them: a form sends CR LF (HTML's rule for text
    areas), which would count twice where a network counts code points."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class PostContent:
    channel: Channel
    text: str
    category: str | None
    scheduled_at: datetime
    reply_to: str | None = None
    thread: str | None = None

    def __post_init__(self) -> None:
        # Every way in (forms, API, CSV, CLI) stores and publishes the same line breaks.
        object.__setattr__(self, "text", plain_line_ends(self.text))


def content_errors(
    channel: Channel,
    text: str,
    category: str | None,
    scheduled_at: datetime | None,
    *,
    new: bool,
    now: datetime | None = None,
) -> dict[str, str]:
    """A message per bad field; `scheduled_at` None skips the time checks."""
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Write the text of the post."
    # Counted as the network counts (X weighs links and CJK, Bluesky counts graphemes): the
    # same counter as the too-long rule and the composer's.
    length = rules.measure(text, channel.network)
    if length is not None and length.count > length.limit:
        errors["text"] = (
            f"{length.count:,} {length.unit}: {channel.network} accepts at most "
            f"{length.limit:,}. Shorten it by {length.over:,}."
        )
    elif length is not None and length.problems:
        errors["text"] = "; ".join(length.problems)
    # None is "uncategorised" (the API and an import may leave it so when the classifier is
    # unsure); "" is a composer's empty choice, which a person is there to make.
    if category == "":
        errors["category"] = "Pick a category."
    elif category is not None and category not in {c.value for c in Category}:
        errors["category"] = "Pick one of the seven categories."
    if scheduled_at is not None:
        if scheduled_at.tzinfo is None:
            raise ValueError("scheduled_at must be aware")
        if new and scheduled_at <= (now or utcnow()):
            errors["scheduled_at"] = "That time has already passed; pick a time in the future."
    return errors


def validate_content(content: PostContent, *, now: datetime | None = None, new: bool) -> None:
    """Raise InvalidPost with a message per bad field."""
    errors = content_errors(
        content.channel, content.text, content.category, content.scheduled_at, new=new, now=now
    )
    if errors:
        raise InvalidPost(errors)


def snapshot(post: Post) -> dict[str, Any]:
    return {
        "text": post.text,
        "category": post.category,
        "reply_to": post.reply_to,
        "thread": post.thread,
        "channel_id": post.channel_id,
        "channel": post.channel.name if post.channel else None,
        "scheduled_at": post.scheduled_at.isoformat(),
        "status": str(post.status),
        # What an undo restores along with the status (an approval a move revoked).
        "approved_by_id": post.approved_by_id,
        "approved_at": post.approved_at.isoformat() if post.approved_at else None,
        "approved_version": post.approved_version,
    }


def _audit(
    session: Session,
    post: Post,
    actor: User | None,
    action: str,
    before: dict[str, Any] | None,
    note: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        workspace_id=post.workspace_id,
        post_id=post.id,
        version=post.version,
        actor_id=actor.id if actor else None,
        action=action,
        before=before,
        after=snapshot(post),
        note=note,
    )
    session.add(event)
    return event


def _role(session: Session, actor: User, workspace_id: int) -> Role | None:
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    return permissions.role_of(session, actor, workspace)


def _check(
    session: Session,
    actor: User,
    post: Post,
    action: str,
    states: set[Status],
    expected_version: int | None = None,
) -> None:
    """Role first, then the version the actor saw (a conflict explains itself better than
    "an approved post cannot be ..."), then the state."""
    permissions.require(_role(session, actor, post.workspace_id), action)
    if expected_version is not None and expected_version != post.version:
        raise StaleVersion(post.id, expected_version, post.version)
    if post.status not in states:
        article = "An" if post.status.label[0] in "aeiou" else "A"
        raise TransitionNotAllowed(
            f"{article} {post.status.label} post cannot be {ACTION_WORDS.get(action, action)}."
        )


ACTION_WORDS = {
    "edit_post": "edited",
    "reschedule": "moved",
    "cancel": "cancelled",
    "submit": "submitted for review",
    "withdraw": "withdrawn from review",
    "approve": "approved",
    "request_changes": "sent back with changes requested",
    "retry": "retried",
}


def _apply(session: Session, post: Post, expected_version: int, **values: Any) -> None:
    """One conditional UPDATE: succeeds only if nobody changed the post since `expected`."""
    values.setdefault("updated_at", utcnow())
    result = session.execute(
        sa.update(Post)
        .where(Post.id == post.id, Post.version == expected_version)
        .values(version=Post.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        current = session.scalar(sa.select(Post.version).where(Post.id == post.id))
        raise StaleVersion(post.id, expected_version, current)
    session.refresh(post)


def _emit(
    session: Session,
    kind: str,
    post: Post,
    actor: User | None,
    posts: Sequence[Post],
    **data: Any,
) -> None:
    """Tell the listeners (notifications) what happened to a post or its group."""
    events.emit(
        session,
        events.Event(
            kind,
            post.workspace_id,
            actor.id if actor is not None else None,
            tuple(p.id for p in posts),
            post.channel_id,
            {"author_id": post.author_id, **data},
        ),
    )


def _finish(session: Session, post: Post, *others: Post) -> Post:
    """Commit, then run the hooks (jobs, feeds) for every post that changed."""
    session.commit()
    for changed in (post, *others):
        for hook in after_change:
            hook(changed)
    return post


# --- Groups -----------------------------------------------------------------------------------
# A group is one piece of content for several channels, a post (variant) per channel. Review
# moves the whole group: its variants are submitted, approved or sent back together, in one
# decision, and an edit of any variant withdraws the group's approval. Publishing, retries and
# failures are each variant's own. A post alone is a group of one, so single-post callers see
# no difference.

# Variants that are still part of the group's review (a cancelled one has left it).
IN_GROUP = set(Status) - {Status.cancelled}


def variants(session: Session, group_id: int) -> list[Post]:
    """The posts of a group, cancelled ones included, in the order they were made."""
    return list(session.scalars(sa.select(Post).where(Post.group_id == group_id).order_by(Post.id)))


def _others(session: Session, post: Post) -> list[Post]:
    return [p for p in variants(session, post.group_id) if p.id != post.id]


def create_group(
    session: Session,
    actor: User,
    workspace: Workspace,
    contents: Sequence[PostContent],
    creation_key: str | None = None,
) -> list[Post]:
    """Create a draft for each channel, as one group; validates every variant and the
    actor's role, and writes all of them or none.

    `creation_key` is the composer's one-time key: the same form sent twice (a double click,
    a resend after a timeout) gives back the posts the first one made.
    """
    permissions.require(permissions.role_of(session, actor, workspace), "create_post")
    if not contents:
        raise InvalidPost({"channel_id": "Pick at least one channel."})
    channel_ids = [c.channel.id for c in contents]
    if len(set(channel_ids)) != len(channel_ids):
        raise InvalidPost({"channel_id": "Pick each channel once."})
    if any(c.channel.workspace_id != workspace.id for c in contents):
        raise InvalidPost({"channel_id": "Pick a channel of this workspace."})
    if creation_key is not None:
        earlier = _created_with(session, actor, creation_key)
        if earlier is not None:
            return [p for p in variants(session, earlier.group_id) if p.status in IN_GROUP]
    errors: dict[str, str] = {}
    for content in contents:
        problems = content_errors(
            content.channel, content.text, content.category, content.scheduled_at, new=True
        )
        for field, message in problems.items():
            # One variant: the field itself; several: the field of that channel's variant.
            key = field if len(contents) == 1 else f"{field}:{content.channel.id}"
            errors[key] = message if len(contents) == 1 else f"{content.channel.name}: {message}"
    if errors:
        raise InvalidPost(errors)
    now = utcnow()
    group = PostGroup(workspace_id=workspace.id, created_by_id=actor.id, created_at=now)
    session.add(group)
    posts = [
        Post(
            workspace_id=workspace.id,
            group=group,
            channel_id=content.channel.id,
            channel=content.channel,
            text=content.text,
            category=content.category,
            reply_to=content.reply_to,
            thread=content.thread,
            scheduled_at=content.scheduled_at,
            status=Status.draft,
            version=1,
            author_id=actor.id,
            # The key goes on the first variant: it finds the group.
            creation_key=creation_key if n == 0 else None,
            created_at=now,
            updated_at=now,
        )
        for n, content in enumerate(contents)
    ]
    session.add_all(posts)
    try:
        session.flush()
    except IntegrityError:
        # The same key from a request running at the same time won the insert.
        session.rollback()
        earlier = _created_with(session, actor, creation_key) if creation_key else None
        if earlier is None:
            raise
        return [p for p in variants(session, earlier.group_id) if p.status in IN_GROUP]
    for post in posts:
        _audit(session, post, actor, "created", None)
    _finish(session, *posts)
    return posts


def create_post(
    session: Session,
    actor: User,
    workspace: Workspace,
    content: PostContent,
    creation_key: str | None = None,
) -> Post:
    """Create a draft on one channel (a group of one); see `create_group`."""
    return create_group(session, actor, workspace, [content], creation_key)[0]


def _created_with(session: Session, actor: User, creation_key: str) -> Post | None:
    return session.scalar(
        sa.select(Post).where(Post.author_id == actor.id, Post.creation_key == creation_key)
    )


def _revoking(post: Post) -> dict[str, Any]:
    """Fields that take an approved (or reviewed) post back to draft."""
    if post.status in {Status.approved, Status.in_review, Status.failed}:
        return {
            "status": Status.draft,
            "approved_by_id": None,
            "approved_at": None,
            "approved_version": None,
            # An error from before the change is no longer this version's story (the
            # history keeps it).
            "last_error": None,
        }
    return {}


def _revoking_change(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    action: str,
    why: tuple[str, str],
    note: str | None = None,
    **changes: Any,
) -> Post:
    """A change that takes the post and its group back to draft: apply it, audit `action`,
    and the revoked approvals with `why` (the post's reason, the group's)."""
    before = snapshot(post)
    was_approved = post.status == Status.approved
    _apply(session, post, expected_version, **changes, **_revoking(post))
    _audit(session, post, actor, action, before, note=note)
    if was_approved:
        _audit(session, post, actor, "approval_revoked", before, note=why[0])
    others = _revoke_group(session, actor, post, why[1])
    return _finish(session, post, *others)


def _revoke_group(session: Session, actor: User, post: Post, why: str) -> list[Post]:
    """After a change of one variant, the rest of the group leaves review too: the group's
    approval covered the variants as they were."""
    revoked = []
    for other in _others(session, post):
        values = _revoking(other)
        if not values:
            continue
        before = snapshot(other)
        was_approved = other.status == Status.approved
        _apply(session, other, other.version, **values)
        if was_approved:
            _audit(session, other, actor, "approval_revoked", before, note=why)
        revoked.append(other)
    return revoked


def approval_at_stake(post: Post) -> str | None:
    """What saving a change to this post would withdraw, in words, or None."""
    if post.status == Status.approved:
        who = post.approved_by.display_name if post.approved_by else "an approver"
        return f"This post was approved by {who}. Saving a change withdraws that approval."
    if post.status == Status.in_review:
        return "This post is in review. Saving a change takes it back to draft."
    return None


def edit_post(
    session: Session, actor: User, post: Post, expected_version: int, content: PostContent
) -> Post:
    """Change text, channel, category or time. An approval does not survive a change, and
    neither does the approval of the rest of the post's group."""
    _check(session, actor, post, "edit_post", EDITABLE, expected_version)
    if content.channel.workspace_id != post.workspace_id:
        raise InvalidPost({"channel_id": "Pick a channel of this workspace."})
    if content.channel.id != post.channel_id and any(
        o.channel_id == content.channel.id and o.status in IN_GROUP for o in _others(session, post)
    ):
        raise InvalidPost({"channel_id": "Another variant of this post is on that channel."})
    moved = content.scheduled_at != post.scheduled_at
    validate_content(content, new=moved)
    # A post saved before line breaks were made plain is not changed by the same text again.
    same_text = content.text == plain_line_ends(post.text)
    changed = (
        not same_text
        or content.channel.id != post.channel_id
        or content.category != post.category
        or content.reply_to != post.reply_to
        or content.thread != post.thread
        or moved
    )
    if not changed:
        if post.version != expected_version:
            raise StaleVersion(post.id, expected_version, post.version)
        return post
    before = snapshot(post)
    was_approved = post.status == Status.approved
    # Whom it answers is part of what goes out, as the text is.
    revokes = (
        not same_text
        or content.channel.id != post.channel_id
        or content.reply_to != post.reply_to
        or moved
    )
    revoke = _revoking(post) if revokes else {}
    _apply(
        session,
        post,
        expected_version,
        text=content.text,
        channel_id=content.channel.id,
        category=content.category,
        reply_to=content.reply_to,
        thread=content.thread,
        scheduled_at=content.scheduled_at,
        **revoke,
    )
    _audit(session, post, actor, "edited", before)
    if was_approved and revoke:
        _audit(session, post, actor, "approval_revoked", before, note="the post was edited")
    others = (
        _revoke_group(session, actor, post, "a variant of the group was edited") if revokes else []
    )
    return _finish(session, post, *others)


def reschedule(
    session: Session, actor: User, post: Post, expected_version: int, scheduled_at: datetime
) -> Post:
    """Move a post to another time; an approved post (and the rest of its group) goes back
    to draft."""
    _check(session, actor, post, "reschedule", EDITABLE, expected_version)
    if scheduled_at == post.scheduled_at:
        if post.version != expected_version:
            raise StaleVersion(post.id, expected_version, post.version)
        return post
    if scheduled_at <= utcnow():
        raise InvalidPost({"scheduled_at": "That time has already passed; pick a future time."})
    return _revoking_change(
        session,
        actor,
        post,
        expected_version,
        "rescheduled",
        why=("the post was moved", "a variant of the group was moved"),
        scheduled_at=scheduled_at,
    )


def reschedule_together(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    scheduled_at: datetime,
    versions: Mapping[int, int],
) -> list[Post]:
    """Move a post and the variants of its group shown with it (`versions`, by post id) by
    the same amount of time, in one change (a calendar card of several channels dragged)."""
    if not versions:
        return [reschedule(session, actor, post, expected_version, scheduled_at)]
    others = [p for p in _others(session, post) if p.id in versions]
    if len(others) != len(versions):
        raise InvalidPost({"versions": "Those posts are not variants of this one."})
    shift = scheduled_at - post.scheduled_at
    pairs = [(post, expected_version), *((o, versions[o.id]) for o in others)]
    for variant, version in pairs:
        _check(session, actor, variant, "reschedule", EDITABLE, version)
    if shift and scheduled_at <= utcnow():
        raise InvalidPost({"scheduled_at": "That time has already passed; pick a future time."})
    moved = []
    for variant, version in pairs:
        if not shift:
            continue
        before = snapshot(variant)
        was_approved = variant.status == Status.approved
        _apply(
            session,
            variant,
            version,
            scheduled_at=variant.scheduled_at + shift,
            **_revoking(variant),
        )
        _audit(session, variant, actor, "rescheduled", before)
        if was_approved:
            _audit(session, variant, actor, "approval_revoked", before, note="the post was moved")
        moved.append(variant)
    rest = _revoke_group(session, actor, post, "a variant of the group was moved") if moved else []
    _finish(session, post, *moved[1:], *rest)
    return [post, *others]


def _transition(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    action: str,
    states: set[Status],
    audit_action: str,
    note: str | None = None,
    **values: Any,
) -> Post:
    _check(session, actor, post, action, states, expected_version)
    before = snapshot(post)
    _apply(session, post, expected_version, **values)
    _audit(session, post, actor, audit_action, before, note=note)
    return post


def _group_versions(
    session: Session, post: Post, expected_version: int, versions: Mapping[int, int] | None
) -> list[tuple[Post, int]]:
    """Every variant of the post's group still in review, with the version the actor saw.
    A decision on a group covers what the actor saw of each variant: a variant whose version
    was not given refuses the decision (a group of one needs only its own)."""
    seen = {**(versions or {}), post.id: expected_version}
    # The post itself always: its own state decides whether the action is allowed at all.
    group = [p for p in variants(session, post.group_id) if p.id == post.id or p.status in IN_GROUP]
    missing = [p for p in group if p.id not in seen]
    if missing:
        names = ", ".join(p.channel.name for p in missing)
        raise TransitionNotAllowed(
            f"This post is one of {len(group)} variants ({names} too): review acts on the "
            "whole group; open the group to see every variant."
        )
    return [(p, seen[p.id]) for p in group]


def _group_transition(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    versions: Mapping[int, int] | None,
    action: str,
    states: set[Status],
    audit_action: str,
    values_for: Callable[[Post, int], dict[str, Any]],
    note: str | None = None,
) -> list[Post]:
    """One review decision for the whole group: every variant checked first (role,
    version, state), then every one changed; all or none."""
    pairs = _group_versions(session, post, expected_version, versions)
    for variant, version in pairs:
        _check(session, actor, variant, action, states, version)
    for variant, version in pairs:
        before = snapshot(variant)
        _apply(session, variant, version, **values_for(variant, version))
        _audit(session, variant, actor, audit_action, before, note=note)
    return [variant for variant, _ in pairs]


def cancel(session: Session, actor: User, post: Post, expected_version: int) -> Post:
    """Call a post off; possible in any state before publishing. The other variants of its
    group go on."""
    _transition(
        session,
        actor,
        post,
        expected_version,
        "cancel",
        CANCELLABLE,
        "cancelled",
        status=Status.cancelled,
    )
    return _finish(session, post)


def submit(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    versions: Mapping[int, int] | None = None,
) -> Post:
    """Ask for review of the post's group (`versions`: what the actor saw of the other
    variants). Its images need alt text, and its files must suit every channel."""
    permissions.require(_role(session, actor, post.workspace_id), "submit")
    problems = media_errors(session, post)
    if problems:
        raise InvalidPost(problems)
    changed = _group_transition(
        session,
        actor,
        post,
        expected_version,
        versions,
        "submit",
        {Status.draft, Status.changes_requested},
        "submitted",
        lambda _post, _version: {"status": Status.in_review},
    )
    _finish(session, post, *changed)
    _emit(session, events.SUBMITTED, post, actor, changed)
    return post


def withdraw(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    versions: Mapping[int, int] | None = None,
) -> Post:
    """Take the post's group out of review, back to draft."""
    changed = _group_transition(
        session,
        actor,
        post,
        expected_version,
        versions,
        "withdraw",
        {Status.in_review},
        "withdrawn",
        lambda _post, _version: {"status": Status.draft},
    )
    return _finish(session, post, *changed)


def blocking_findings(session: Session, post: Post) -> list[rules.Finding]:
    """Error-level balance findings this post (or another variant of its group) is evidence
    of."""
    workspace = session.get(Workspace, post.workspace_id)
    assert workspace is not None
    ids = {p.id for p in variants(session, post.group_id)}
    return [
        f
        for f in planning.findings(session, workspace)
        if f.severity == rules.Severity.ERROR and ids.intersection(f.post_ids)
    ]


TEXT_EVENTS = ("created", "edited", "media_changed")


def text_changed(event: AuditEvent) -> bool:
    """Whether this audit event wrote the post's content (its creation, an edit of its
    text, or a change of its media: the pictures go out as the text does)."""
    if event.action in ("created", "media_changed"):
        return True
    before, after = event.before or {}, event.after or {}
    return event.action == "edited" and before.get("text") != after.get("text")


def text_authors(session: Session, post: Post) -> set[int]:
    """Who wrote a version of the text of the post's group since its last approval (from
    the history of each variant)."""
    authors: set[int] = set()
    for variant in variants(session, post.group_id):
        last_approval = session.scalar(
            sa.select(sa.func.max(AuditEvent.id)).where(
                AuditEvent.post_id == variant.id, AuditEvent.action == "approved"
            )
        )
        events = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.post_id == variant.id,
                AuditEvent.action.in_(TEXT_EVENTS),
                AuditEvent.id > (last_approval or 0),
            )
        )
        authors |= {e.actor_id for e in events if e.actor_id is not None and text_changed(e)}
    return authors


def may_approve(session: Session, actor: User, post: Post) -> bool:
    """Whether the approve button makes sense for this person: four eyes, or self-approval
    allowed by the workspace."""
    workspace = session.get(Workspace, post.workspace_id)
    assert workspace is not None
    return workspace.allow_self_approval or actor.id not in text_authors(session, post)


def approve(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    override_reason: str | None = None,
    versions: Mapping[int, int] | None = None,
) -> Post:
    """Sign off exactly these versions of the post's group, in one decision. Four eyes
    unless the workspace allows self-approval; a group that is evidence of an error-level
    finding needs an override reason."""
    workspace = session.get(Workspace, post.workspace_id)
    assert workspace is not None
    pairs = _group_versions(session, post, expected_version, versions)
    for variant, version in pairs:
        _check(session, actor, variant, "approve", {Status.in_review}, version)
    # Four eyes on the text that goes out: whoever wrote any version of it since the last
    # approval (not only the post's author) cannot be the one who approves it.
    self_approved = actor.id in text_authors(session, post)
    if self_approved and not workspace.allow_self_approval:
        raise TransitionNotAllowed(
            "You wrote text of this post since it was last approved, so another approver must "
            "sign it off (four eyes). An admin can allow self-approval for one-person teams in "
            "the workspace settings."
        )
    notes = ["self-approval allowed by the workspace setting"] if self_approved else []
    blocking = blocking_findings(session, post)
    if blocking:
        if not (override_reason or "").strip():
            raise OverrideRequired(blocking)
        rules_hit = ", ".join(sorted({f.rule for f in blocking}))
        notes.append(f"override of {rules_hit}: {(override_reason or '').strip()}")
    now = utcnow()
    changed = _group_transition(
        session,
        actor,
        post,
        expected_version,
        versions,
        "approve",
        {Status.in_review},
        "approved",
        lambda _post, version: {
            "status": Status.approved,
            "approved_by_id": actor.id,
            "approved_at": now,
            "approved_version": version + 1,
        },
        note="; ".join(notes) or None,
    )
    _finish(session, post, *changed)
    _emit(session, events.APPROVED, post, actor, changed)
    return post


@dataclass(frozen=True)
class Outcome:
    """What happened to one post of a bulk action."""

    post_id: int
    ok: bool
    message: str


def bulk_approve(
    session: Session,
    actor: User,
    workspace: Workspace,
    selection: list[tuple[int, int]],
    reasons: dict[int, str] | None = None,
) -> list[Outcome]:
    """Approve each selected group, (post id, version) for each variant seen; one stale or
    refused group does not stop the rest. `reasons` holds override reasons by post id."""
    seen = dict(selection)
    by_group: dict[int, list[Post]] = {}
    results: dict[int, Outcome] = {}
    for post_id, _ in selection:
        post = session.get(Post, post_id)
        if post is None or post.workspace_id != workspace.id:
            results[post_id] = Outcome(post_id, False, "No such post in this workspace.")
            continue
        by_group.setdefault(post.group_id, []).append(post)
    for posts in by_group.values():
        first = posts[0]
        versions = {p.id: seen[p.id] for p in posts}
        given = [(reasons or {}).get(p.id) for p in posts]
        reason = next((r for r in given if r), None)
        try:
            approve(session, actor, first, seen[first.id], reason, versions)
        except (WorkflowError, PermissionDenied) as error:
            session.rollback()
            results.update({p.id: Outcome(p.id, False, str(error)) for p in posts})
        else:
            results.update({p.id: Outcome(p.id, True, "Approved.") for p in posts})
    # In the order of the selection, as the queue listed them.
    return [results[post_id] for post_id in dict.fromkeys(post_id for post_id, _ in selection)]


def _cards(
    session: Session, workspace: Workspace, cards: Sequence[Sequence[tuple[int, int]]]
) -> tuple[list[tuple[Post, int, dict[int, int]]], list[Outcome]]:
    """Calendar cards as (lead post, its version, the other variants' versions); ids of
    another workspace or unknown ones are outcomes, never errors."""
    found, missing = [], []
    for card in cards:
        if not card:
            continue
        (lead_id, version), others = card[0], dict(card[1:])
        lead = session.get(Post, lead_id)
        if lead is None or lead.workspace_id != workspace.id:
            missing.append(Outcome(lead_id, False, "No such post in this workspace."))
            continue
        found.append((lead, version, others))
    return found, missing


def bulk_change(
    session: Session,
    actor: User,
    workspace: Workspace,
    action: str,
    cards: Sequence[Sequence[tuple[int, int]]],
    to_day: date | None = None,
) -> tuple[list[Outcome], Change]:
    """Submit, cancel or move several calendar cards (a card: a post and the variants shown
    with it, with the versions seen). A move keeps each post's time of day and the days
    between them: the earliest lands on `to_day`. One refused card does not stop the rest;
    the Change lists what can be undone (cancels and moves)."""
    found, outcomes = _cards(session, workspace, cards)
    if action == "move":
        if to_day is None:
            raise InvalidPost({"to": "Pick the day to move the posts to."})
        if found:
            tz = workspace.timezone
            first = min(local(lead.scheduled_at, tz).date() for lead, _, _ in found)
            shift = to_day - first
    with undoable(session, [lead for lead, _, _ in found]) as change:
        for lead, version, others in found:
            try:
                if action == "submit":
                    submit(session, actor, lead, version, others)
                    said = "Submitted for review."
                elif action == "cancel":
                    for post_id, seen in [(lead.id, version), *others.items()]:
                        post = session.get(Post, post_id)
                        if post is None or post.group_id != lead.group_id:
                            raise InvalidPost({"post": "That is not a variant of this post."})
                        cancel(session, actor, post, seen)
                    said = "Cancelled."
                elif action == "move":
                    at = local(lead.scheduled_at, workspace.timezone)
                    moved_to = to_utc(at.date() + shift, at.time(), workspace.timezone)
                    reschedule_together(session, actor, lead, version, moved_to, others)
                    said = "Moved."
                else:
                    raise InvalidPost({"action": "Pick submit, move or cancel."})
            except (WorkflowError, PermissionDenied, NonexistentLocalTime) as error:
                session.rollback()
                outcomes.append(Outcome(lead.id, False, str(error)))
            else:
                outcomes.append(Outcome(lead.id, True, said))
    return outcomes, change


def request_changes(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    comment: str,
    versions: Mapping[int, int] | None = None,
) -> Post:
    """Send the post's group back to its author with a comment saying what to change."""
    if not comment.strip():
        raise InvalidPost({"comment": "Say what should change; the author will read it."})
    changed = _group_transition(
        session,
        actor,
        post,
        expected_version,
        versions,
        "request_changes",
        {Status.in_review},
        "changes_requested",
        lambda _post, _version: {"status": Status.changes_requested},
        note=comment.strip(),
    )
    session.add(Comment(post_id=post.id, author_id=actor.id, body=comment.strip()))
    _finish(session, post, *changed)
    _emit(session, events.CHANGES_REQUESTED, post, actor, changed, comment=comment.strip())
    if "@" in comment:
        # Others named in the request hear of it; the author is told by the request itself.
        _emit(
            session,
            events.MENTIONED,
            post,
            actor,
            [post],
            comment=comment.strip(),
            already_told=[post.author_id],
        )
    return post


def add_comment(session: Session, actor: User, post: Post, body: str) -> Comment:
    permissions.require(_role(session, actor, post.workspace_id), "comment")
    if not body.strip():
        raise InvalidPost({"body": "Write a comment first."})
    comment = Comment(post_id=post.id, author_id=actor.id, body=body.strip())
    session.add(comment)
    session.commit()
    if "@" in comment.body:
        _emit(session, events.MENTIONED, post, actor, [post], comment=comment.body)
    return comment


def next_free_week(post: Post) -> datetime:
    """The post's time one week later, or as many weeks as it takes to be in the future."""
    target = post.scheduled_at + timedelta(days=7)
    while target <= utcnow():
        target += timedelta(days=7)
    return target


def duplicate(
    session: Session,
    actor: User,
    post: Post,
    scheduled_at: datetime | None = None,
    store: media.MediaStore | None = None,
) -> Post:
    """A new draft group with the same channels, texts and categories as the post's group
    at another time (by default the same time a week later, or the first such week still
    ahead), and with `store`, copies of its files. Returns the copy of `post`."""
    workspace = session.get(Workspace, post.workspace_id)
    assert workspace is not None
    shift = (scheduled_at or next_free_week(post)) - post.scheduled_at
    group = [p for p in variants(session, post.group_id) if p.status in IN_GROUP]
    copies = create_group(
        session,
        actor,
        workspace,
        [
            PostContent(p.channel, p.text, p.category, p.scheduled_at + shift, p.reply_to, p.thread)
            for p in group
        ],
    )
    if store is not None:
        _copy_media(session, post.group_id, copies[0].group_id, store)
    return copies[group.index(post)] if post in group else copies[0]


def _copy_media(
    session: Session, source_group: int, target_group: int, store: media.MediaStore
) -> None:
    """The files of one group copied to another under new keys (a file gone from the store
    is left out: the copy is a draft, and its page shows what it has)."""
    for row in group_media(session, source_group):
        try:
            data = store.get(row.key)
            thumbnail = store.get(row.thumbnail_key) if row.thumbnail_key else None
        except media.MediaMissing:
            continue
        key = media.new_key(row.workspace_id, row.key.rsplit(".", 1)[-1])
        store.put(key, data, row.mime_type)
        thumbnail_key = None
        if thumbnail is not None and row.thumbnail_key:
            extension = row.thumbnail_key.rsplit(".", 1)[-1]
            thumbnail_key = media.new_key(row.workspace_id, extension, thumbnail=True)
            store.put(thumbnail_key, thumbnail, "image/png" if extension == "png" else "image/jpeg")
        session.add(
            Media(
                workspace_id=row.workspace_id,
                group_id=target_group,
                position=row.position,
                key=key,
                kind=row.kind,
                mime_type=row.mime_type,
                size=row.size,
                width=row.width,
                height=row.height,
                duration_ms=row.duration_ms,
                alt_text=row.alt_text,
                filename=row.filename,
                thumbnail_key=thumbnail_key,
                uploaded_by_id=row.uploaded_by_id,
            )
        )
    session.commit()


def retry(session: Session, actor: User, post: Post, expected_version: int) -> Post:
    """Send a failed post again, as the version that was approved.

    After a known failure the target gets a fresh idempotency key; after an unknown outcome
    the key stays, so a deduplicating target recognises a re-send instead of posting twice.
    """
    _check(session, actor, post, "retry", {Status.failed}, expected_version)
    if post.approved_version is None:
        raise TransitionNotAllowed("This post has no approved version; submit it for review.")
    generation = post.key_generation if post.outcome_unknown else post.key_generation + 1
    _transition(
        session,
        actor,
        post,
        expected_version,
        "retry",
        {Status.failed},
        "retry_requested",
        note=f"last error: {post.last_error}" if post.last_error else None,
        status=Status.approved,
        key_generation=generation,
        outcome_unknown=False,
        claimed_at=None,
    )
    return _finish(session, post)


def _set_paused(session: Session, actor: User, workspace: Workspace, paused: bool) -> None:
    permissions.require(permissions.role_of(session, actor, workspace), "pause_publishing")
    workspace.publishing_paused = paused
    session.add(
        AuditEvent(
            workspace_id=workspace.id,
            actor_id=actor.id,
            action="publishing_paused" if paused else "publishing_resumed",
        )
    )
    session.commit()


def pause_publishing(session: Session, actor: User, workspace: Workspace) -> None:
    """Stop all publishing of the workspace at once; approved posts keep their place."""
    _set_paused(session, actor, workspace, True)


def resume_publishing(session: Session, actor: User, workspace: Workspace) -> list[Post]:
    """Publish again. Returns the approved posts, for their jobs to be brought in line
    (posts whose time passed meanwhile are handled by the grace rule)."""
    _set_paused(session, actor, workspace, False)
    posts = list(
        session.scalars(
            sa.select(Post).where(Post.workspace_id == workspace.id, Post.status == Status.approved)
        )
    )
    for post in posts:
        for hook in after_change:
            hook(post)
    return posts


# What workers do. No actor and no version bump: the version is what a person saw and
# approved; these conditional updates key on the approved version instead.


def _system_audit(session: Session, post_id: int, action: str, note: str | None) -> None:
    post = session.get(Post, post_id)
    assert post is not None
    session.refresh(post)
    _audit(session, post, None, action, None, note=note)


def claim(session: Session, post_id: int, approved_version: int) -> bool:
    """approved (this approved version) -> publishing, in one conditional UPDATE: of two
    workers racing for the post, exactly one wins."""
    result = session.execute(
        sa.update(Post)
        .where(
            Post.id == post_id,
            Post.status == Status.approved,
            Post.approved_version == approved_version,
        )
        .values(
            status=Status.publishing,
            claimed_at=utcnow(),
            attempts=Post.attempts + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    _system_audit(session, post_id, "publish_attempt", None)
    session.commit()
    return True


def _settle(
    session: Session,
    post_id: int,
    approved_version: int,
    from_status: Status,
    action: str,
    note: str | None,
    notify: bool = True,
    **values: Any,
) -> bool:
    result = session.execute(
        sa.update(Post)
        .where(
            Post.id == post_id,
            Post.status == from_status,
            Post.approved_version == approved_version,
        )
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    _system_audit(session, post_id, action, note)
    session.commit()
    post = session.get(Post, post_id)
    if post is not None and notify:
        for hook in after_change:
            hook(post)
    return True


def mark_published(
    session: Session, post_id: int, approved_version: int, external_id: str, url: str | None
) -> bool:
    return _settle(
        session,
        post_id,
        approved_version,
        Status.publishing,
        "published",
        url,
        status=Status.published,
        external_id=external_id,
        external_url=url,
        published_at=utcnow(),
        last_error=None,
    )


def mark_failed(
    session: Session,
    post_id: int,
    approved_version: int,
    reason: str,
    *,
    from_status: Status = Status.publishing,
    outcome_unknown: bool = False,
) -> bool:
    settled = _settle(
        session,
        post_id,
        approved_version,
        from_status,
        "outcome_unknown" if outcome_unknown else "publish_failed",
        reason,
        status=Status.failed,
        last_error=reason,
        outcome_unknown=outcome_unknown,
    )
    post = session.get(Post, post_id) if settled else None
    if post is not None:
        kind = events.OUTCOME_UNKNOWN if outcome_unknown else events.FAILED
        _emit(session, kind, post, None, [post], reason=reason)
    return settled


def release_for_retry(session: Session, post_id: int, approved_version: int, reason: str) -> bool:
    """publishing -> approved after a transient error; the job is enqueued again."""
    return _settle(
        session,
        post_id,
        approved_version,
        Status.publishing,
        "publish_retry",
        reason,
        notify=False,  # the caller enqueues the retry at its backoff time
        status=Status.approved,
        last_error=reason,
        claimed_at=None,
    )


# --- Undo -------------------------------------------------------------------------------------
# A cancel or a move can be taken back for a short while (the page offers it for ten seconds;
# the server allows a slow click). Undo restores each post as it was just before the change,
# an approval the move revoked included, and only if nobody changed the post since: the
# versions in the undo token are the ones the change left. The history keeps both steps.

UNDO_SECONDS = 60
UNDOABLE = {"cancelled": "cancel", "rescheduled": "reschedule"}
# Written by the same change for the rest of a group; undone with it.
UNDONE_WITH = {"approval_revoked"}


@dataclass
class Change:
    """The posts a change touched, as "id:version" pairs for an undo (see `undoable`)."""

    items: list[tuple[int, int]] = dataclass_field(default_factory=list)

    @property
    def token(self) -> str:
        return ";".join(f"{post_id}:{version}" for post_id, version in self.items)


@contextmanager
def undoable(session: Session, posts: Iterable[Post]) -> Iterator[Change]:
    """Record which posts of these posts' groups a change inside the block changed (a move
    revokes the approval of the whole group), for `undo`."""
    groups = {p.group_id for p in posts}
    before = dict(
        session.execute(sa.select(Post.id, Post.version).where(Post.group_id.in_(groups))).all()
    )
    change = Change()
    yield change
    after = session.execute(sa.select(Post.id, Post.version).where(Post.id.in_(before))).all()
    change.items = sorted((i, v) for i, v in after if v != before[i])


def undo(
    session: Session,
    actor: User,
    workspace: Workspace,
    items: Sequence[tuple[int, int]],
    *,
    now: datetime | None = None,
) -> list[Post]:
    """Take back the actor's recent cancel or move of these posts (all of them or none)."""
    now = now or utcnow()
    restored: list[tuple[Post, int, dict[str, Any], str]] = []
    for post_id, version in items:
        post = session.get(Post, post_id)
        if post is None or post.workspace_id != workspace.id:
            raise TransitionNotAllowed("There is nothing to undo for that post.")
        if post.version != version:
            raise TransitionNotAllowed(
                f"Post #{post.id} changed since (version {post.version} now), so the undo "
                "would overwrite that; change it back by hand. The history shows both."
            )
        written = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.post_id == post.id, AuditEvent.version == version)
            .order_by(AuditEvent.id)
        ).all()
        kinds = {e.action for e in written}
        if (
            not written
            or any(e.actor_id != actor.id for e in written)
            or not kinds <= set(UNDOABLE) | UNDONE_WITH
            or written[0].before is None
        ):
            raise TransitionNotAllowed("Only your own last cancel or move can be undone.")
        if written[0].created_at < now - timedelta(seconds=UNDO_SECONDS):
            raise TransitionNotAllowed(
                "Too late to undo (a minute at most): change the post back by hand; the "
                "history keeps what happened."
            )
        action = next((UNDOABLE[k] for k in kinds if k in UNDOABLE), "reschedule")
        permissions.require(_role(session, actor, post.workspace_id), action)
        restored.append((post, version, written[0].before, kinds))
    for post, version, before, kinds in restored:
        was = snapshot(post)
        _apply(
            session,
            post,
            version,
            status=Status(before["status"]),
            scheduled_at=datetime.fromisoformat(before["scheduled_at"]),
            approved_by_id=before.get("approved_by_id"),
            approved_at=(
                datetime.fromisoformat(before["approved_at"]) if before.get("approved_at") else None
            ),
            approved_version=before.get("approved_version"),
        )
        done = "the cancel" if "cancelled" in kinds else "the move"
        _audit(session, post, actor, "undone", was, note=f"undid {done}")
    posts = [p for p, *_ in restored]
    if posts:
        _finish(session, posts[0], *posts[1:])
    return posts


# --- Channels whose login stopped working ----------------------------------------------------
# A target that refuses a channel's login (401/403, a revoked app password) will refuse every
# post of that channel. Instead of failing them one by one, the channel is marked "needs
# reconnecting" and its due posts are held: they stay approved, no job publishes them, and the
# grace period does not run out on them while they wait. A successful connection test or a new
# secret reconnects the channel: its posts go out, and those held past the grace period are
# marked missed, as posts missed while no worker ran are.


def hold(session: Session, post_id: int, approved_version: int, reason: str) -> bool:
    """publishing -> approved after the target refused the channel's login. No job is enqueued:
    the post waits for `channel_reconnected`."""
    return _settle(
        session,
        post_id,
        approved_version,
        Status.publishing,
        "publish_held",
        reason,
        notify=False,
        status=Status.approved,
        last_error=reason,
        claimed_at=None,
    )


def _channel_audit(
    session: Session, channel: Channel, actor: User | None, action: str, note: str | None
) -> None:
    session.add(
        AuditEvent(
            workspace_id=channel.workspace_id,
            actor_id=actor.id if actor else None,
            action=action,
            after={"channel": channel.name, "channel_id": channel.id},
            note=note,
        )
    )


def mark_needs_reconnecting(
    session: Session, channel_id: int, reason: str, actor: User | None = None
) -> bool:
    """Mark the channel "needs reconnecting" (when and why) unless it already is. Returns
    whether this call marked it; only then are the admins told (one event per transition, not
    one per post: every worker that meets the refused login calls this, one wins)."""
    result = session.execute(
        sa.update(Channel)
        .where(Channel.id == channel_id, Channel.needs_reconnecting_at.is_(None))
        .values(needs_reconnecting_at=utcnow(), needs_reconnecting_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    channel = session.get(Channel, channel_id)
    assert channel is not None
    session.refresh(channel)
    _channel_audit(session, channel, actor, "channel_needs_reconnecting", reason)
    session.commit()
    events.emit(
        session,
        events.Event(
            events.CHANNEL_NEEDS_RECONNECTING,
            channel.workspace_id,
            actor.id if actor is not None else None,
            channel_id=channel.id,
            data={"channel": channel.name, "reason": reason},
        ),
    )
    return True


def held_posts(session: Session, channel: Channel) -> list[Post]:
    """The approved posts of a channel that needs reconnecting, in time order."""
    return list(
        session.scalars(
            sa.select(Post)
            .where(Post.channel_id == channel.id, Post.status == Status.approved)
            .order_by(Post.scheduled_at, Post.id)
        )
    )


def channel_reconnected(
    session: Session,
    channel: Channel,
    actor: User | None,
    grace: timedelta,
    how: str,
    *,
    now: datetime | None = None,
) -> list[Post]:
    """Clear the channel's "needs reconnecting" mark (`how`: what reconnected it, for the
    history) and release its held posts: those due within `grace` go out (their jobs are
    enqueued), older ones are marked missed. Returns the posts released to publish; nothing
    happens for a channel that was not marked."""
    since = channel.needs_reconnecting_at
    result = session.execute(
        sa.update(Channel)
        .where(Channel.id == channel.id, Channel.needs_reconnecting_at.is_not(None))
        .values(needs_reconnecting_at=None, needs_reconnecting_reason=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return []
    session.refresh(channel)
    _channel_audit(session, channel, actor, "channel_reconnected", how)
    session.commit()
    now = now or utcnow()
    workspace = session.get(Workspace, channel.workspace_id)
    assert workspace is not None
    released = []
    for post in held_posts(session, channel):
        late = now - post.scheduled_at
        # A paused workspace decides when it resumes (the grace rule of the job then).
        if late > grace and not workspace.publishing_paused and post.approved_version:
            waited = f" for {int((now - since).total_seconds() // 60)} minutes" if since else ""
            mark_failed(
                session,
                post.id,
                post.approved_version,
                f"missed: it was due {int(late.total_seconds() // 60)} minutes ago and was held"
                f"{waited} while {channel.name} needed reconnecting; reschedule it or retry to "
                "publish it now",
                from_status=Status.approved,
            )
            continue
        for hook in after_change:
            hook(post)
        released.append(post)
    return released


# --- Media ------------------------------------------------------------------------------------
# A group's files go out with every variant, in one order. Attaching, removing, reordering and
# alt text are edits: they raise the version of the post they were made on, and take it and
# the rest of its group out of review or approval, as a text edit does (the approver signed
# off what they saw, pictures included). The bytes are written to the store before the row
# and deleted after it, so a row never names missing bytes.

ALT_TEXT_MAX = 1500  # Mastodon's limit; X's 1,000 is checked per network


def group_media(session: Session, group_id: int) -> list[Media]:
    """A group's files in their order."""
    return list(
        session.scalars(
            sa.select(Media).where(Media.group_id == group_id).order_by(Media.position, Media.id)
        )
    )


def _networks(session: Session, post: Post) -> list[str]:
    """The networks of the variants still in the group."""
    return [
        p.channel.network
        for p in variants(session, post.group_id)
        if p.status in IN_GROUP or p.id == post.id
    ]


def _item(row: Media | media.Prepared, label: str) -> media.Item:
    return media.Item(
        label, row.kind, row.mime_type, row.size, row.width, row.height, row.duration_ms
    )


def media_errors(session: Session, post: Post) -> dict[str, str]:
    """What stops the group's files from going out: images without alt text, and whatever a
    channel's network refuses (size, length, count). Empty when all is well."""
    files = group_media(session, post.group_id)
    networks = _networks(session, post)
    problems: list[str] = []
    missing = [
        f"{n}. {m.label}" for n, m in enumerate(files, 1) if m.is_image and not m.alt_text.strip()
    ]
    if missing:
        problems.append(
            "Describe every image for people who cannot see it (alt text): "
            + ", ".join(missing)
            + "."
        )
    for row in files:
        problems.extend(media.item_problems(_item(row, row.label), networks))
    # "Instagram needs an image" is said on the post page, not enforced here: plans (the
    # demo, CSV imports) put text on Instagram first and the picture later.
    problems.extend(
        p
        for p in media.set_problems([_item(m, m.label) for m in files], networks)
        if not p.endswith("attach one.")
    )
    x_alt = [m.label for m in files if "x" in networks and len(m.alt_text) > 1000]
    if x_alt:
        problems.append(f"Alt text of {', '.join(x_alt)} is over 1,000 characters, X's limit.")
    return {"media": " ".join(problems)} if problems else {}


def media_notes(session: Session, post: Post) -> list[str]:
    """What a channel of the group will want before it can publish, said without blocking
    (Instagram has no post without an image or video)."""
    files = group_media(session, post.group_id)
    return [
        p
        for p in media.set_problems([_item(m, m.label) for m in files], _networks(session, post))
        if p.endswith("attach one.")
    ]


def _media_check(session: Session, actor: User, post: Post, expected_version: int) -> None:
    _check(session, actor, post, "edit_post", EDITABLE, expected_version)
    busy = [o for o in _others(session, post) if o.status == Status.publishing]
    if busy:
        raise TransitionNotAllowed(
            f"The {busy[0].channel.name} variant is being published right now; change the "
            "media once it is done."
        )


def _media_edited(
    session: Session, actor: User, post: Post, expected_version: int, note: str
) -> Post:
    """Record a media change as an edit of the post: version, audit, and the approval of
    the post and its group revoked."""
    return _revoking_change(
        session,
        actor,
        post,
        expected_version,
        "media_changed",
        why=("its media changed", "the media of the group changed"),
        note=note,
    )


def add_media(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    upload: media.Prepared,
    store: media.MediaStore,
    alt_text: str = "",
) -> Media:
    """Attach a checked file to the post's group, last; InvalidPost (field "media") names
    the network limit it breaks, for every channel of the group."""
    _media_check(session, actor, post, expected_version)
    alt_text = alt_text.strip()
    label = upload.filename or ("the video" if upload.kind == "video" else "the image")
    files = group_media(session, post.group_id)
    networks = _networks(session, post)
    problems = media.item_problems(_item(upload, label), networks)
    problems += [
        p
        for p in media.set_problems(
            [*(_item(m, m.label) for m in files), _item(upload, label)], networks
        )
        if not p.endswith("attach one.")
    ]
    if len(alt_text) > ALT_TEXT_MAX:
        problems.append(
            f"Alt text is {len(alt_text):,} characters; keep it within {ALT_TEXT_MAX:,}."
        )
    if problems:
        raise InvalidPost({"media": " ".join(problems)})
    key = media.new_key(post.workspace_id, upload.extension)
    thumbnail_key = None
    store.put(key, upload.data, upload.mime_type)
    try:
        if upload.thumbnail is not None:
            extension = "png" if upload.thumbnail_type == "image/png" else "jpg"
            thumbnail_key = media.new_key(post.workspace_id, extension, thumbnail=True)
            store.put(thumbnail_key, upload.thumbnail, upload.thumbnail_type or "image/jpeg")
        row = Media(
            workspace_id=post.workspace_id,
            group_id=post.group_id,
            position=max((m.position for m in files), default=-1) + 1,
            key=key,
            kind=upload.kind,
            mime_type=upload.mime_type,
            size=upload.size,
            width=upload.width,
            height=upload.height,
            duration_ms=upload.duration_ms,
            alt_text=alt_text,
            filename=upload.filename,
            thumbnail_key=thumbnail_key,
            uploaded_by_id=actor.id,
        )
        session.add(row)
        session.flush()
        _media_edited(session, actor, post, expected_version, f"attached {label}")
    except BaseException:
        session.rollback()
        for stored in (key, thumbnail_key):
            if stored:
                store.delete(stored)
        raise
    return row


def media_of(session: Session, post: Post, media_id: int) -> Media | None:
    """One file of the post's group, or None (another group's, another workspace's)."""
    row = session.get(Media, media_id)
    if row is None or row.group_id != post.group_id or row.workspace_id != post.workspace_id:
        return None
    return row


def remove_media(
    session: Session,
    actor: User,
    post: Post,
    expected_version: int,
    row: Media,
    store: media.MediaStore,
) -> Post:
    """Take a file off the post's group; its bytes go once the change is saved."""
    _media_check(session, actor, post, expected_version)
    if row.group_id != post.group_id:
        raise InvalidPost({"media": "That file is not attached to this post."})
    keys = [row.key, row.thumbnail_key]
    label = row.label
    session.delete(row)
    session.flush()
    for n, other in enumerate(group_media(session, post.group_id)):
        other.position = n
    _media_edited(session, actor, post, expected_version, f"removed {label}")
    for key in keys:
        if key:
            store.delete(key)
    return post


def reorder_media(
    session: Session, actor: User, post: Post, expected_version: int, order: Sequence[int]
) -> Post:
    """Put the group's files in this order (every file's id, once)."""
    _media_check(session, actor, post, expected_version)
    files = group_media(session, post.group_id)
    if sorted(order) != sorted(m.id for m in files):
        raise InvalidPost({"media": "Give the order of every file of this post, each once."})
    if list(order) == [m.id for m in files]:
        return post
    by_id = {m.id: m for m in files}
    for n, media_id in enumerate(order):
        by_id[media_id].position = n
    session.flush()
    _media_edited(session, actor, post, expected_version, "reordered the media")
    return post


def move_media(
    session: Session, actor: User, post: Post, expected_version: int, media_id: int, step: int
) -> Post:
    """Move one file up (step -1) or down (+1) in the order: the keyboard path of a drag."""
    order = [m.id for m in group_media(session, post.group_id)]
    if media_id not in order:
        raise InvalidPost({"media": "That file is not attached to this post."})
    at = order.index(media_id)
    to = min(max(at + step, 0), len(order) - 1)
    order.insert(to, order.pop(at))
    return reorder_media(session, actor, post, expected_version, order)


def describe_media(
    session: Session, actor: User, post: Post, expected_version: int, alt_texts: Mapping[int, str]
) -> Post:
    """Set the alt text of the group's files (by id); unchanged texts change nothing."""
    _media_check(session, actor, post, expected_version)
    files = {m.id: m for m in group_media(session, post.group_id)}
    errors: dict[str, str] = {}
    changed = []
    for media_id, text in alt_texts.items():
        row = files.get(media_id)
        if row is None:
            errors[f"alt-{media_id}"] = "That file is not attached to this post."
            continue
        text = text.strip()
        if len(text) > ALT_TEXT_MAX:
            errors[f"alt-{media_id}"] = (
                f"{len(text):,} characters; keep alt text within {ALT_TEXT_MAX:,}."
            )
        elif text != row.alt_text:
            changed.append((row, text))
    if errors:
        raise InvalidPost(errors)
    if not changed:
        return post
    for row, text in changed:
        row.alt_text = text
    session.flush()
    names = ", ".join(row.label for row, _ in changed)
    return _media_edited(session, actor, post, expected_version, f"alt text of {names}")


def uploads_of(session: Session, post_id: int) -> dict[str, str]:
    """The files a post's target already has: upload key -> the target's media id."""
    rows = session.execute(
        sa.select(MediaUpload.upload_key, MediaUpload.external_id).where(
            MediaUpload.post_id == post_id
        )
    )
    return {key: external for key, external in rows}


def remember_upload(session: Session, post_id: int, upload_key: str, external_id: str) -> None:
    """Keep a target's media id at once (its own commit), so a retry after a crash or an
    error of the status itself attaches it again rather than uploading it twice."""
    session.add(MediaUpload(post_id=post_id, upload_key=upload_key, external_id=external_id))
    try:
        session.commit()
    except IntegrityError:
        # The same upload remembered by an overlapping attempt: the first one stands.
        session.rollback()
