"""Media attached to posts: what a file is (files.py), what each network takes (limits.py)
and where the bytes live (store.py). Pure of Flask and the database; the workflow decides
who may attach what (planner/workflow.py), the views and the workers call it."""

from __future__ import annotations

from planner.media import links
from planner.media.files import ACCEPTED, MediaRefused, Prepared, prepare, sniff
from planner.media.limits import NETWORK_LIMITS, Item, Limits, item_problems, set_problems
from planner.media.store import FolderStore, MediaMissing, MediaStore, S3Store, new_key, store_for

__all__ = [
    "ACCEPTED",
    "NETWORK_LIMITS",
    "FolderStore",
    "Item",
    "Limits",
    "MediaMissing",
    "MediaRefused",
    "MediaStore",
    "Prepared",
    "S3Store",
    "item_problems",
    "links",
    "new_key",
    "prepare",
    "set_problems",
    "sniff",
    "store_for",
]
