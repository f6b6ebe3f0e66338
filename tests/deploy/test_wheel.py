"""The production route of the README, as an operator takes it: build the wheel, install it
into a new virtualenv, and run Planner from an empty folder with gunicorn.

Slow (a virtualenv and its dependencies from the package index, about 30 s): marked `slow`.
It runs in the SQLite pass of `make test` (and CI), where the wheel also keeps its database in
the default place; the PostgreSQL pass, which builds the very same wheel, leaves it out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import DATABASE_URL, REDIS_URL
from tests.support.web import sign_in, start_gunicorn, stop_server

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "planner", "rules", "workers")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        DATABASE_URL.startswith("postgresql"),
        reason="the wheel is built, installed and served in the SQLite pass of make test",
    ),
]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with nothing but the wheel built from this checkout (and what it
    depends on, from the package index)."""
    base = tmp_path_factory.mktemp("wheel")
    # A copy of what a fresh clone holds: no build/ left over from an earlier build, which
    # setuptools would otherwise reuse.
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    dist = base / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), "."], source)
    [wheel] = dist.glob("planner-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], base)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], base)
    return venv


def operator_env(venv: Path, **settings: str) -> dict[str, str]:
    """An operator's shell: the virtualenv on PATH, no setting of the test suite's."""
    keep = ("HOME", "LANG", "PIP_CERT", "SSL_CERT_FILE", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    return {**env, **settings}


def test_the_wheel_serves_the_demo_from_an_empty_folder_with_gunicorn(installed, tmp_path):
    site = tmp_path / "planner-site"
    site.mkdir()
    bin_ = installed / "bin"
    env = operator_env(installed, SECRET_KEY="wheel-test-secret", REDIS_URL=REDIS_URL)

    where = run([str(bin_ / "python"), "-c", "import planner; print(planner.__file__)"], site, env)
    assert Path(where.strip()).is_relative_to(installed), "planner must come from the wheel"

    upgraded = run([str(bin_ / "planner"), "db", "upgrade"], site, env)
    # With no setting, the database goes to instance/ in the current folder.
    assert f"sqlite:///{site / 'instance' / 'planner.db'}" in upgraded
    seeded = run([str(bin_ / "planner"), "demo"], site, env)
    assert "sign in as editor@example.com with password" in seeded
    passwords = json.loads((site / "instance" / "demo-credentials.json").read_text())

    server, base = start_gunicorn(bin_ / "gunicorn", site, env, tmp_path / "gunicorn.log")
    try:
        login = requests.get(f"{base}/login", timeout=10)
        assert login.status_code == 200 and "Sign in" in login.text
        stylesheet = requests.get(f"{base}/static/planner.css", timeout=10)
        assert stylesheet.status_code == 200 and "--" in stylesheet.text
        health = requests.get(f"{base}/healthz", timeout=10).json()
        assert health["checks"]["migrations"]["ok"] is True

        editor = sign_in(base, "editor@example.com", passwords["editor@example.com"])
        week = editor.get(f"{base}/w/northwind-coffee/", timeout=10)
        assert week.status_code == 200
        assert "Northwind Coffee" in week.text and "Europe/Berlin" in week.text
        assert 'class="card' in week.text, "the demo's posts are on the week view"
    finally:
        stop_server(server)

    # Nothing was written beside the installed package; the secret came from the setting.
    site_packages = Path(where.strip()).parents[1]
    assert not (site_packages / "instance").exists()
    # SQLite's write-ahead files may outlive a stopped server; they belong to the database.
    written = (p.name for p in (site / "instance").iterdir())
    assert sorted(n for n in written if not n.endswith(("-wal", "-shm"))) == [
        "demo-credentials.json",
        "planner.db",
    ]


def test_the_wheel_refuses_to_start_without_a_secret_key_outside_development(installed, tmp_path):
    planner = str(installed / "bin" / "planner")
    env = operator_env(installed)
    refused = subprocess.run(
        [planner, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "SECRET_KEY is not set" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "instance").exists()

    trial = run([planner, "db", "upgrade"], tmp_path, {**env, "PLANNER_ENV": "development"})
    assert "database is at head" in trial
    key = (tmp_path / "instance" / "secret_key").read_text()
    assert len(key) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
