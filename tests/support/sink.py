"""A local HTTP sink for publishing tests: a webhook receiver and a stand-in for Mastodon's
POST /api/v1/statuses, whose Idempotency-Key returns the first status for a repeated key."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


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
                if self.path == "/api/v1/accounts/verify_credentials":
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
                        status = {
                            "id": str(sink.created),
                            "url": f"{sink.url}/@p/{sink.created}",
                            "content": parse_qs(body.decode()).get("status", [""])[0],
                        }
                        if key:
                            sink.statuses[key] = status
                self._answer(200, status)

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
