"""Real web servers for the deployment tests: gunicorn on a free loopback port, and a
requests session that signs in the way a browser does."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import requests

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    gunicorn: str | Path,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    workers: int = 2,
) -> tuple[subprocess.Popen, str]:
    """gunicorn serving `planner:create_app()` from `cwd`; returns the process and its base
    URL once /healthz answers."""
    port = free_port()
    out = open(log, "w")  # noqa: SIM115 - the process writes to it until it stops
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "planner:create_app()",
        ],
        cwd=cwd,
        env=dict(env),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {log.read_text()[-3000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code in (200, 503):
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise AssertionError(f"gunicorn did not answer in 60 s: {log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def csrf_token(page: str) -> str:
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(base: str, email: str, password: str) -> requests.Session:
    """A browser-like session signed in on `base` (302 away from /login)."""
    browser = requests.Session()
    login = browser.get(f"{base}/login", timeout=10)
    assert login.status_code == 200, login.text[:500]
    answer = browser.post(
        f"{base}/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(login.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser
