"""Publishing under load and under chaos, with real worker processes and a loopback sink.

1. 1,000 posts due in the same minute, two `planner worker` processes, the webhook sink:
   seconds from the due time until the last is published (target <= 60 s), lateness p50 and
   p95, duplicates (must be 0) and lost posts (must be 0).
2. 500 posts with ten random SIGKILLs of workers during the run: duplicates and lost (both
   0), and how many ended "outcome unknown".
3. Scale-out: 600 posts due at once, three workers (each with an instance folder of its own,
   as on three hosts), one SIGKILLed when a sixth of them is out; a target that honours
   idempotency keys (Mastodon's behaviour): seconds from the due time until the last is
   published, duplicates (must be 0), lost (must be 0), and the requests the sweeper re-sent
   with the same key. On PostgreSQL (BENCH_PG_URL, default the `planner_bench` database at
   127.0.0.1, recreated) when it answers, since SQLite cannot be shared by hosts.

Prints figures; asserts nothing. DATABASE_URL picks the database of 1 and 2 (default:
temporary SQLite); Redis database 14 (BENCH_REDIS_URL) is flushed and used.
`python bench/publish.py --scale-out` runs only the third.
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
from tests.support.postgres_database import recreate  # noqa: E402
from tests.support.publishing import insert_due_posts, kill, start_worker, stop  # noqa: E402
from tests.support.rows import insert_posts  # noqa: E402
from tests.support.sink import Sink  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/planner_bench"
)


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


def run_scale_out(fallback_url: str, count: int = 600, hosts: int = 3) -> None:
    if recreate(PG_URL):
        url = PG_URL
    else:
        url = fallback_url
        print("  (PostgreSQL does not answer: SQLite, which only one host could use)")
    migrate.upgrade(url)
    sink = Sink().start()
    redis.Redis.from_url(REDIS_URL).flushdb()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench"})
    with app.app_context():
        session = db.session
        session.execute(sa.delete(Post))
        session.commit()
        owner = session.scalar(
            sa.select(models.User).where(models.User.email == "scale@example.com")
        )
        if owner is None:
            owner = accounts.create_user(session, "scale@example.com", "Scale", "bench-pass")
        workspace = accounts.create_workspace(session, "Scale-out", "UTC", owner)
        toots = accounts.save_channel(
            session,
            owner,
            workspace,
            None,
            network="mastodon",
            name="Toots",
            publisher_kind="mastodon",
            target_url=sink.url,
            secret="bench-token",
        )
        due = datetime.now(UTC) + timedelta(seconds=15)
        ids = insert_due_posts(session, workspace.id, toots.id, owner.id, count, due, REDIS_URL)
    homes = [_TMP / f"host-{n}" for n in range(hosts)]
    settings = {"REDIS_URL": REDIS_URL, "PUBLISH_LEASE_SECONDS": "5"}
    for home in homes:
        home.mkdir(exist_ok=True)
    workers = [start_worker(url, home, **settings) for home in homes]
    try:
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        while outcome(url)[0]["published"] < count // 6:
            time.sleep(0.05)
        kill(workers[0])
        wait_until_settled(url, count, 300)
    finally:
        for worker in workers:
            stop(worker)
    statuses, lateness = outcome(url)
    per_post = Counter(int(key.split("-")[1]) for key in sink.statuses)
    requests_per_key = Counter(
        r.headers.get("Idempotency-Key") for r in sink.received if r.path == "/api/v1/statuses"
    )
    last = max(lateness) if lateness else float("nan")
    backend = sa.make_url(url).get_backend_name()
    print(
        f"scale-out: {count} posts due at once, {hosts} workers on their own instance folders, "
        f"one SIGKILLed at {count // 6} published, {backend}"
    )
    print(f"  last published {last:.1f} s after the due time")
    if lateness:
        q = statistics.quantiles(lateness, n=20)
        print(f"  lateness p50 {statistics.median(lateness):.1f} s, p95 {q[18]:.1f} s")
    duplicates = sum(n - 1 for n in per_post.values())
    # Neither published nor failed, or marked published with nothing at the target.
    unsettled = count - statuses["published"] - statuses["failed"]
    lost = unsettled + max(0, statuses["published"] - len(set(ids) & set(per_post)))
    resent = sum(n - 1 for n in requests_per_key.values())
    print(
        f"  duplicates {duplicates}, lost {lost}, failed {statuses['failed']}, "
        f"re-sent with the same key {resent}"
    )
    sink.stop()


def main() -> None:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP / 'bench.db'}")
    migrate.upgrade(url)
    if "--scale-out" in sys.argv[1:]:
        run_scale_out(url)
        return
    print(f"database: {sa.make_url(url).get_backend_name()}")
    run_load(url)
    run_load(url, 1000, "--fork")
    run_chaos(url)
    run_scale_out(url)


if __name__ == "__main__":
    main()
