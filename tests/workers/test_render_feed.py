"""The render_feed job and its deduplication, on the real Redis (db 15) and database."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from planner import queue
from planner.models import FeedRendering
from tests.support.feeds import fetch, new_post, subscribe, uid
from workers import feeds as feed_jobs


def _queued(connection: redis.Redis) -> list[str]:
    return Queue("feeds", connection=connection).get_job_ids()


def _work(app, connection: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        worker = SimpleWorker([Queue("feeds", connection=connection)], connection=connection)
        assert worker.work(burst=True)


def test_a_burst_of_edits_queues_a_single_render(app, session, team, redis_db):
    for _ in range(5):
        queue.enqueue_render(redis_db, team.workspace.id)
    assert _queued(redis_db) == [f"feed-render-{team.workspace.id}"]
    queue.enqueue_render(redis_db, team.other_workspace.id)
    assert len(_queued(redis_db)) == 2


def test_the_worker_renders_and_the_next_request_serves_that_rendering(
    app, session, team, redis_db
):
    path = subscribe(session, team)
    fetch(app, path)  # the first request teaches the address (no SERVER_NAME here)
    post = new_post(session, team, "Rendered by the worker")
    queue.enqueue_render(redis_db, team.workspace.id)
    _work(app, redis_db)

    rendering = session.scalar(sa.select(FeedRendering))
    assert f"UID:{uid(post)}".encode() in rendering.body
    rendered_at = rendering.rendered_at
    response = fetch(app, path)
    assert response.get_data() == rendering.body
    assert response.headers["ETag"] == f'"{rendering.etag}"'
    session.expire_all()
    assert session.scalar(sa.select(FeedRendering.rendered_at)) == rendered_at
    assert _queued(redis_db) == []


def test_a_finished_render_leaves_its_id_free_for_the_next_change(app, session, team, redis_db):
    subscribe(session, team)
    app.config["SERVER_NAME"] = "plan.example.com"
    queue.enqueue_render(redis_db, team.workspace.id)
    _work(app, redis_db)
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedRendering)) == 1
    queue.enqueue_render(redis_db, team.workspace.id)
    assert _queued(redis_db) == [f"feed-render-{team.workspace.id}"]


def test_a_change_during_a_running_render_queues_one_follow_up(app, session, team, redis_db):
    queue.enqueue_render(redis_db, team.workspace.id)
    first, follow_up = queue.render_job_ids(team.workspace.id)
    # The worker takes the job: it may read the posts before the next change commits.
    job = Queue("feeds", connection=redis_db).dequeue_any(
        [Queue("feeds", connection=redis_db)], None, connection=redis_db
    )[0]
    job.set_status(JobStatus.STARTED)
    for _ in range(3):
        queue.enqueue_render(redis_db, team.workspace.id)
    assert _queued(redis_db) == [follow_up]
    assert Job.fetch(first, connection=redis_db).get_status() == JobStatus.STARTED


def test_a_failed_render_does_not_block_the_next_one(app, session, team, redis_db):
    queue.enqueue_render(redis_db, team.workspace.id)
    first, _ = queue.render_job_ids(team.workspace.id)
    Queue("feeds", connection=redis_db).remove(first)
    Job.fetch(first, connection=redis_db).set_status(JobStatus.FAILED)
    queue.enqueue_render(redis_db, team.workspace.id)
    assert _queued(redis_db) == [first]


def test_running_a_render_twice_does_no_harm(app, session, team, redis_db):
    new_post(session, team)
    subscribe(session, team)
    app.config["SERVER_NAME"] = "plan.example.com"
    with app.app_context():
        assert feed_jobs.render_feed(team.workspace.id) == 1
    first = session.execute(sa.select(FeedRendering.etag, FeedRendering.last_modified)).one()
    with app.app_context():
        assert feed_jobs.render_feed(team.workspace.id) == 1
    session.expire_all()
    again = session.execute(sa.select(FeedRendering.etag, FeedRendering.last_modified)).one()
    assert again == first
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedRendering)) == 1


def test_the_worker_renders_nothing_before_anyone_subscribes(app, session, team):
    new_post(session, team)
    app.config["SERVER_NAME"] = "plan.example.com"
    with app.app_context():
        assert feed_jobs.render_feed(team.workspace.id) == 0
        assert feed_jobs.render_feed(999_999) == 0


def test_enqueueing_with_redis_down_raises_a_redis_error(app, team):
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(redis.RedisError):
        queue.enqueue_render(down, team.workspace.id)
