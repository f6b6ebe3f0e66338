"""Running Alembic from our own code, so `planner db upgrade` needs no alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from planner.config import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)
