"""Where media bytes live: a folder under the instance by default, S3-compatible object
storage by setting, so web and worker hosts share the files.

Keys are Planner's own (`w<workspace>/<random>.<ext>`), never a name someone typed, and the
folder store refuses any other shape, so no key reaches outside its folder.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

KEY = re.compile(
    r"^(?:pending/)?w\d{1,12}/[A-Za-z0-9_-]{16,64}(?:\.thumb)?\.(?:jpg|png|webp|gif|mp4)$"
)
# Files the composer keeps for a form it shows again (planner/web/posts.py, Attachment) live
# under this prefix until the post is saved; the sweep deletes those older than a day.
PENDING = "pending/"
PENDING_SECONDS = 24 * 3600


class MediaMissing(LookupError):
    """No bytes under that key (deleted, or another store)."""


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def delete_pending(self, older_than: float) -> int: ...


def new_key(
    workspace_id: int, extension: str, thumbnail: bool = False, pending: bool = False
) -> str:
    """A fresh key for a file of a workspace (`pending`: kept for a form, not yet a post's)."""
    name = f"{secrets.token_urlsafe(18)}{'.thumb' if thumbnail else ''}.{extension}"
    return f"{PENDING if pending else ''}w{workspace_id}/{name}"


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class FolderStore:
    """Files in a folder (`instance/media/` by default): one host, or a shared mount."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def path(self, key: str) -> Path:
        """Where a file lies (the web app serves it from there, with Range requests, rather
        than reading a video into memory); MediaMissing when it is not there."""
        path = self._path(key)
        if not path.is_file():
            raise MediaMissing(key)
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a temporary file beside it, then a rename.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise MediaMissing(key) from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_pending(self, older_than: float) -> int:
        """Delete the pending files older than that many seconds; how many went."""
        cutoff = time.time() - older_than
        gone = 0
        for path in (self.root / PENDING).glob("w*/*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
            except FileNotFoundError:
                continue  # another host's sweep took it first
        return gone


class S3Store:
    """An S3-compatible bucket (AWS S3, MinIO, Garage, Ceph...), through boto3, which is
    imported only when this store is used (`pip install boto3`). Credentials come from
    boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance
    role)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        import boto3  # lazy: only installs that store media in S3 need it

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None
        )

    def _name(self, key: str) -> str:
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as error:
            raise MediaMissing(key) from error
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def delete_pending(self, older_than: float) -> int:
        """Delete the pending objects older than that many seconds; how many went."""
        cutoff = time.time() - older_than
        prefix = f"{self.prefix}/{PENDING}" if self.prefix else PENDING
        gone = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                if item["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    gone += 1
        return gone


_STORES: dict[tuple[Any, ...], MediaStore] = {}


def store_for(config: Mapping[str, Any]) -> MediaStore:
    """The store the settings name: MEDIA_STORE=folder (MEDIA_FOLDER) or s3 (MEDIA_S3_*)."""
    kind = str(config.get("MEDIA_STORE") or "folder")
    if kind == "s3":
        settings = (
            "s3",
            config["MEDIA_S3_BUCKET"],
            config.get("MEDIA_S3_PREFIX") or "",
            config.get("MEDIA_S3_ENDPOINT") or None,
            config.get("MEDIA_S3_REGION") or None,
        )
        if settings not in _STORES:
            _STORES[settings] = S3Store(
                settings[1], prefix=settings[2], endpoint_url=settings[3], region=settings[4]
            )
        return _STORES[settings]
    folder = config.get("MEDIA_FOLDER") or Path(str(config["PLANNER_INSTANCE"])) / "media"
    return FolderStore(folder)
