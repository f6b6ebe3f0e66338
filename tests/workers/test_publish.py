"""Publishing: approved posts go out on time, exactly once, and failures are visible.

Real Redis (database 15), real RQ workers (in-process SimpleWorker or `planner worker`
processes), and a local HTTP sink on 127.0.0.1 standing in for the targets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from planner import workflow
from planner.models import AuditEvent, Post, Status
from planner.queue import queues
from tests.conftest import signed_in
from tests.support.publishing import (
    approved_post,
    channel,
    kill,
    make_due,
    start_worker,
    stop,
    wait_for,
)
from workers.publish import publish_post, sweep


@pytest.fixture
def pub(app, redis_db):  # type: ignore[no-untyped-def]
    app.config.update(PUBLISH_BACKOFF_SECONDS=0.3, PUBLISH_MAX_ATTEMPTS=3)
    return app


class BurstWorker(SimpleWorker):
    """A burst worker without RQ's command channel, which no test uses: a burst that ends
    before redis-py's listener thread has subscribed made RQ's teardown wait out that
    thread's 60-second poll (rq 3.0 with redis-py 8.2), now and then a minute per round."""

    def subscribe(self) -> None:
        pass


def run_jobs(app, connection) -> None:  # type: ignore[no-untyped-def]
    """Run what is queued (and due in the scheduler) in this process, then stop."""
    # A burst worker moves due jobs only if it gets the scheduler lock; one left by a worker
    # of an earlier round (on a loaded machine, not yet expired) would leave retries waiting.
    stale = connection.keys("rq:scheduler-lock:*")
    if stale:
        connection.delete(*stale)
    with app.app_context():
        BurstWorker(queues(connection), connection=connection).work(burst=True, with_scheduler=True)


def publish(app, post_id: int, approved_version: int | None) -> str:  # type: ignore[no-untyped-def]
    """Run one publish job here and now, as a worker would."""
    with app.app_context():
        return publish_post(post_id, approved_version)


def fresh(session, post: Post) -> Post:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Post, post.id)


def audit(session, post: Post) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.post_id == post.id)
            .order_by(AuditEvent.id)
        )
    )


def test_approving_schedules_a_job_for_the_posts_time_with_a_deterministic_id(
    pub, session, team, redis_db
):
    post = approved_post(pub, session, team, team.channels["x"])
    job = Job.fetch(f"publish-{post.id}-v{post.approved_version}", connection=redis_db)
    assert job.args == (post.id, post.approved_version)
    registry = ScheduledJobRegistry("publish", connection=redis_db)
    assert registry.get_scheduled_time(job).timestamp() == pytest.approx(
        post.scheduled_at.timestamp(), abs=1
    )


def test_a_due_post_goes_to_the_outbox_once_even_if_its_job_runs_twice(
    pub, session, team, redis_db
):
    post = approved_post(pub, session, team, team.channels["x"], "Hello outbox")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    assert publish(pub, post.id, post.approved_version) == "superseded"
    outbox = Path(pub.config["PLANNER_OUTBOX"])
    files = list(outbox.glob("*.json"))
    assert [f.name for f in files] == [f"post-{post.id}-v{post.approved_version}.json"]
    assert json.loads(files[0].read_text())["text"] == "Hello outbox"
    published = fresh(session, post)
    assert published.status == Status.published and published.published_at is not None
    assert audit(session, post)[-2:] == ["publish_attempt", "published"]


def test_the_webhook_gets_a_signed_body_and_the_idempotency_key(pub, session, team, sink):
    hook = channel(session, team, "webhook", f"{sink.url}/hook", secret="hook-secret")
    post = approved_post(pub, session, team, hook, "Signed, sealed")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    request = sink.received[0]
    expected = hmac.new(b"hook-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Planner-Signature"] == f"sha256={expected}"
    assert request.headers["Idempotency-Key"] == f"post-{post.id}-v{post.approved_version}"
    assert json.loads(request.body)["text"] == "Signed, sealed"
    assert fresh(session, post).external_url == f"{sink.url}/p/1"


def test_a_503_then_a_200_publishes_after_a_retry(pub, session, team, sink, redis_db):
    sink.script = [(503, {"Retry-After": "1"}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    run_jobs(pub, redis_db)
    waiting = fresh(session, post)
    assert waiting.status == Status.approved and "503" in waiting.last_error
    time.sleep(1.3)  # Retry-After: 1 is honoured over the 0.3 s backoff
    run_jobs(pub, redis_db)
    assert fresh(session, post).status == Status.published
    assert len(sink.posts()) == 2
    assert "publish_retry" in audit(session, post)


def test_a_400_fails_the_post_and_says_what_failed_without_the_targets_body(
    pub, session, team, sink
):
    sink.script = [(400, {}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "failed"
    failed = fresh(session, post)
    assert failed.status == Status.failed and "refused the post as malformed" in failed.last_error
    page = (
        signed_in(pub, "approver@example.com")
        .get(f"/w/{team.workspace.slug}/posts/{post.id}")
        .get_data(as_text=True)
    )
    # The target's own words stay out of what every member can read.
    assert "(HTTP 400)" in page and "Retry" in page and "sink says" not in page


def test_transient_errors_give_up_after_the_configured_attempts(pub, session, team, sink, redis_db):
    sink.script = [(502, {}, 0.0)] * 5
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    # Each retry waits for its backoff in RQ's schedule; on a loaded machine a round may
    # find nothing due yet, so run rounds until the post settles (at most 30 s).
    deadline = time.monotonic() + 30
    while fresh(session, post).status != Status.failed and time.monotonic() < deadline:
        run_jobs(pub, redis_db)
        time.sleep(0.5)
    failed = fresh(session, post)
    assert failed.status == Status.failed and "gave up after 3 attempts" in failed.last_error
    assert len(sink.posts()) == 3


def test_an_edit_after_enqueueing_supersedes_the_old_job(pub, session, team, redis_db):
    post = approved_post(pub, session, team, team.channels["x"], "Version one")
    old = post.approved_version
    with pub.app_context():
        content = workflow.PostContent(
            post.channel, "Version two", post.category, post.scheduled_at
        )
        workflow.edit_post(session, team.user("editor"), post, post.version, content)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    assert post.approved_version != old
    make_due(session, post)
    assert publish(pub, post.id, old) == "superseded"
    assert publish(pub, post.id, post.approved_version) == "published"
    files = [f.name for f in Path(pub.config["PLANNER_OUTBOX"]).glob("*.json")]
    assert files == [f"post-{post.id}-v{post.approved_version}.json"]


def test_a_rescheduled_post_goes_out_at_its_new_time(pub, session, team, redis_db):
    post = approved_post(pub, session, team, team.channels["x"])
    old = post.approved_version
    new_time = post.scheduled_at + timedelta(hours=5)
    with pub.app_context():
        workflow.reschedule(session, team.user("editor"), post, post.version, new_time)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    job = Job.fetch(f"publish-{post.id}-v{post.approved_version}", connection=redis_db)
    scheduled = ScheduledJobRegistry("publish", connection=redis_db).get_scheduled_time(job)
    assert scheduled.timestamp() == pytest.approx(new_time.timestamp(), abs=1)
    assert publish(pub, post.id, old) == "superseded"


def test_after_redis_is_flushed_the_sweeper_enqueues_the_post_and_it_goes_out_once(
    pub, session, team, redis_db
):
    post = approved_post(pub, session, team, team.channels["x"])
    redis_db.flushdb()
    make_due(session, post)
    with pub.app_context():
        assert sweep()["enqueued"] == 1
        assert sweep()["enqueued"] == 0  # a second tick finds the job
    run_jobs(pub, redis_db)
    assert fresh(session, post).status == Status.published
    assert len(list(Path(pub.config["PLANNER_OUTBOX"]).glob("*.json"))) == 1


def test_a_post_due_while_no_worker_ran_goes_out_inside_the_grace_period(
    pub, session, team, redis_db
):
    post = approved_post(pub, session, team, team.channels["x"])
    make_due(session, post, seconds_ago=20 * 60)
    run_jobs(pub, redis_db)  # the scheduler finds the job long due
    assert fresh(session, post).status == Status.published


def test_a_post_missed_by_more_than_the_grace_period_fails_as_missed(pub, session, team, redis_db):
    post = approved_post(pub, session, team, team.channels["x"])
    make_due(session, post, seconds_ago=2 * 3600)
    run_jobs(pub, redis_db)
    missed = fresh(session, post)
    assert missed.status == Status.failed and missed.last_error.startswith("missed")
    assert list(Path(pub.config["PLANNER_OUTBOX"]).glob("*.json")) == []
    # A person decides: retrying publishes it now, with a fresh key.
    with pub.app_context():
        workflow.retry(session, team.user("approver"), missed, missed.version)
    run_jobs(pub, redis_db)
    done = fresh(session, post)
    assert done.status == Status.published
    assert done.external_id == f"post-{post.id}-v{post.approved_version}-g1"


def test_a_paused_workspace_publishes_nothing_until_it_is_resumed(pub, session, team, redis_db):
    post = approved_post(pub, session, team, team.channels["x"])
    with pub.app_context():
        workflow.pause_publishing(session, team.user("admin"), team.workspace)
    make_due(session, post)
    run_jobs(pub, redis_db)
    with pub.app_context():
        assert sweep()["enqueued"] == 0
    assert fresh(session, post).status == Status.approved
    with pub.app_context():
        workflow.resume_publishing(session, team.user("admin"), team.workspace)
    run_jobs(pub, redis_db)
    assert fresh(session, post).status == Status.published


def test_two_workers_racing_publish_each_post_exactly_once(
    pub, session, team, sink, redis_db, database_url, tmp_path
):
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    posts = [approved_post(pub, session, team, hook, f"Race {n}") for n in range(6)]
    for post in posts:
        make_due(session, post)
        # Every post is enqueued three times over: the claim must still let one run win.
        for _ in range(3):
            Queue("publish", connection=redis_db).enqueue(
                publish_post, post.id, post.approved_version
            )
    workers = [start_worker(database_url, tmp_path) for _ in range(2)]
    try:
        wait_for(
            lambda: all(fresh(session, p).status == Status.published for p in posts),
            60,
            "every post published",
        )
    finally:
        for worker in workers:
            stop(worker)
    sent = sorted(body["post_id"] for body in sink.posts())
    assert sent == sorted(p.id for p in posts)


def test_a_worker_killed_mid_publish_never_causes_a_second_webhook_post(
    pub, session, team, sink, redis_db, database_url, tmp_path
):
    sink.script = [(200, {}, 4.0)]  # the first answer takes 4 s: time to kill the worker
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    worker = start_worker(database_url, tmp_path)
    try:
        wait_for(lambda: len(sink.received) == 1, 30, "the webhook request")
        kill(worker)
        worker = start_worker(database_url, tmp_path)
        wait_for(lambda: fresh(session, post).status == Status.failed, 30, "outcome unknown")
    finally:
        stop(worker)
    failed = fresh(session, post)
    assert failed.last_error.startswith("outcome unknown") and failed.outcome_unknown
    time.sleep(4.5)  # the sink finishes the killed request; nothing else arrives
    assert len(sink.received) == 1


def test_a_worker_killed_mid_publish_to_mastodon_ends_published_once(
    pub, session, team, sink, redis_db, database_url, tmp_path
):
    sink.script = [(200, {}, 4.0)]
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = approved_post(pub, session, team, toots, "One toot only")
    make_due(session, post)
    worker = start_worker(database_url, tmp_path)
    try:
        wait_for(lambda: len(sink.received) == 1, 30, "the first request")
        kill(worker)
        worker = start_worker(database_url, tmp_path)
        wait_for(lambda: fresh(session, post).status == Status.published, 40, "published")
    finally:
        stop(worker)
    assert sink.created == 1
    assert {r.headers["Idempotency-Key"] for r in sink.received} == {
        f"post-{post.id}-v{post.approved_version}"
    }
    assert fresh(session, post).external_id == "1"


def test_the_publishing_page_shows_overdue_posts_failures_and_pauses_everything(
    pub, session, team, sink, redis_db
):
    overdue = approved_post(pub, session, team, team.channels["x"], "Nobody took me")
    make_due(session, overdue, seconds_ago=600)
    sink.script = [(400, {}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    broken = approved_post(pub, session, team, hook, "I will fail")
    make_due(session, broken)
    assert publish(pub, broken.id, broken.approved_version) == "failed"
    admin = signed_in(pub, "admin@example.com")
    page = admin.get(f"/w/{team.workspace.slug}/publishing/").get_data(as_text=True)
    assert "Waiting past their time" in page and "Nobody took me" in page
    assert "(HTTP 400)" in page and "0 workers alive" in page
    response = admin.post(f"/w/{team.workspace.slug}/publishing/pause", follow_redirects=True)
    assert "Publishing is paused" in response.get_data(as_text=True)
    assert publish(pub, overdue.id, overdue.approved_version) == "paused"
    admin.post(f"/w/{team.workspace.slug}/publishing/resume")
    assert publish(pub, overdue.id, overdue.approved_version) == "published"


def test_only_admins_may_pause_publishing(pub, team):
    approver = signed_in(pub, "approver@example.com")
    assert approver.post(f"/w/{team.workspace.slug}/publishing/pause").status_code == 403
    assert approver.get(f"/w/{team.workspace.slug}/publishing/").status_code == 403


def test_an_approver_retries_a_failed_post_from_its_page(pub, session, team, sink, redis_db):
    sink.script = [(400, {}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "failed"
    failed = fresh(session, post)
    approver = signed_in(pub, "approver@example.com")
    response = approver.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/retry",
        {"version": failed.version},
        follow_redirects=True,
    )
    assert "Sent again" in response.get_data(as_text=True)
    run_jobs(pub, redis_db)
    done = fresh(session, post)
    assert done.status == Status.published
    # The first try is known to have failed, so the retry carries a fresh key.
    keys = [r.headers["Idempotency-Key"] for r in sink.received]
    assert keys == [
        f"post-{post.id}-v{post.approved_version}",
        f"post-{post.id}-v{post.approved_version}-g1",
    ]


def test_test_connection_checks_a_mastodon_token_without_posting(pub, session, team, sink):
    good = channel(session, team, "mastodon", sink.url, secret="good-token")
    bad = channel(session, team, "mastodon", sink.url, secret="expired-token")
    admin = signed_in(pub, "admin@example.com")
    ok = admin.post(f"/w/{team.workspace.slug}/channels/{good.id}/test", follow_redirects=True)
    assert "signed in to" in ok.get_data(as_text=True) and "@planner" in ok.get_data(as_text=True)
    failed = admin.post(
        f"/w/{team.workspace.slug}/channels/{bad.id}/test", follow_redirects=True
    ).get_data(as_text=True)
    assert "connection test failed" in failed and "refused the channel&#39;s credentials" in failed
    assert "access token is invalid" not in failed
    assert sink.received == [] and sink.created == 0
    assert "expired-token" not in failed
