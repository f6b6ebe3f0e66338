"""Search: the full-text index of migration 0015 against LIKE / ILIKE, at 10,000 and 100,000
posts of one workspace (and as many again in another), for a word, a prefix, a phrase and a
channel name. Each figure is the median of one results page plus its count, as the search
page asks for them.

DATABASE_URL picks the database (default: a temporary SQLite). On PostgreSQL the bench also
measures ILIKE with a pg_trgm GIN index (it creates the extension and the index in the bench
database). Prints figures; asserts nothing. docs/design.md, "Search", has the results.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])
_TMP = Path(tempfile.mkdtemp(prefix="planner-bench-"))
os.environ.setdefault("PLANNER_INSTANCE", str(_TMP))

import sqlalchemy as sa  # noqa: E402

from planner import accounts, create_app, migrate, models, search  # noqa: E402
from planner.db import db  # noqa: E402
from planner.models import Channel, Post  # noqa: E402
from tests.support.rows import insert_posts  # noqa: E402

RUNS = 15
QUERIES = {
    "word": "friday",
    "prefix": "tast",
    "phrase": '"launch day"',
    "channel name": "bluesky",
}
FILLER = (
    "the our new team today week with you for and this about from join read more how what "
    "coffee menu shop store city people thanks help service update event news guide tips "
    "summer winter spring autumn morning evening weekend sale offer code free link story"
).split()
SPICE = [
    "Friday",
    "tasting",
    "taste",
    "launch day",
    "#launch",
    "Café",
    "@partner",
    "https://ex.am/p",
]


def text(rng: random.Random) -> str:
    words = [rng.choice(FILLER) for _ in range(rng.randrange(8, 40))]
    for spice in SPICE:
        if rng.random() < 0.03:
            words.insert(rng.randrange(len(words)), spice)
    return " ".join(words).capitalize()


def build(url: str, count: int):  # type: ignore[no-untyped-def]
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with app.app_context():
        session = db.session
        owner = accounts.create_user(session, f"b{count}@example.com", "Bench", "bench-password")
        rng = random.Random(count)
        workspaces = []
        for name in ("Bench", "Neighbour"):
            workspace = accounts.create_workspace(session, f"{name} {count}", "UTC", owner)
            channels = [
                accounts.save_channel(
                    session, owner, workspace, None, network=network, name=f"{network} {n}"
                )
                for n, network in enumerate(("x", "mastodon", "bluesky", "linkedin") * 3)
            ]
            start = datetime(2031, 1, 1, tzinfo=UTC)
            for chunk in range(0, count, 5000):
                insert_posts(
                    session,
                    [
                        {
                            "workspace_id": workspace.id,
                            "channel_id": rng.choice(channels).id,
                            "text": text(rng),
                            "category": "community",
                            "scheduled_at": start + timedelta(minutes=37 * (chunk + n)),
                            "status": models.Status.draft,
                            "version": 1,
                            "author_id": owner.id,
                            "created_at": datetime.now(UTC),
                            "updated_at": datetime.now(UTC),
                        }
                        for n in range(min(5000, count - chunk))
                    ],
                )
                session.commit()
            workspaces.append(workspace.id)
        if db.engine.dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE posts"))
            session.commit()
    return app, workspaces[0]


def median_ms(run) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def like_page(session, workspace_id: int, query: search.Query, op: str) -> int:  # type: ignore[no-untyped-def]
    """The LIKE way: every term a substring of the text or of the channel's name."""
    conditions = []
    for term in query.terms:
        pattern = f"%{term.casefold()}%"
        if op == "ilike":
            conditions.append(sa.or_(Post.text.ilike(pattern), Channel.name.ilike(pattern)))
        else:
            conditions.append(
                sa.or_(
                    sa.func.lower(Post.text).like(pattern),
                    sa.func.lower(Channel.name).like(pattern),
                )
            )
    where = [Post.workspace_id == workspace_id, *conditions]
    joined = sa.select(Post.id).join(Channel, Channel.id == Post.channel_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(joined.where(*where).subquery()))
    session.scalars(joined.where(*where).order_by(Post.scheduled_at.desc()).limit(20)).all()
    return int(total or 0)


def measure(url: str, count: int) -> None:
    app, workspace_id = build(url, count)
    with app.app_context():
        session = db.session
        dialect = db.engine.dialect.name
        workspace = session.get(models.Workspace, workspace_id)
        print(f"\n{dialect}, {count:,} posts in the workspace (and {count:,} in another)")
        header = f"{'query':<14}{'matches':>9}{'index ms':>10}{'LIKE ms':>10}"
        ways = ["like"]
        if dialect == "postgresql":
            header += f"{'ILIKE ms':>10}{'trgm ms':>10}"
            ways.append("ilike")
        print(header)
        rows = []
        for label, typed in QUERIES.items():
            query = search.parse(typed)
            results = search.search(session, workspace, query)
            figures = [median_ms(lambda q=query: search.search(session, workspace, q))]
            for way in ways:
                figures.append(
                    median_ms(lambda q=query, w=way: like_page(session, workspace_id, q, w))
                )
            rows.append((label, query, results.total, figures))
        if dialect == "postgresql":
            session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            session.execute(
                sa.text("CREATE INDEX ix_bench_trgm ON posts USING gin (text gin_trgm_ops)")
            )
            session.execute(sa.text("ANALYZE posts"))
            session.commit()
            for _label, query, _total, figures in rows:
                figures.append(
                    median_ms(lambda q=query: like_page(session, workspace_id, q, "ilike"))
                )
        for label, _query, total, figures in rows:
            print(f"{label:<14}{total:>9,}" + "".join(f"{f:>10.1f}" for f in figures), flush=True)
        if dialect == "postgresql":
            sizes = session.execute(
                sa.text(
                    "SELECT pg_relation_size('ix_posts_search_vector'), "
                    "pg_relation_size('ix_bench_trgm'), pg_relation_size('posts')"
                )
            ).one()
            print(
                "index sizes: tsvector GIN {:.1f} MB, pg_trgm GIN {:.1f} MB "
                "(the posts table {:.1f} MB)".format(*(n / 1e6 for n in sizes))
            )
        session.close()
        db.engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    for count in (10_000, 100_000):
        if url:
            with sa.create_engine(url).begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        measure(url or f"sqlite:///{_TMP / f'bench-{count}.db'}", count)


if __name__ == "__main__":
    main()
