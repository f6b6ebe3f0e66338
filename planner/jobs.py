"""From a committed change to the background jobs it calls for (publishing, feeds).

Workflow functions run the hooks in `workflow.after_change` after they commit. A Redis that
does not answer never undoes or blocks a change: the sweeper enqueues due posts when Redis is
back.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask, current_app, has_app_context

from planner import workflow
from planner.models import Post

log = logging.getLogger(__name__)


def post_changed(post: Post) -> None:
    """Bring the post's jobs in line with its committed state.

    Outside an app (a bare session in a script or a unit test) there is no Redis to tell; the
    sweeper enqueues due approved posts within a minute all the same.
    """
    if not has_app_context():
        return
    from workers.publish import sync_post
    from workers.queues import connect

    try:
        connection = connect(str(current_app.config["REDIS_URL"]))
        sync_post(connection, post)
    except redis.RedisError as error:
        log.warning("hook=post_changed post=%s outcome=redis_unavailable error=%s", post.id, error)


def init_app(app: Flask) -> None:
    if post_changed not in workflow.after_change:
        workflow.after_change.append(post_changed)
