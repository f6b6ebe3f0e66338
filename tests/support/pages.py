"""A local web site for the link preview tests: pages by path (status, headers, body), and
the paths it was asked for."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Site:
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # bytes written per path

    def start(self) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                site.requests.append(self.path)
                status, headers, body = site.pages.get(
                    self.path, (404, {"Content-Type": "text/html"}, b"<title>Not found</title>")
                )
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                written = 0
                try:
                    for start in range(0, len(body), 65536):
                        self.wfile.write(body[start : start + 65536])
                        written += len(body[start : start + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the reader had enough
                site.sent[self.path] = written

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path: str, html: str | bytes, status: int = 200, **headers: str) -> str:
        body = html.encode() if isinstance(html, str) else html
        self.pages[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        return self.base + path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def article(title: str, description: str = "", image: str = "", site_name: str = "") -> str:
    """A page with OpenGraph tags, as a blog or a shop writes them."""
    tags = [f'<meta property="og:title" content="{title}">']
    if description:
        tags.append(f'<meta property="og:description" content="{description}">')
    if image:
        tags.append(f'<meta property="og:image" content="{image}">')
    if site_name:
        tags.append(f'<meta property="og:site_name" content="{site_name}">')
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Fallback title</title>"
        + "".join(tags)
        + "</head><body><p>Hello</p></body></html>"
    )
