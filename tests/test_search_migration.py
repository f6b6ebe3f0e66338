"""Migration 0015 indexes the posts that exist before it, and can be undone and redone."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from planner import accounts, create_app, migrate, search, workflow
from planner.db import db
from tests.conftest import PASSWORD, future
from tests.support.postgres_database import recreate


@pytest.fixture
def old_database(tmp_path) -> str:  # type: ignore[no-untyped-def]
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url = sa.make_url(base)
        url = url.set(database=f"{url.database}_migration")
        rendered = url.render_as_string(hide_password=False)
        assert recreate(rendered)
        return rendered
    return f"sqlite:///{tmp_path / 'old.db'}"


# The revision before search.
BEFORE = str(
    ScriptDirectory.from_config(migrate.alembic_config("")).get_revision("0015").down_revision
)


def test_posts_written_before_the_migration_are_found_after_it(old_database):
    migrate.upgrade(old_database, BEFORE)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": old_database})
    with app.app_context():
        session = db.session
        owner = accounts.create_user(session, "old@example.com", "Old", PASSWORD)
        workspace = accounts.create_workspace(session, "Old Co", "UTC", owner)
        channel = accounts.save_channel(session, owner, workspace, None, network="x", name="X")
        content = workflow.PostContent(channel, "Written before search existed", None, future(3))
        workflow.create_post(session, owner, workspace, content)
        session.close()

        migrate.upgrade(old_database)
        query = search.parse("existed")
        assert [h.post.text for h in search.search(db.session, workspace, query).hits] == [
            "Written before search existed"
        ]
        db.session.close()

        command.downgrade(migrate.alembic_config(old_database), BEFORE)
        migrate.upgrade(old_database)
        assert search.search(db.session, workspace, query).total == 1
        db.session.close()
        db.engine.dispose()
