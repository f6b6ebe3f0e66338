"""Alembic environment: the URL comes from the caller (planner db upgrade) or DATABASE_URL."""

from alembic import context

from planner.config import from_environment
from planner.db import UTCDateTime, make_engine
from planner.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or str(from_environment()["DATABASE_URL"])


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # Our UTCDateTime is a plain DateTime in the database; say so in new migrations.
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
