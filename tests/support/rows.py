"""Posts inserted straight into the database (benchmarks and big fixtures), each with a group
of its own, as the workflow would give them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner.models import Post, PostGroup


def insert_posts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert post rows (dicts of Post columns); rows without a group_id get one each."""
    lonely = [row for row in rows if "group_id" not in row]
    if lonely:
        groups = list(
            session.scalars(
                sa.insert(PostGroup).returning(PostGroup.id),
                [
                    {"workspace_id": row["workspace_id"], "created_at": row["created_at"]}
                    for row in lonely
                ],
            )
        )
        for row, group_id in zip(lonely, groups, strict=True):
            row["group_id"] = group_id
    session.execute(sa.insert(Post), list(rows))
