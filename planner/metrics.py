"""Prometheus metrics, read at scrape time from what every host shares (PostgreSQL and
Redis), never counted in one process: any web host answers for the whole installation, and
a restarted or added host changes nothing.

- `planner_queue_jobs{queue,state}`: jobs waiting (queued), scheduled for later, running
  (started) and failed, per RQ queue.
- `planner_workers`: `planner worker` processes alive.
- `planner_posts{status}`: posts per status, all workspaces.
- `planner_publish_events_total{outcome}`: publishing outcomes as the audit trail recorded
  them (attempt, published, retry, held, failed, outcome_unknown).
- `planner_channels_needing_reconnect`: channels whose login the target refused (their posts
  are held until someone reconnects them: worth an alert).
- `planner_publish_lateness_seconds`: from a post's time to its publication, over every
  published post (a cumulative histogram).
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
import sqlalchemy as sa
from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy.orm import Session

from planner import queue
from planner.db import db
from planner.models import AuditEvent, Channel, Post, Status

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Audit actions of publishing, by the outcome label they get.
PUBLISH_EVENTS = {
    "publish_attempt": "attempt",
    "published": "published",
    "publish_retry": "retry",
    "publish_held": "held",
    "publish_failed": "failed",
    "outcome_unknown": "outcome_unknown",
}
# Seconds late: on time, the scheduler's poll, a busy minute, a retry or two, a lost hour.
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)


def _seconds_late(dialect: str) -> sa.ColumnElement[float]:
    if dialect == "postgresql":
        return sa.func.extract("epoch", Post.published_at - Post.scheduled_at)
    return (sa.func.julianday(Post.published_at) - sa.func.julianday(Post.scheduled_at)) * 86400.0


def lateness(session: Session) -> tuple[list[tuple[str, float]], float]:
    """Cumulative bucket counts and the sum of seconds late, over published posts."""
    late = _seconds_late(session.get_bind().dialect.name)
    columns = [sa.func.count(), sa.func.coalesce(sa.func.sum(late), 0.0)]
    columns += [
        sa.func.coalesce(sa.func.sum(sa.case((late <= le, 1), else_=0)), 0)
        for le in LATENESS_BUCKETS
    ]
    row = session.execute(
        sa.select(*columns).where(Post.status == Status.published, Post.published_at.is_not(None))
    ).one()
    count, total, *cumulative = row
    buckets = [(str(le), float(n)) for le, n in zip(LATENESS_BUCKETS, cumulative, strict=True)]
    return [*buckets, ("+Inf", float(count))], float(total)


class PlannerCollector(Collector):
    """Reads the figures when Prometheus scrapes (inside the request's app context)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        session = db.session
        posts = GaugeMetricFamily("planner_posts", "Posts per status.", labels=["status"])
        by_status = dict(
            session.execute(sa.select(Post.status, sa.func.count()).group_by(Post.status)).all()
        )
        for status in Status:
            posts.add_metric([status.name], float(by_status.get(status, 0)))
        yield posts

        events = CounterMetricFamily(
            "planner_publish_events",
            "Publishing outcomes recorded in the audit trail.",
            labels=["outcome"],
        )
        counted = dict(
            session.execute(
                sa.select(AuditEvent.action, sa.func.count())
                .where(AuditEvent.action.in_(PUBLISH_EVENTS))
                .group_by(AuditEvent.action)
            ).all()
        )
        for action, outcome in PUBLISH_EVENTS.items():
            events.add_metric([outcome], float(counted.get(action, 0)))
        yield events

        marked = GaugeMetricFamily(
            "planner_channels_needing_reconnect",
            "Channels whose login the target refused; their approved posts are held.",
        )
        marked.add_metric(
            [],
            float(
                session.scalar(
                    sa.select(sa.func.count()).where(Channel.needs_reconnecting_at.is_not(None))
                )
                or 0
            ),
        )
        yield marked

        buckets, total = lateness(session)
        yield HistogramMetricFamily(
            "planner_publish_lateness_seconds",
            "Seconds from a post's scheduled time to its publication.",
            buckets=buckets,
            sum_value=total,
        )
        yield from self._queues()

    def _queues(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "planner_queue_jobs", "RQ jobs per queue and state.", labels=["queue", "state"]
        )
        workers = GaugeMetricFamily("planner_workers", "planner worker processes alive.")
        up = GaugeMetricFamily("planner_redis_up", "1 when Redis answers.")
        connection = queue.redis_for(self.app)
        try:
            for name in queue.QUEUE_NAMES:
                q = Queue(queue.queue_name(name, self.app), connection=connection)
                jobs.add_metric([name, "queued"], float(q.count))
                for state, registry in (
                    ("scheduled", ScheduledJobRegistry),
                    ("started", StartedJobRegistry),
                    ("failed", FailedJobRegistry),
                ):
                    jobs.add_metric([name, state], float(registry(queue=q).count))
            workers.add_metric([], float(len(queue.our_workers(connection, self.app))))
            up.add_metric([], 1.0)
        except redis.RedisError:
            up.add_metric([], 0.0)
            yield up
            return
        yield from (jobs, workers, up)


def exposition(app: Flask) -> bytes:
    """The metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlannerCollector(app))
    return generate_latest(registry)
