"""Publishing under load and under chaos, with real worker processes and a loopback sink.

1. 1,000 posts due in the same minute, two `planner worker` processes, the webhook sink:
   seconds from the due time until the last is published (target <= 60 s), lateness p50 and
   p95, duplicates (must be 0) and lost posts (must be 0).
2. 500 posts with ten random SIGKILLs of workers during the run: duplicates and lost (both
   0), and how many ended "outcome unknown".

Prints figures; asserts nothing. DATABASE_URL picks the database (default: temporary SQLite);
Redis database 14 is flushed and used.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])
_TMP = Path(tempfile.mkdtemp(prefix="planner-bench-publish-"))
os.environ.setdefault("PLANNER_INSTANCE", str(_TMP / "instance"))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from planner import accounts, create_app, migrate, models  # noqa: E402
from planner.db import db  # noqa: E402
from planner.models import Post, Status  # noqa: E402
from planner.queue import ensure_job  # noqa: E402
from tests.support.publishing import kill, start_worker, stop  # noqa: E402
from tests.support.rows import insert_posts  # noqa: E402
from tests.support.sink import Sink  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"


def setup(url: str, sink: Sink, count: int, due: datetime):  # type: ignore[no-untyped-def]
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench"})
    with app.app_context():
        session = db.session
        session.execute(sa.delete(Post))
        session.commit()
        owner = session.scalar(sa.select(models.User).limit(1))
        if owner is None:
            owner = accounts.create_user(session, "bench@example.com", "Bench", "bench-pass")
            workspace = accounts.create_workspace(session, "Bench", "UTC", owner)
            accounts.save_channel(
                session,
                owner,
                workspace,
                None,
                network="x",
                name="Hook",
                publisher_kind="webhook",
                target_url=f"{sink.url}/hook",
            )
        workspace = session.scalar(sa.select(models.Workspace).limit(1))
        hook = session.scalar(sa.select(models.Channel).limit(1))
        hook.publisher_settings = {"url": f"{sink.url}/hook"}
        now = datetime.now(UTC)
        # Approved rows straight in: the setup is not what is measured, publishing is.
        insert_posts(
            session,
            [
                {
                    "workspace_id": workspace.id,
                    "channel_id": hook.id,
                    "text": f"Bench post {n}",
                    "category": "educational",
                    "scheduled_at": due,
                    "status": Status.approved,
                    "version": 2,
                    "approved_version": 2,
                    "author_id": owner.id,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        session.commit()
        connection = redis.Redis.from_url(REDIS_URL)
        for post in session.scalars(sa.select(Post)):
            ensure_job(connection, post)
    return app


def outcome(url: str) -> tuple[Counter, list[float]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Post.status, Post.scheduled_at, Post.published_at, Post.outcome_unknown)
        ).all()
    engine.dispose()
    statuses = Counter(str(r[0]) for r in rows)
    statuses["unknown"] = sum(1 for r in rows if r[3])
    lateness = [
        (r[2].replace(tzinfo=UTC) - r[1].replace(tzinfo=UTC)).total_seconds()
        for r in rows
        if r[2] is not None
    ]
    return statuses, lateness


def wait_until_settled(url: str, count: int, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        statuses, _ = outcome(url)
        if statuses["published"] + statuses["failed"] >= count:
            break
        time.sleep(0.5)
    return time.monotonic() - start


def duplicates(sink: Sink) -> int:
    sent = Counter(body["post_id"] for body in sink.posts())
    return sum(n - 1 for n in sent.values() if n > 1)


def run_load(url: str, count: int = 1000, *options: str) -> None:
    sink = Sink().start()
    redis.Redis.from_url(REDIS_URL).flushdb()
    due = datetime.now(UTC) + timedelta(seconds=20)
    setup(url, sink, count, due)
    workers = [start_worker(url, _TMP, *options, REDIS_URL=REDIS_URL) for _ in range(2)]
    try:
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        wait_until_settled(url, count, 300)
    finally:
        for worker in workers:
            stop(worker)
    statuses, lateness = outcome(url)
    last = max(lateness) if lateness else float("nan")
    mode = "forking" if "--fork" in options else "in-process (the default)"
    print(f"load: {count} posts due in the same minute, 2 {mode} workers, webhook sink")
    print(f"  last published {last:.1f} s after the due time (target 60 s)")
    if lateness:
        q = statistics.quantiles(lateness, n=20)
        print(f"  lateness p50 {statistics.median(lateness):.1f} s, p95 {q[18]:.1f} s")
    lost = count - statuses["published"] - statuses["failed"]
    print(f"  duplicates {duplicates(sink)}, lost {lost}, failed {statuses['failed']}")
    sink.stop()


def run_chaos(url: str, count: int = 500, kills: int = 10) -> None:
    sink = Sink().start()
    redis.Redis.from_url(REDIS_URL).flushdb()
    due = datetime.now(UTC) + timedelta(seconds=10)
    setup(url, sink, count, due)
    settings = {"REDIS_URL": REDIS_URL, "PUBLISH_LEASE_SECONDS": "5"}
    workers = [start_worker(url, _TMP, **settings) for _ in range(2)]
    rng = random.Random(11)
    try:
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        for _ in range(kills):
            time.sleep(rng.uniform(0.5, 2.5))
            victim = rng.randrange(len(workers))
            kill(workers[victim])
            workers[victim] = start_worker(url, _TMP, **settings)
        wait_until_settled(url, count, 300)
    finally:
        for worker in workers:
            stop(worker)
    statuses, _ = outcome(url)
    print(f"chaos: {count} posts, {kills} SIGKILLs of workers during the run")
    lost = count - statuses["published"] - statuses["failed"]
    print(
        f"  duplicates {duplicates(sink)}, lost {lost}, published {statuses['published']}, "
        f"outcome unknown {statuses['unknown']}"
    )
    sink.stop()


def main() -> None:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP / 'bench.db'}")
    migrate.upgrade(url)
    print(f"database: {sa.make_url(url).get_backend_name()}")
    run_load(url)
    run_load(url, 1000, "--fork")
    run_chaos(url)


if __name__ == "__main__":
    main()
