"""Fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL), a real
Redis database number of its own, and people with each role in a workspace."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

_TMP = Path(tempfile.mkdtemp(prefix="planner-tests-"))
# Keep the app's generated files (secret key, outbox) out of the repository.
os.environ["PLANNER_INSTANCE"] = str(_TMP / "instance")

from planner import accounts, create_app, migrate, models  # noqa: E402
from planner.db import Base, db  # noqa: E402
from planner.models import Channel, Role, User, Workspace  # noqa: E402
from planner.publishers import Settings  # noqa: E402
from planner.secrets_box import SecretsBox  # noqa: E402
from planner.web.security import limiter  # noqa: E402
from tests.support.sink import Sink  # noqa: E402

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", f"sqlite:///{_TMP / 'test.db'}")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "correct horse battery"
SECRET_KEY = "test-secret"
# Publisher settings as the test app has them (for channels made outside a request).
PUBLISHING = Settings(
    str(_TMP / "outbox"), True, SecretsBox.from_config({"SECRET_KEY": SECRET_KEY})
)
# Hashing strength is not under test here; a cheap method keeps the suite fast.
models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def database_url() -> str:
    migrate.upgrade(DATABASE_URL)
    return DATABASE_URL


def _empty_tables(engine: sa.Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET_KEY,
            # The tests' publishing targets listen on 127.0.0.1; the outbound guard is
            # tested with this off (tests/web/test_security.py).
            "PUBLISH_ALLOW_PRIVATE_TARGETS": True,
            "PLANNER_OUTBOX": str(tmp_path / "outbox"),
        }
    )
    with app.app_context():
        _empty_tables(db.engine)
        # Sign-in attempts counted by earlier tests do not throttle this one.
        limiter.reset()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    """A session of the test's own, outside any app context, so each request the test makes
    gets its own app context (and its own `g`), as in production."""
    make_session = app.extensions["planner.db"][1]
    with make_session() as own:
        yield own


@dataclass
class Team:
    """A workspace with one person per role, an outsider, and three channels."""

    workspace: Workspace
    users: dict[str, User]
    channels: dict[str, Channel]
    other_workspace: Workspace
    other_channel: Channel

    def user(self, role: str) -> User:
        return self.users[role]


def make_team(session, timezone: str = "Europe/Berlin") -> Team:  # type: ignore[no-untyped-def]
    users = {
        name: accounts.create_user(session, f"{name}@example.com", name.capitalize(), PASSWORD)
        for name in ("admin", "approver", "editor", "viewer", "outsider")
    }
    workspace = accounts.create_workspace(session, "Acme", timezone, users["admin"])
    for role in ("approver", "editor", "viewer"):
        accounts.add_member(session, users["admin"], workspace, f"{role}@example.com", Role[role])
    channels = {
        network: accounts.save_channel(
            session, users["admin"], workspace, None, network=network, name=network.capitalize()
        )
        for network in ("x", "mastodon", "linkedin")
    }
    other = accounts.create_workspace(session, "Other Co", "UTC", users["outsider"])
    other_channel = accounts.save_channel(
        session, users["outsider"], other, None, network="x", name="X"
    )
    return Team(workspace, users, channels, other, other_channel)


@pytest.fixture
def team(session) -> Team:  # type: ignore[no-untyped-def]
    return make_team(session)


def future(days: int = 3, hour: int = 10) -> datetime:
    """A UTC instant some days ahead, on the hour."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """The Flask test client with sign-in and the CSRF token a page carries."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client

    def csrf(self) -> str:
        page = self.client.get("/login", follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        token = self.csrf()
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        data = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=data, **kwargs)

    def post_json(self, url: str, body: object, csrf: bool = True):  # type: ignore[no-untyped-def]
        headers = {"X-CSRFToken": self.csrf()} if csrf else {}
        return self.client.post(url, json=body, headers=headers)


@pytest.fixture
def browser(app) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(app.test_client())


def signed_in(app, email: str) -> Browser:  # type: ignore[no-untyped-def]
    b = Browser(app.test_client())
    response = b.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return b


@pytest.fixture
def sink():  # type: ignore[no-untyped-def]
    """A local HTTP target: webhook receiver and Mastodon (tests/support/sink.py)."""
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_redis_ping():  # type: ignore[no-untyped-def]
    """Each test asks Redis afresh: the app remembers a ping for a few seconds per process
    (planner/queue.py), and one test's slow or missing Redis must not show in the next."""
    from planner import queue

    queue._last_ping.clear()
    yield
