"""Helpers for the feed tests: calendar parsers that nobody here wrote, read into one shape
so that a test can ask each of them the same question.

- icalendar (Python; what many Python servers and tools use, khal among them),
- ical (Python; the strict RFC 5545 parser of Home Assistant),
- ical.js (Mozilla's, the parser Thunderbird uses), through node and tests/support/ical_js.mjs,
- node-ical (the parser of many Node.js apps, MagicMirror's calendar among them), through
  node and tests/support/node_ical.mjs,
- vdirsyncer (syncs a subscription into the folder khal and other vdir tools read): its
  http storage against the app on a real server, then the items it stored, read back.

A missing parser is a failure, never a skip: a skipped check proves nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream
from werkzeug.serving import make_server

from planner import feeds, workflow
from planner.models import Post
from tests.conftest import Browser, Team, future, signed_in

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = Path(__file__).resolve().parent
PARSERS = ("icalendar", "ical", "ical.js")
CALENDAR_FIELDS = (
    "prodid",
    "version",
    "calscale",
    "method",
    "name",
    "x_wr_calname",
    "x_wr_timezone",
    "refresh_interval",
    "x_published_ttl",
    "uid",
)


class NodeParser:
    """One node process running a JavaScript parser, fed a document per line."""

    def __init__(self, package: str, script: Path) -> None:
        if not (ROOT / "node_modules" / package).is_dir():
            pytest.fail(f"{package} is not installed: run `npm ci` (make test does)")
        self.package = package
        self.process = subprocess.Popen(
            ["node", str(script)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lock = threading.Lock()

    def parse(self, body: bytes) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            self.process.stdin.write(json.dumps(body.decode()) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise AssertionError(f"{self.package} rejected the feed: {answer['error']}")
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


class IcalJs(NodeParser):
    def __init__(self) -> None:
        super().__init__("ical.js", SUPPORT / "ical_js.mjs")


class NodeIcal(NodeParser):
    def __init__(self) -> None:
        super().__init__("node-ical", SUPPORT / "node_ical.mjs")


@pytest.fixture(scope="session")
def ical_js() -> Iterator[IcalJs]:
    parser = IcalJs()
    yield parser
    parser.close()


@pytest.fixture(scope="session")
def node_ical() -> Iterator[NodeIcal]:
    parser = NodeIcal()
    yield parser
    parser.close()


@dataclass
class Parsed:
    """What each parser read: the calendar's properties and the events by UID."""

    calendar: dict[str, dict[str, Any]]
    events: dict[str, dict[str, dict[str, Any]]]

    def agreed_calendar(self) -> dict[str, Any]:
        """The calendar properties, asserting that all three parsers read the same."""
        first = self.calendar["icalendar"]
        for parser in PARSERS[1:]:
            assert self.calendar[parser] == first, (parser, self.calendar[parser], first)
        return first

    def agreed_events(self) -> dict[str, dict[str, Any]]:
        """The events by UID, asserting that all three parsers read the same, field by field."""
        first = self.events["icalendar"]
        for parser in PARSERS[1:]:
            assert self.events[parser].keys() == first.keys(), parser
            for uid, fields in first.items():
                for name, value in fields.items():
                    got = self.events[parser][uid][name]
                    assert got == value, f"{parser} read {name} of {uid} as {got!r}, not {value!r}"
        return first


def _utc(value: datetime) -> datetime:
    assert value.tzinfo is not None, "a floating time: Google would read it as UTC"
    return value.astimezone(UTC)


def _from_icalendar(body: bytes) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    calendar = icalendar.Calendar.from_ical(body)

    def text(name: str) -> str | None:
        return str(calendar[name]) if name in calendar else None

    refresh = calendar.get("REFRESH-INTERVAL")
    properties = {
        "prodid": text("PRODID"),
        "version": text("VERSION"),
        "calscale": text("CALSCALE"),
        "method": text("METHOD"),
        "name": text("NAME"),
        "x_wr_calname": text("X-WR-CALNAME"),
        "x_wr_timezone": text("X-WR-TIMEZONE"),
        "refresh_interval": refresh.dt if refresh is not None else None,
        "refresh_value_type": refresh.params.get("VALUE") if refresh is not None else None,
        "x_published_ttl": text("X-PUBLISHED-TTL"),
        "uid": text("UID"),
    }
    events = {str(event["UID"]): _icalendar_event(event) for event in calendar.walk("VEVENT")}
    return properties, events


def _icalendar_event(event: icalendar.Event) -> dict[str, Any]:
    organizer = event["ORGANIZER"]
    return {
        "summary": str(event["SUMMARY"]),
        "description": str(event["DESCRIPTION"]),
        "dtstart": _utc(event.decoded("DTSTART")),
        "dtend": _utc(event.decoded("DTEND")),
        "dtstamp": _utc(event.decoded("DTSTAMP")),
        "last_modified": _utc(event.decoded("LAST-MODIFIED")),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "transp": str(event["TRANSP"]),
        "categories": [str(c) for c in event["CATEGORIES"].cats],
        "url": str(event["URL"]),
        "organizer": str(organizer),
        "organizer_cn": str(organizer.params["CN"]),
    }


def _from_ical(body: bytes) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    extras = {extra.name.lower(): extra.value for extra in calendar.extras}
    properties = {
        "prodid": calendar.prodid,
        "version": calendar.version,
        "calscale": calendar.calscale,
        "method": calendar.method,
        "name": calendar.name[0] if calendar.name else None,
        "x_wr_calname": extras.get("x-wr-calname"),
        "x_wr_timezone": calendar.x_wr_timezone,
        "refresh_interval": calendar.refresh_interval,
        # ical refuses REFRESH-INTERVAL without VALUE=DURATION, so reading it says it had it.
        "refresh_value_type": "DURATION" if calendar.refresh_interval else None,
        "x_published_ttl": extras.get("x-published-ttl"),
        "uid": calendar.uid,
    }
    events = {}
    for event in calendar.events:
        assert event.organizer is not None and event.status is not None
        events[event.uid] = {
            "summary": event.summary,
            "description": event.description,
            "dtstart": _utc(event.dtstart),  # type: ignore[arg-type]
            "dtend": _utc(event.dtend),  # type: ignore[arg-type]
            "dtstamp": _utc(event.dtstamp),
            "last_modified": _utc(event.last_modified),  # type: ignore[arg-type]
            "sequence": event.sequence,
            "status": event.status.value,
            "transp": event.transparency,
            "categories": list(event.categories),
            "url": str(event.url),
            "organizer": str(event.organizer.uri),
            "organizer_cn": event.organizer.common_name,
        }
    return properties, events


def _from_ical_js(parser: IcalJs, body: bytes) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    answer = parser.parse(body)
    cal = answer["calendar"]

    def instant(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    properties = {
        **{name: cal[name] for name in CALENDAR_FIELDS},
        "refresh_interval": _duration(cal["refresh_interval"]) if cal["refresh_interval"] else None,
        "refresh_value_type": (cal["refresh_interval_type"] or "").upper() or None,
    }
    events = {}
    for event in answer["events"]:
        assert event["dtstart_utc"], "ical.js did not read DTSTART as UTC"
        events[event["uid"]] = {
            "summary": event["summary"],
            "description": event["description"],
            "dtstart": instant(event["dtstart"]),
            "dtend": instant(event["dtend"]),
            "dtstamp": instant(event["dtstamp"]),
            "last_modified": instant(event["last_modified"]),
            "sequence": event["sequence"],
            "status": event["status"],
            "transp": event["transp"],
            "categories": event["categories"],
            "url": event["url"],
            "organizer": event["organizer"],
            "organizer_cn": event["organizer_cn"],
        }
    return properties, events


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    assert match, text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def read_node_ical(body: bytes, parser: NodeIcal) -> dict[str, dict[str, Any]]:
    """The feed's events by UID as node-ical reads them; None for a property it skipped."""

    def instant(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    events = {}
    for event in parser.parse(body)["events"]:
        assert event["dtstart_tz"] == "Etc/UTC", "node-ical did not read DTSTART as UTC"
        events[event["uid"]] = {
            "summary": event["summary"],
            "description": event["description"],
            "dtstart": instant(event["dtstart"]),
            "dtend": instant(event["dtend"]),
            "dtstamp": instant(event["dtstamp"]),
            "last_modified": instant(event["last_modified"]),
            "sequence": event["sequence"],
            "status": event["status"],
            "transp": event["transp"],
            "categories": event["categories"],
            "url": event["url"],
            "organizer": event["organizer"],
            "organizer_cn": event["organizer_cn"],
        }
    return events


def node_ical_reading(text: str) -> str:
    """`text` as node-ical reads it from a correct feed. Its own misreading: its `text()`
    unescapes `\\n` before `\\\\`, one replacement after the other instead of in one pass,
    so in the feed's `\\\\n` (a typed backslash, then n) it takes the second backslash and
    the n for a newline. A typed backslash followed by n or N comes back as a backslash and
    a newline."""
    return re.sub(r"(?<=\\)[nN]", "\n", text)


def vdirsyncer_sync(feed_url: str, folder: Path) -> list[bytes]:
    """Subscribe vdirsyncer to `feed_url` as a khal user does (an http storage paired with a
    filesystem storage), run `discover` and `sync`, and return the items it stored."""
    executable = Path(sys.executable).with_name("vdirsyncer")
    if not executable.exists():
        pytest.fail("vdirsyncer is not installed: run `make install` (pyproject's dev extra)")
    stored = folder / "calendar"
    stored.mkdir(parents=True)
    config = folder / "config"
    config.write_text(
        "[general]\n"
        f'status_path = "{folder / "status"}/"\n\n'
        "[pair plan]\n"
        'a = "plan_feed"\nb = "plan_folder"\ncollections = null\n'
        'conflict_resolution = "a wins"\n\n'
        "[storage plan_feed]\n"
        f'type = "http"\nurl = "{feed_url}"\n\n'
        "[storage plan_folder]\n"
        f'type = "filesystem"\npath = "{stored}/"\nfileext = ".ics"\n'
    )
    # vdirsyncer's HTTP client honours proxy variables; the app is on this machine.
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for command in ("discover", "sync"):
        result = subprocess.run(
            [str(executable), "--config", str(config), command],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"vdirsyncer {command}: {result.stdout}{result.stderr}"
    return [path.read_bytes() for path in sorted(stored.glob("*.ics"))]


def read_vdirsyncer_items(items: list[bytes]) -> dict[str, dict[str, Any]]:
    """The events of the items vdirsyncer stored, each read by icalendar (as khal does), by
    their URL; each item must be one calendar holding one event.

    By URL, not UID: vdirsyncer's http storage replaces every UID with a hash of the item
    (`vdirsyncer.storage.http.HttpStorage._ignore_uids` is set)."""
    events = {}
    for item in items:
        calendar = icalendar.Calendar.from_ical(item)
        [event] = calendar.walk("VEVENT")
        events[str(event["URL"])] = _icalendar_event(event)
    return events


def read_icalendar(body: bytes) -> dict[str, dict[str, Any]]:
    """The feed's events by UID as icalendar reads them."""
    return _from_icalendar(body)[1]


def parse_three(body: bytes, parser: IcalJs) -> Parsed:
    """The feed read by icalendar, ical and ical.js (each must accept it)."""
    readings = {
        "icalendar": _from_icalendar(body),
        "ical": _from_ical(body),
        "ical.js": _from_ical_js(parser, body),
    }
    return Parsed(
        {name: reading[0] for name, reading in readings.items()},
        {name: reading[1] for name, reading in readings.items()},
    )


# --- Planning and subscribing through the public functions ---------------------------------


def new_post(
    session: Any,
    team: Team,
    text: str = "Planned post",
    network: str = "x",
    at: datetime | None = None,
    author: str = "editor",
    category: str = "educational",
) -> Post:
    content = workflow.PostContent(team.channels[network], text, category, at or future())
    return workflow.create_post(session, team.user(author), team.workspace, content)


def approved_post(session: Any, team: Team, text: str = "Approved post", **kwargs: Any) -> Post:
    post = new_post(session, team, text, **kwargs)
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    return post


def subscribe(
    session: Any,
    team: Team,
    role: str = "viewer",
    channels: tuple[str, ...] = (),
    approved_only: bool = False,
    label: str = "Team calendar",
) -> str:
    """A subscription made through the domain function; returns the feed's path."""
    _, secret = feeds.create_token(
        session,
        team.workspace,
        team.user(role),
        label,
        [team.channels[name].id for name in channels],
        approved_only,
    )
    return f"/feeds/{secret}.ics"


def fetch(app: Any, path: str, **headers: str) -> Any:
    """GET as a calendar client does: no cookies, no session."""
    return app.test_client().get(path, headers=headers)


def uid(post: Post, host: str = "localhost") -> str:
    return f"post-{post.id}@{host}"


@pytest.fixture
def live_app_server(app: Any) -> Iterator[str]:
    """The app on a real werkzeug server (with its request log) on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


__all__ = [
    "Browser",
    "IcalJs",
    "NodeIcal",
    "Parsed",
    "approved_post",
    "fetch",
    "ical_js",
    "live_app_server",
    "new_post",
    "node_ical",
    "node_ical_reading",
    "parse_three",
    "read_icalendar",
    "read_node_ical",
    "read_vdirsyncer_items",
    "signed_in",
    "subscribe",
    "uid",
    "vdirsyncer_sync",
]
