"""The outbox: one JSON file per post in a folder, so a fresh install publishes somewhere."""

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
            target = self.folder / f"{request.key}.json"
            # Written whole or not at all: a temporary file in the same folder, then a rename.
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(request.to_json(), out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except OSError as error:
            raise PermanentPublishError(
                f"cannot write to the outbox {self.folder}: {error}"
            ) from error
        return PublishResult(external_id=request.key, url=None)

    def test(self) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
        except OSError as error:
            raise PermanentPublishError(f"cannot write to {self.folder}: {error}") from error
        return f"the outbox folder {self.folder} is writable"
