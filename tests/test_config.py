"""Settings an operator gives: where local state goes, and the secret key production needs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planner import create_app
from planner.cli import main
from planner.config import ConfigurationError
from tests.conftest import DATABASE_URL


@pytest.fixture
def operator(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """An operator's environment: none of the test suite's settings, in an empty folder."""
    for name in ("PLANNER_INSTANCE", "SECRET_KEY", "PLANNER_ENV", "FLASK_DEBUG", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_production_refuses_to_start_without_a_secret_key(operator):
    with pytest.raises(ConfigurationError) as refused:
        create_app({"DATABASE_URL": DATABASE_URL})
    assert "SECRET_KEY is not set" in str(refused.value)
    assert "PLANNER_ENV=development" in str(refused.value)
    # Nothing was generated that another host would not have.
    assert not (operator / "instance").exists()


def test_the_command_line_says_what_is_missing_without_a_traceback(operator):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "Error: SECRET_KEY is not set" in result.output
    assert "Traceback" not in result.output


def test_development_generates_a_key_once_into_the_instance_folder(operator, monkeypatch):
    monkeypatch.setenv("PLANNER_ENV", "development")
    first = create_app({"DATABASE_URL": DATABASE_URL})
    second = create_app({"DATABASE_URL": DATABASE_URL})
    key_file = operator / "instance" / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert key_file.stat().st_mode & 0o077 == 0


def test_a_configured_secret_key_is_used_and_nothing_is_written(operator, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "shared by every host")
    app = create_app({"DATABASE_URL": DATABASE_URL})
    assert app.secret_key == "shared by every host"
    assert not (operator / "instance").exists()


def test_local_state_defaults_to_instance_in_the_current_folder(operator, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app()
    assert app.config["PLANNER_INSTANCE"] == str(operator / "instance")
    assert app.instance_path == str(operator / "instance")
    assert app.config["DATABASE_URL"] == f"sqlite:///{operator / 'instance' / 'planner.db'}"
    assert app.config["PLANNER_OUTBOX"] == str(operator / "instance" / "outbox")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PLANNER_ENV", "staging", "PLANNER_ENV='staging'"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL='LOUD'"),
    ],
)
def test_a_misspelt_setting_is_refused_by_name(operator, monkeypatch, name, value, message):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        create_app({"DATABASE_URL": DATABASE_URL})
