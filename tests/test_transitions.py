"""Every transition x every role x every state, allowed and refused, on the real database."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from planner import workflow
from planner.models import AuditEvent, Post, Status
from tests.conftest import future

ROLES = ("viewer", "editor", "approver", "admin")
RANK = {role: n for n, role in enumerate(ROLES, start=1)}
S = Status
BEFORE_PUBLISHING = {S.draft, S.in_review, S.changes_requested, S.approved, S.failed}


def _edit(session, actor, post):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(
        post.channel, post.text + " (edited)", post.category, post.scheduled_at
    )
    return workflow.edit_post(session, actor, post, post.version, content)


def _reschedule(session, actor, post):  # type: ignore[no-untyped-def]
    return workflow.reschedule(
        session, actor, post, post.version, post.scheduled_at + timedelta(hours=1)
    )


# name: (function, least role, states it starts from, state it ends in: None = see _edited)
TABLE: dict[str, tuple[Callable, str, set[Status], Status | None]] = {
    "submit": (
        lambda s, a, p: workflow.submit(s, a, p, p.version),
        "editor",
        {S.draft, S.changes_requested},
        S.in_review,
    ),
    "withdraw": (
        lambda s, a, p: workflow.withdraw(s, a, p, p.version),
        "editor",
        {S.in_review},
        S.draft,
    ),
    "approve": (
        lambda s, a, p: workflow.approve(s, a, p, p.version),
        "approver",
        {S.in_review},
        S.approved,
    ),
    "request_changes": (
        lambda s, a, p: workflow.request_changes(s, a, p, p.version, "Shorter"),
        "approver",
        {S.in_review},
        S.changes_requested,
    ),
    "cancel": (
        lambda s, a, p: workflow.cancel(s, a, p, p.version),
        "editor",
        BEFORE_PUBLISHING,
        S.cancelled,
    ),
    "edit": (_edit, "editor", BEFORE_PUBLISHING, None),
    "reschedule": (_reschedule, "editor", BEFORE_PUBLISHING, None),
}


def _after_a_change(state: Status) -> Status:
    # A change to an approved, reviewed or failed post takes it back to draft.
    return S.draft if state in {S.approved, S.in_review, S.failed} else state


_made = itertools.count()


def _post_in_state(session, team, state: Status) -> Post:  # type: ignore[no-untyped-def]
    # A day and a text of its own: a pile of identical posts on one day would be (rightly)
    # flagged by the balance rules, and approving those needs an override reason.
    n = next(_made)
    text = f"Table post {n}: " + " ".join(f"word{n * 7 + k}" for k in range(6))
    content = workflow.PostContent(team.channels["mastodon"], text, "curated", future(2 + n))
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    # States the workers reach (publishing, published, failed) have no public path yet;
    # set the column directly, as a worker's conditional update would.
    session.execute(sa.update(Post).where(Post.id == post.id).values(status=state))
    session.commit()
    session.refresh(post)
    return post


@pytest.mark.parametrize("name", list(TABLE))
def test_each_transition_for_each_role_and_state(session, team, name):
    function, least_role, from_states, to_state = TABLE[name]
    wrong: list[str] = []
    for role in ROLES:
        for state in Status:
            post = _post_in_state(session, team, state)
            version = post.version
            events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            try:
                function(session, team.user(role), post)
                got = f"ok -> {post.status.value}"
            except workflow.PermissionDenied:
                got = "forbidden"
            except workflow.TransitionNotAllowed:
                got = "not allowed"
            if RANK[role] < RANK[least_role]:
                want = "forbidden"
            elif state not in from_states:
                want = "not allowed"
            else:
                want = f"ok -> {(to_state or _after_a_change(state)).value}"
            if got != want:
                wrong.append(f"{name} by {role} from {state.value}: got {got}, want {want}")
            session.expire_all()
            stored = session.get(Post, post.id)
            now_events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            if want.startswith("ok"):
                if stored.version != version + 1 or now_events <= events:
                    wrong.append(f"{name} by {role} from {state.value}: no version bump/audit")
            elif stored.version != version or stored.status != state or now_events != events:
                wrong.append(f"{name} by {role} from {state.value}: a refusal changed the post")
    assert wrong == []


def test_a_concurrent_second_approval_gets_a_stale_version(session, team):
    post = _post_in_state(session, team, S.in_review)
    seen = post.version
    workflow.approve(session, team.user("approver"), post, seen)
    with pytest.raises(workflow.StaleVersion):
        workflow.request_changes(session, team.user("admin"), post, seen, "Wait")
    session.expire_all()
    assert session.get(Post, post.id).status == S.approved


def test_bulk_approve_reports_each_post_and_does_not_stop_at_a_bad_one(session, team):
    good = _post_in_state(session, team, S.in_review)
    stale = _post_in_state(session, team, S.in_review)
    draft = _post_in_state(session, team, S.draft)
    outcomes = workflow.bulk_approve(
        session,
        team.user("approver"),
        team.workspace,
        [
            (stale.id, stale.version - 1),
            (draft.id, draft.version),
            (good.id, good.version),
            (999999, 1),
        ],
    )
    assert [(o.post_id, o.ok) for o in outcomes] == [
        (stale.id, False),
        (draft.id, False),
        (good.id, True),
        (999999, False),
    ]
    assert "changed by someone else" in outcomes[0].message
    assert "draft post cannot be approved" in outcomes[1].message
    session.expire_all()
    assert session.get(Post, good.id).status == S.approved
