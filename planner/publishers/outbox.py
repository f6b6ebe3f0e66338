"""The outbox: one JSON file per post in a folder, so a fresh install publishes somewhere.
A post's files are written beside it (`<key>-1.jpg`, ...), before the JSON that names them:
a JSON file in the outbox always has its files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from planner.publishers.base import (
    PermanentPublishError,
    Publisher,
    PublishRequest,
    PublishResult,
    register,
)


@register
class OutboxPublisher(Publisher):
    kind = "outbox"
    description = "writes one JSON file per post (no account needed)"
    # The key is the file name: a re-send overwrites the same file instead of adding one.
    deduplicates = True

    @property
    def folder(self) -> Path:
        return Path(self.target.outbox)

    def publish(self, request: PublishRequest) -> PublishResult:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            payload = request.to_json()
            for number, (image, entry) in enumerate(
                zip(request.images, payload["media"], strict=True), 1
            ):
                name = f"{request.key}-{number}.{image.extension}"
                self._write(name, image.data)
                entry["file"] = name
            body = json.dumps(payload, ensure_ascii=False, indent=1).encode()
            self._write(f"{request.key}.json", body)
        except OSError as error:
            raise PermanentPublishError(
                f"cannot write to the outbox {self.folder}: {error}"
            ) from error
        return PublishResult(external_id=request.key, url=None)

    def _write(self, name: str, data: bytes) -> None:
        """Written whole or not at all: a temporary file in the same folder, then a rename."""
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.folder / name)

    def test(self) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
        except OSError as error:
            raise PermanentPublishError(f"cannot write to {self.folder}: {error}") from error
        return f"the outbox folder {self.folder} is writable"
