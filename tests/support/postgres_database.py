"""Recreate the PostgreSQL test database; exit 1 when PostgreSQL does not answer."""

from __future__ import annotations

import sys

import sqlalchemy as sa


def recreate(url: str) -> bool:
    target = sa.make_url(url)
    admin = sa.create_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as connection:
            name = target.database
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        print(f"postgres: {error.orig}", file=sys.stderr)
        return False
    finally:
        admin.dispose()
    return True


if __name__ == "__main__":
    sys.exit(0 if recreate(sys.argv[1]) else 1)
