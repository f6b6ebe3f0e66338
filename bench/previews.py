"""Server time of the previews: the approval queue with 100 groups of 3 channels in review
(300 previews, each post with a link whose card is cached), and the composer's live previews
endpoint for 3 channels. Prints medians; asserts nothing. DATABASE_URL picks the database
(default: a temporary SQLite)."""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py shadows the standard library's `calendar` when bench/ is sys.path[0]; put
# the project root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="planner-bench-"))
os.environ.setdefault("PLANNER_INSTANCE", str(_TMP))

import sqlalchemy as sa  # noqa: E402

from planner import (  # noqa: E402
    accounts,
    create_app,
    link_previews,
    migrate,
    models,
    previews,
    review,
)
from planner.db import db  # noqa: E402
from planner.models import LinkPreview, PostGroup, Status, Workspace  # noqa: E402
from tests.support.rows import insert_posts  # noqa: E402

RUNS = 11
TEXT = (
    "Our spring menu {n} is here 🌸 Thanks @maria@social.coop for the tastings! Full list: "
    "https://www.acmecoffee.com/menus/spring-{n}?utm_source=social #coffee #東京 "
    + "More words. "
    * 12
)


def build(url: str):  # type: ignore[no-untyped-def]
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with app.app_context():
        session = db.session
        owner = accounts.create_user(session, "bench@example.com", "Bench", "bench-password")
        workspace = accounts.create_workspace(session, "Bench", "Europe/Berlin", owner)
        channels = [
            accounts.save_channel(session, owner, workspace, None, network=n, name=n.title())
            for n in ("x", "mastodon", "linkedin")
        ]
        now = datetime.now(UTC)
        rows = []
        for n in range(100):
            group = PostGroup(workspace_id=workspace.id, created_at=now)
            session.add(group)
            session.flush()
            for channel in channels:
                rows.append(
                    {
                        "workspace_id": workspace.id,
                        "group_id": group.id,
                        "channel_id": channel.id,
                        "text": TEXT.format(n=n),
                        "category": "brand",
                        "scheduled_at": now + timedelta(days=3, minutes=n),
                        "status": Status.in_review,
                        "version": 1,
                        "author_id": None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            link = f"https://www.acmecoffee.com/menus/spring-{n}"
            session.add(
                LinkPreview(
                    workspace_id=workspace.id,
                    url_key=link_previews.url_key(link),
                    url=link_previews.normalise(link),
                    status="ok",
                    title=f"Spring menu {n}",
                    description="Seven new drinks",
                    fetched_at=now,
                )
            )
        insert_posts(session, rows)
        session.commit()
        return app, workspace.slug, [c.id for c in channels]


def median_ms(call) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = call()
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings) * 1000


def main() -> None:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP / 'bench.db'}")
    app, slug, channel_ids = build(url)
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "1:0"
        flask_session["_fresh"] = True
    print(f"database: {sa.make_url(url).get_backend_name()}")
    queue_ms = median_ms(lambda: client.get(f"/w/{slug}/approvals/"))
    print(f"approval queue, 100 groups x 3 channels (300 previews): median {queue_ms:6.1f} ms")
    with app.app_context():
        workspace = db.session.scalars(sa.select(Workspace)).one()
        posts = [v for e in review.queue(db.session, workspace) for v in e.variants]
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            previews.for_posts(db.session, workspace, posts)
            timings.append(time.perf_counter() - start)
    print(
        f"  of which the 300 previews (previews.for_posts, cards in one query): median "
        f"{statistics.median(timings) * 1000:6.1f} ms"
    )
    body = {"channel_ids": channel_ids, "text": TEXT.format(n=7)}
    live_ms = median_ms(lambda: client.post(f"/w/{slug}/posts/previews", json=body))
    print(f"composer's live previews, 3 channels: median {live_ms:6.1f} ms")


if __name__ == "__main__":
    main()
