"""Running Alembic from our own code, so `planner db upgrade` needs no alembic.ini."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def alembic_config(url: str) -> Config:
    config = Config()
    # Alembic's package-resource form: found inside the installed package, wherever it is.
    config.set_main_option("script_location", "planner:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    # Read once per process: the scripts do not change under a running process.
    return ScriptDirectory.from_config(alembic_config(""))


def head_revisions() -> frozenset[str]:
    """The revisions the migrations of this installation end in."""
    return frozenset(_scripts().get_heads())


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this installation has a migration for."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def current_revisions(connection: sa.Connection) -> frozenset[str]:
    """The revisions the database at the other end of `connection` is at (none: empty)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())
