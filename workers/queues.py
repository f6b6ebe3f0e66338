"""The Redis connection and RQ queues, from REDIS_URL. Nothing connects at import time."""

from __future__ import annotations

import redis
from rq import Queue

QUEUE_NAMES = ("publish", "feeds", "default")


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def queues(connection: redis.Redis) -> list[Queue]:
    """The queues a worker listens on, most urgent first."""
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]
