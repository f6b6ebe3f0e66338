"""The container setup as Docker Compose reads it (its own `config`, no engine needed), and
the Makefile's promise that `make run` needs Python only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path(sys.executable).parent / "docker-compose"


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE), "--file", "compose.yaml", "config", "--format", "json"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def services() -> dict:
    done = compose_config(SECRET_KEY="from-the-env-file")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["services"]


def test_compose_runs_postgres_redis_a_migration_the_web_and_workers(services):
    assert set(services) == {"db", "redis", "migrate", "web", "worker"}
    web = services["web"]
    assert web["command"][0] == "gunicorn" and "planner:create_app()" in web["command"]
    workers = [int(a.split("=")[1]) for a in web["command"] if a.startswith("--workers=")]
    assert workers and workers[0] >= 2
    assert services["worker"]["command"] == ["planner", "worker"]
    assert services["migrate"]["command"] == ["planner", "db", "upgrade"]
    # Every Planner container runs the same image with the same settings.
    assert {services[s]["image"] for s in ("migrate", "web", "worker")} == {"planner:local"}
    for name in ("migrate", "web", "worker"):
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == "from-the-env-file"
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"


def test_workers_scale_and_everything_waits_for_the_migration(services):
    worker = services["worker"]
    # --scale worker=N needs containers without a fixed name or host port.
    assert "container_name" not in worker and "ports" not in worker
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["db"]["condition"] == needs["redis"]["condition"] == "service_healthy"


def test_long_running_services_have_health_checks_and_the_database_a_volume(services):
    for name in ("db", "redis", "web", "worker"):
        check = services[name]["healthcheck"]
        assert check.get("test") and not check.get("disable"), name
    assert services["worker"]["healthcheck"]["test"][1:] == ["planner", "health", "--this-host"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    [data] = services["db"]["volumes"]
    assert data["type"] == "volume" and data["target"] == "/var/lib/postgresql/data"
    assert any(v["target"] == "/data" for v in services["redis"]["volumes"])


def test_compose_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    done = subprocess.run(
        [str(COMPOSE), "--file", "compose.yaml", "config", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "set SECRET_KEY in .env" in done.stderr


def test_the_image_carries_every_package_of_the_wheel_and_runs_as_a_user():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for package in packages:
        assert re.search(rf"^COPY {package} \./{package}$", dockerfile, re.M), package
        assert f"!{package}/" in ignored, package
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^RUN pip install --no-cache-dir /wheels/\*\.whl", dockerfile, re.M)


def test_make_run_needs_python_only_and_make_test_brings_node():
    def planned(target: str) -> str:
        done = subprocess.run(
            ["make", "--dry-run", "--always-make", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run = planned("run")
    assert "pip install" in run and "planner db upgrade" in run
    assert "npm" not in run and "node" not in run
    assert "npm ci" in planned("test")
