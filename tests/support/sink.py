"""A local HTTP sink for publishing tests: a webhook receiver and a stand-in for Mastodon's
POST /api/v1/statuses, whose Idempotency-Key returns the first status for a repeated key, and
its media API: POST /api/v2/media (multipart; 202 while "processing", then GET
/api/v1/media/:id answers 206 until it is ready)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, str, bytes]]:
    """A multipart/form-data body's parts: name -> (file name, content type, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True) or b"",
        )
    return parts


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    method: str = "POST"


@dataclass
class Sink:
    """Answers from `script` in order (status, headers, delay seconds), then 200s."""

    script: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    statuses: dict[str, dict] = field(default_factory=dict)  # Mastodon: key -> status
    # Connection checks (HEAD): what arrived, and the statuses to answer in order (then 200).
    heads: list[Received] = field(default_factory=list)
    head_script: list[int] = field(default_factory=list)
    created: int = 0
    # Mastodon media: id -> what was uploaded; uploads answered 202 are "processing" for this
    # many GETs (206) before they answer 200.
    media: dict[str, dict] = field(default_factory=dict)
    processing_polls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def next_answer(self) -> tuple[int, dict[str, str], float]:
        with self.lock:
            return self.script.pop(0) if self.script else (200, {}, 0.0)

    def start(self) -> Sink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/api/v1/media/"):
                    with sink.lock:
                        sink.received.append(Received(self.path, dict(self.headers), b"", "GET"))
                        item = sink.media.get(self.path.rsplit("/", 1)[-1])
                        if item is not None and item["polls_left"] > 0:
                            item["polls_left"] -= 1
                            status = 206
                        else:
                            status = 200 if item is not None else 404
                    self._answer(status, {"id": item["id"] if item else None})
                elif self.path == "/api/v1/accounts/verify_credentials":
                    ok = self.headers.get("Authorization") == "Bearer good-token"
                    self._answer(
                        200 if ok else 401,
                        {"acct": "planner"} if ok else {"error": "The access token is invalid"},
                    )
                else:
                    self._answer(404, {"error": "not found"})

            def do_HEAD(self) -> None:  # noqa: N802
                # A webhook's connection check: kept apart from the posts, answered from its
                # own script (workers check new channels on their own, at any moment).
                with sink.lock:
                    sink.heads.append(Received(self.path, dict(self.headers), b"", "HEAD"))
                    status = sink.head_script.pop(0) if sink.head_script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.received.append(Received(self.path, dict(self.headers), body))
                status, headers, delay = sink.next_answer()
                if delay:
                    time.sleep(delay)
                if status != 200:
                    self._answer(status, {"error": f"sink says {status}"}, headers)
                    return
                if self.path == "/api/v1/statuses":
                    self._mastodon(body)
                elif self.path == "/api/v2/media":
                    self._media(body)
                else:
                    with sink.lock:
                        sink.created += 1
                        number = sink.created
                    self._answer(200, {"id": f"hook-{number}", "url": f"{sink.url}/p/{number}"})

            def _mastodon(self, body: bytes) -> None:
                key = self.headers.get("Idempotency-Key", "")
                with sink.lock:
                    if key and key in sink.statuses:
                        status = sink.statuses[key]
                    else:
                        sink.created += 1
                        fields = parse_qs(body.decode())
                        status = {
                            "id": str(sink.created),
                            "url": f"{sink.url}/@p/{sink.created}",
                            "content": fields.get("status", [""])[0],
                            "media_ids": fields.get("media_ids[]", []),
                            "in_reply_to_id": fields.get("in_reply_to_id", [None])[0],
                        }
                        if key:
                            sink.statuses[key] = status
                self._answer(200, status)

            def _media(self, body: bytes) -> None:
                parts = multipart(self.headers.get("Content-Type", ""), body)
                filename, content_type, data = parts["file"]
                description = parts.get("description", (None, "", b""))[2].decode()
                with sink.lock:
                    media_id = f"m{len(sink.media) + 1}"
                    sink.media[media_id] = {
                        "id": media_id,
                        "filename": filename,
                        "content_type": content_type,
                        "data": data,
                        "description": description,
                        "polls_left": sink.processing_polls,
                    }
                    processing = sink.processing_polls > 0
                self._answer(202 if processing else 200, {"id": media_id, "url": None})

            def _answer(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def posts(self) -> list[dict]:
        with self.lock:
            return [json.loads(r.body) for r in self.received if r.path == "/hook"]
