"""Screenshots of the main pages at a laptop's size and a phone's, for the README (`make
screenshots`).

Seeds the demo into a throwaway SQLite database, serves it on a loopback port and drives
Debian's Chromium through Playwright; writes docs/screenshots/<page>-<size>.png and prints, per
page, whether anything scrolls sideways (the pages must fit both widths).

    python scripts/screenshots.py [--out docs/screenshots] [--redis redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PLANNER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--disable-sync", "--disable-gpu", "--no-first-run"]
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
# name -> path under the demo workspace; the pages the README shows.
PAGES = {
    "week": "/w/northwind-coffee/",
    "month": "/w/northwind-coffee/month",
    "composer": "/w/northwind-coffee/posts/new",
    "approvals": "/w/northwind-coffee/approvals",
    "balance": "/w/northwind-coffee/balance",
}


# The deepest elements that reach past the right edge: where a sideways scroll comes from.
WIDEST = """() => {
  const edge = document.documentElement.clientWidth;
  const past = [...document.querySelectorAll("body *")].filter(
    (el) => el.getBoundingClientRect().right > edge + 1 && ![...el.children].some(
      (child) => child.getBoundingClientRect().right > edge + 1));
  const classes = (el) => typeof el.className === "string" ? el.className.trim() : "";
  const name = (el) => el.tagName.toLowerCase() +
    (classes(el) ? "." + classes(el).replaceAll(" ", ".") : "");
  return past.slice(0, 5).map(
    (el) => name(el) + " (" + Math.round(el.getBoundingClientRect().right) + " px)");
}"""


def serve(instance: Path, redis_url: str) -> tuple[str, object]:
    sys.path.insert(0, str(ROOT))
    from planner import create_app, demo, migrate
    from planner.db import db

    url = f"sqlite:///{instance / 'planner.db'}"
    app = create_app(
        {
            "PLANNER_ENV": "development",
            "PLANNER_INSTANCE": str(instance),
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "screenshots",
            "WTF_CSRF_ENABLED": True,
        }
    )
    migrate.upgrade(url)
    with app.app_context():
        demo.seed(db.session, instance, echo=lambda _line: None)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--page", action="append", help="a path to visit as well (no shot)")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    options.out.mkdir(parents=True, exist_ok=True)
    overflowing = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        instance = Path(tmp)
        base, server = serve(instance, options.redis)
        passwords = json.loads((instance / "demo-credentials.json").read_text())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill("approver@example.com")
            page.get_by_label("Password").fill(passwords["approver@example.com"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            visits = [(name, path, True) for name, path in PAGES.items()]
            visits += [(path, path, False) for path in options.page or []]
            for name, path, shoot in visits:
                page.goto(base + path)
                wide = page.evaluate("document.documentElement.scrollWidth")
                tall = page.evaluate("document.documentElement.scrollHeight")
                print(f"{size:6} {name:12} width {wide:5} px (viewport {width}), height {tall} px")
                if wide > width:
                    overflowing.append(f"{name} at {size}")
                    print("   wider than the screen:", ", ".join(page.evaluate(WIDEST)))
                if shoot:
                    page.screenshot(path=str(options.out / f"{name}-{size}.png"), full_page=False)
            context.close()
        browser.close()
        server.shutdown()  # type: ignore[attr-defined]
    if overflowing:
        print("scrolls sideways: " + ", ".join(overflowing))
        return 1
    print(f"screenshots in {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
