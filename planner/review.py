"""The read side of approvals: the queue, what changed since the last approval, the counts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import Session, joinedload

from planner.models import AuditEvent, Channel, Post, PostGroup, Status, User, Workspace


@dataclass(frozen=True)
class QueueEntry:
    """One group waiting for review: its first variant (`post`) and the others."""

    post: Post
    last_approved_text: str | None
    others: tuple[Post, ...] = ()

    @property
    def diff(self) -> Markup | None:
        if self.last_approved_text is None or self.last_approved_text == self.post.text:
            return None
        return word_diff(self.last_approved_text, self.post.text)

    @property
    def variants(self) -> tuple[Post, ...]:
        return (self.post, *self.others)

    @property
    def selection(self) -> str:
        """What the queue's checkbox sends: "id:version" of every variant, joined by ";"."""
        return ";".join(f"{p.id}:{p.version}" for p in self.variants)


def last_approved_texts(session: Session, post_ids: list[int]) -> dict[int, str]:
    """The text each post had when it was last approved (posts never approved are absent)."""
    if not post_ids:
        return {}
    latest = (
        sa.select(AuditEvent.post_id, sa.func.max(AuditEvent.id).label("event_id"))
        .where(AuditEvent.post_id.in_(post_ids), AuditEvent.action == "approved")
        .group_by(AuditEvent.post_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(AuditEvent.post_id, AuditEvent.after).join(
            latest, latest.c.event_id == AuditEvent.id
        )
    )
    return {post_id: (after or {}).get("text", "") for post_id, after in rows}


def queue(session: Session, workspace: Workspace) -> list[QueueEntry]:
    """Groups waiting for review, the longest-waiting first, each with all its variants."""
    posts = list(
        session.scalars(
            sa.select(Post)
            .options(
                joinedload(Post.channel),
                joinedload(Post.author),
                # What the approver signs off includes the pictures: one query for them all.
                joinedload(Post.group).selectinload(PostGroup.media),
            )
            .where(Post.workspace_id == workspace.id, Post.status == Status.in_review)
            .order_by(Post.updated_at, Post.id)
        )
    )
    texts = last_approved_texts(session, [p.id for p in posts])
    groups: dict[int, list[Post]] = {}
    for post in posts:
        groups.setdefault(post.group_id, []).append(post)
    return [
        QueueEntry(variants[0], texts.get(variants[0].id), tuple(variants[1:]))
        for variants in groups.values()
    ]


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> Markup:
    """An HTML word diff: removed words in <del>, added words in <ins>, the rest escaped."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[b1:b2]))}</ins>")
        if op == "equal":
            parts.append(str(escape("".join(old[a1:a2]))))
    return Markup("".join(parts))


@dataclass(frozen=True)
class Counts:
    awaiting_you: int
    yours_need_changes: int
    # Publishing problems, for everyone in the workspace: nothing fails unseen.
    failed: int = 0
    retrying: int = 0


def retrying_clause() -> sa.ColumnElement[bool]:
    """An approved post whose last attempt failed: the publisher tries it again (unless its
    channel needs reconnecting: then it is held, and the calendar says so instead)."""
    held = sa.select(Channel.id).where(Channel.needs_reconnecting_at.is_not(None))
    return (
        (Post.status == Status.approved)
        & Post.last_error.is_not(None)
        & Post.channel_id.not_in(held)
    )


def counts(session: Session, workspace: Workspace, user: User, can_approve: bool) -> Counts:
    """What the header tells a person: groups they could approve, their posts sent back,
    posts that failed or wait for another attempt. One query: the header is on every page."""
    mine = Post.author_id == user.id
    reviewable = Post.status == Status.in_review
    if not workspace.allow_self_approval:
        reviewable = reviewable & sa.or_(Post.author_id.is_(None), ~mine)
    awaiting, sent_back, failed, retrying = session.execute(
        sa.select(
            # The queue lists a group (one piece of content for several channels) once.
            sa.func.count(sa.distinct(Post.group_id)).filter(reviewable),
            sa.func.count().filter(mine & (Post.status == Status.changes_requested)),
            sa.func.count().filter(Post.status == Status.failed),
            sa.func.count().filter(retrying_clause()),
        ).where(
            Post.workspace_id == workspace.id,
            Post.status.in_(
                [Status.in_review, Status.changes_requested, Status.failed, Status.approved]
            ),
        )
    ).one()
    return Counts(awaiting if can_approve else 0, sent_back, failed, retrying)
