"""Running Alembic from our own code, so `planner db upgrade` needs no alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config


def alembic_config(url: str) -> Config:
    config = Config()
    # Alembic's package-resource form: found inside the installed package, wherever it is.
    config.set_main_option("script_location", "planner:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)
