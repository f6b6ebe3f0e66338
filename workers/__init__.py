"""RQ jobs and the `planner worker` command. Nothing imports this package: RQ loads the jobs
by dotted name (planner/queue.py enqueues them), and the command comes in through Flask's
`flask.commands` entry point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context

from planner import create_app

_worker_app: Flask | None = None


@contextmanager
def job_context() -> Iterator[Flask]:
    """A fresh app context for one job (its own `g` and database session).

    The app is the worker's (`planner worker` pushes it before RQ forks) when there is one,
    else one app built from the environment once per process and reused (a bare `rq worker`).
    """
    global _worker_app
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        if _worker_app is None:
            _worker_app = create_app()
        app = _worker_app
    with app.app_context():
        yield app
