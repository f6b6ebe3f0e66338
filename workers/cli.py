"""`planner worker`: an RQ worker with RQ's scheduler and the sweeper's tick thread.

Registered through Flask's `flask.commands` entry point (pyproject.toml), so `planner/`
never imports this package.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import click
import redis
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker

from planner import queue
from workers.publish import sweep_forever


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--fork/--no-fork",
    default=False,
    show_default=True,
    help="Run each job in a forked work horse (isolation, about 6 times slower here) or in "
    "the worker itself.",
)
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker (with RQ's scheduler) on the publish, feeds, default and previews queues.

    Waits for Redis if it does not answer yet, so `make run` works before Redis is up.
    """
    # Our jobs log key=value lines (job=publish post=42 outcome=...) beside RQ's own.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    url = str(current_app.config["REDIS_URL"])
    connection = queue.connect(url)
    while True:
        try:
            connection.ping()
            break
        except redis.RedisError as error:
            if burst:
                raise click.ClickException(f"Redis does not answer: {error}") from error
            click.echo(f"worker: waiting for Redis ({error}); retrying in 5 s", err=True)
            time.sleep(5)
    listening = queue.queues(connection)
    names = ", ".join(q.name for q in listening)
    click.echo(f"worker: listening on {names} at {_hide_password(url)}")
    # Jobs run in the worker itself by default: a fork per job cost about 100 ms here, and
    # 1,000 posts due in one minute then took two workers 2 minutes instead of 20 s
    # (bench/publish.py). Either way a crash mid-job is safe: the sweeper's lease settles it.
    worker_class = Worker if fork else SimpleWorker
    rq_worker = worker_class(listening, connection=connection)
    stop = threading.Event()
    if not burst:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=sweep_forever, args=(app, stop), daemon=True).start()
    try:
        ok = rq_worker.work(with_scheduler=True, burst=burst)
    finally:
        stop.set()
    sys.exit(0 if ok or burst else 1)


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
