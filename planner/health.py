"""Can this installation do its work? The checks behind `planner health` (a container's
health check: exit 0 or 1) and `GET /healthz` (a load balancer's).

Each check has a public detail (safe for an unauthenticated page: no addresses, no
passwords, no error text from a driver) and a private one for the operator's terminal.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from flask import Flask

from planner import migrate, queue
from planner.db import db


@dataclass(frozen=True)
class Check:
    """One check's outcome: `detail` may be shown to anyone, `private` only to the
    operator. A failed check that is `fatal` means pages cannot be served; the others mean
    background work waits, or (a database newer than this code, during a rolling upgrade)
    that this host should be upgraded soon."""

    name: str
    ok: bool
    detail: str
    private: str = ""
    fatal: bool = False


def database_and_schema(engine: sa.Engine) -> list[Check]:
    """Whether the database answers, and whether its schema is the one this code expects."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = migrate.current_revisions(connection)
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return [
            Check("database", False, "unreachable", reason, fatal=True),
            Check("migrations", False, "unknown: the database does not answer", fatal=True),
        ]
    heads = migrate.head_revisions()
    expected = ", ".join(sorted(heads))
    if current == heads:
        schema = Check("migrations", True, f"at head {expected}")
    elif not current:
        schema = Check("migrations", False, "not migrated: run `planner db upgrade`", fatal=True)
    elif current - migrate.known_revisions():
        schema = Check(
            "migrations",
            False,
            f"at {', '.join(sorted(current))}, newer than this Planner ({expected}): "
            "upgrade Planner on this host",
        )
    else:
        schema = Check(
            "migrations",
            False,
            f"at {', '.join(sorted(current))}, expected {expected}: run `planner db upgrade`",
            fatal=True,
        )
    return [Check("database", True, engine.dialect.name), schema]


def redis_server(client: redis.Redis) -> Check:
    try:
        client.ping()
    except redis.RedisError as error:
        return Check("redis", False, "unreachable", str(error))
    return Check("redis", True, "answers")


def workers(client: redis.Redis, this_host: bool = False, app: Flask | None = None) -> Check:
    """At least one `planner worker` alive (RQ drops a worker that stopped sending heartbeats
    within its TTL); with `this_host`, one on this machine (a worker container's check)."""
    host = socket.gethostname()
    try:
        alive = queue.our_workers(client, app)
    except redis.RedisError as error:
        return Check("workers", False, "unknown: Redis does not answer", str(error))
    if this_host:
        alive = [w for w in alive if w.hostname == host]
    where = " on this host" if this_host else ""
    if not alive:
        return Check("workers", False, f"none alive{where}: start `planner worker`")
    return Check("workers", True, f"{len(alive)} alive{where}")


def checks(app: Flask, this_host: bool = False) -> list[Check]:
    """Database, migrations, Redis and workers, in that order (call inside an app context)."""
    found = database_and_schema(db.engine)
    client = queue.redis_for(app)
    redis_check = redis_server(client)
    found.append(redis_check)
    if redis_check.ok:
        found.append(workers(client, this_host, app))
    else:
        found.append(Check("workers", False, "unknown: Redis does not answer"))
    return found
