"""Whether background work (Redis, and so RQ) is reachable, checked cheaply per request."""

from __future__ import annotations

import time

import redis
from flask import Flask, current_app

_CACHE_SECONDS = 5.0
_last: dict[str, tuple[float, bool]] = {}


def redis_connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)


def redis_available(url: str) -> bool:
    """Ping Redis at most every few seconds per process; a down Redis costs one timeout."""
    now = time.monotonic()
    cached = _last.get(url)
    if cached and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    try:
        ok = bool(redis_connection(url).ping())
    except redis.RedisError:
        ok = False
    _last[url] = (now, ok)
    return ok


def init_app(app: Flask) -> None:
    @app.context_processor
    def _background_status() -> dict[str, object]:
        def background_paused() -> bool:
            return not redis_available(str(current_app.config["REDIS_URL"]))

        return {"background_paused": background_paused}
