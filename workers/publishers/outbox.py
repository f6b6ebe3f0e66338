"""The outbox: one JSON file per post in a folder, so a fresh install publishes somewhere."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from workers.publishers import PermanentPublishError, PublishRequest, PublishResult


class OutboxPublisher:
    # The key is the file name: a re-send overwrites the same file instead of adding one.
    deduplicates = True

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def publish(self, request: PublishRequest) -> PublishResult:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"{request.key}.json"
            body = {
                "post_id": request.post_id,
                "channel": request.channel,
                "network": request.network,
                "text": request.text,
                "scheduled_at": request.scheduled_at.isoformat(),
                "key": request.key,
            }
            # Written whole or not at all: a temporary file in the same folder, then a rename.
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(body, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except OSError as error:
            raise PermanentPublishError(
                f"cannot write to the outbox {self.folder}: {error}"
            ) from error
        return PublishResult(external_id=request.key, url=None)
