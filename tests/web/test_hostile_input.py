"""Every route of the app, driven with hostile ids, strings and bodies (hypothesis): the answer
is whatever fits, but never a 500. Runs on SQLite and PostgreSQL alike (issue 14)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from planner import tokens, workflow
from tests.conftest import Browser, future

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "0",
    "-1",
    "2147483648",
    "9" * 40,
    "٣",
    "²",
    "1e9",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2031-02-30",
    "2031-03-30T02:30",
    "25:61",
    "x" * 5000,
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "http://127.0.0.1:6379/",
    "http://[::ffff:127.0.0.1]/",
    "../../etc/passwd",
    "localtime",
    "posixrules",
    "Europe/Berlin",
    "'=1+1",
    "\u202e\u2066",
    "🙂" * 300,
    "%00",
    "a" * 300,
]
HOSTILE_IDS = ["0", "1", "2", "3", "2147483647", "2147483648", str(2**63), "9" * 30]
FIELDS = [
    "text", "channel_id", "category", "date", "time", "version", "email", "role", "timezone",
    "name", "label", "secret", "target_url", "network", "publisher_kind", "handle", "comment",
    "override_reason", "post", "csv", "confirm", "password", "current", "display_name",
    "channels", "scope", "preset", "action", "body", "creation_key", "next", "submit_for_review",
]  # fmt: skip
QUERY = ["date", "month", "next", "channel", "status", "category", "from", "to", "finding",
         "limit", "offset", "rule", "severity", "time"]  # fmt: skip


def text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))


def json_value() -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        text(),
        st.sampled_from(["\ud800", "a\udfffb"]),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=False),
    )
    return st.one_of(
        scalar, st.lists(scalar, max_size=3), st.dictionaries(text(), scalar, max_size=3)
    )


@pytest.fixture
def fuzz_app(app, session, team):  # type: ignore[no-untyped-def]
    """The app with CSRF off (so forms reach their validation) and things to hit: posts in
    several states, a feed subscription, an API token."""
    app.config["WTF_CSRF_ENABLED"] = False
    for days, text_ in ((2, "Hello there"), (3, "What do you think?")):
        content = workflow.PostContent(team.channels["x"], text_, "brand", future(days))
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    workflow.submit(session, team.user("editor"), post, post.version)
    _, secret = tokens.create_api_token(session, team.user("admin"), team.workspace, "fuzz")
    return app, team, secret


def _path(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", values[name]).replace(f"<{name}>", values[name])
    # <any(a, b):action> converters: take the first choice.
    while "<any(" in path:
        start = path.index("<any(")
        end = path.index(">", start)
        choice = path[start + 5 : path.index(")", start)].split(",")[0].strip()
        path = path[:start] + choice + path[end + 1 :]
    return path


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_route_answers_500_to_hostile_input(fuzz_app, data):  # type: ignore[no-untyped-def]
    app, team, secret = fuzz_app
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )
    rule = data.draw(st.sampled_from(rules), label="route")
    methods = sorted(m for m in rule.methods or () if m in ("GET", "POST", "PATCH"))
    method = data.draw(st.sampled_from(methods), label="method")
    values = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = data.draw(
                st.sampled_from([team.workspace.slug, team.other_workspace.slug, "nope", "..%2F"])
            )
        elif f"<int:{name}>" in rule.rule:
            values[name] = data.draw(st.sampled_from(HOSTILE_IDS))
        else:
            values[name] = data.draw(st.sampled_from(["x", "a" * 43, "%00", "..", "٣٣"]))
    path = _path(rule, values)
    query = data.draw(st.dictionaries(st.sampled_from(QUERY), text(), max_size=3), label="query")
    client = app.test_client()
    browser = Browser(client)
    assert browser.login("admin@example.com").status_code == 302
    headers = {}
    kwargs: dict[str, Any] = {"query_string": query}
    if path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {secret}"
    if method != "GET":
        if path.startswith("/api/") or data.draw(st.booleans(), label="json body"):
            body = data.draw(st.dictionaries(st.sampled_from(FIELDS), json_value(), max_size=5))
            kwargs["data"] = json.dumps(body)
            headers["Content-Type"] = "application/json"
        else:
            kwargs["data"] = data.draw(
                st.dictionaries(st.sampled_from(FIELDS), text(), max_size=6), label="form"
            )
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert response.status_code < 500, (method, path, query, kwargs.get("data"))
