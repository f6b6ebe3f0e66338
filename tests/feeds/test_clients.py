"""The feed of a real plan, fetched from the app on a real server, as five calendar parsers
read it: icalendar, ical and ical.js (which must agree field by field), node-ical, and
vdirsyncer syncing the subscription into the folder khal reads.

The plan holds what people paste and type: line and paragraph separators from word
processors and PDFs, a typed backslash-n, leading spaces, emoji, CJK and right-to-left text.
Each parser must read each post's text back as the feed promises it (`feeds.clean_text`),
except where the parser itself misreads a correct feed; each such misreading is modelled
below, with its cause in the parser, rather than worked around in the feed.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

from planner import feeds
from tests.conftest import future
from tests.support.feeds import (
    IcalJs,
    NodeIcal,
    ical_js,
    live_app_server,
    new_post,
    node_ical,
    node_ical_reading,
    parse_three,
    read_icalendar,
    read_node_ical,
    read_vdirsyncer_items,
    subscribe,
    uid,
    vdirsyncer_sync,
)

__all__ = ["ical_js", "live_app_server", "node_ical"]

PLAN = {
    "separators": "Autumn menu\u2028pumpkin soup\u2029chestnut cake\x85and more",
    "office breaks": "Slide title\x0bsubtitle, as PowerPoint copies it\x0cnext page",
    "line endings": "Windows line\r\nold Mac line\rUnix line\nend",
    "typed escapes": r"A typed \n, a path C:\new\notes, \N, \\n and \, stay as typed",
    "leading spaces": "    four spaces first\n  and two on the second line",
    "emoji": "Launch day 🎉🚀 with the 👩‍👩‍👧 and 🏳️‍🌈, all welcome",
    "cjk": "秋のメニュー：栗のケーキ、始めました。新品上市，欢迎品尝！",
    "right to left": "תפריט הסתיו כאן: מרק דלעת. مرحبا بكم في قائمة الخريف",
    "punctuation": 'Tips, tricks; and "quotes": a \\ backslash, ^carets^ and a tab\there',
    # Enough spaces that one folded line of the DESCRIPTION holds nothing else.
    "wide gap": "Before" + " " * 160 + "after",
}
# The live server's address, which the feed's UIDs carry without SERVER_NAME.
HOST = "127.0.0.1"
RAW_NEVER = ("\u2028", "\u2029", "\x85", "\x0b", "\x0c")


# vdirsyncer's own misreading: its lazy parser (vdirsyncer.vobject._Component.parse) drops
# every line that is only whitespace, and a folded line is one when a post has a run of 74
# or more spaces, so the item it stores lacks those spaces. RFC 5545 lets a fold fall
# anywhere, so no folding avoids this for a run of 147 spaces or more.
_WHITESPACE_LINE = re.compile(rb"\r\n[ \t]+(?=\r\n)")


def test_every_client_reads_pasted_and_typed_text_back(
    app, session, team, live_app_server, ical_js: IcalJs, node_ical: NodeIcal, tmp_path: Path
):
    posts = {
        name: new_post(session, team, text, network="linkedin", at=future(days=day))
        for day, (name, text) in enumerate(PLAN.items(), start=1)
    }
    url = live_app_server + subscribe(session, team)
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
        body = response.read()

    text = body.decode()
    for character in RAW_NEVER:
        assert character not in text, f"U+{ord(character):04X} raw in the feed"
    assert re.search("\r(?!\n)|(?<!\r)\n", text) is None, "a bare CR or LF in the feed"

    # icalendar, ical and ical.js read every field alike, and each text as promised.
    agreed = parse_three(body, ical_js).agreed_events()
    assert set(agreed) == {uid(post, HOST) for post in posts.values()}
    for name, post in posts.items():
        fields = agreed[uid(post, HOST)]
        assert fields["summary"] == feeds.summary_for("Linkedin", PLAN[name])
        assert fields["description"].startswith(feeds.clean_text(PLAN[name]) + "\n\nStatus: ")
        assert fields["description"].endswith(f"/posts/{post.id}")
    assert agreed[uid(posts["separators"], HOST)]["description"].startswith(
        "Autumn menu\npumpkin soup\nchestnut cake\nand more\n\n"
    )
    assert agreed[uid(posts["separators"], HOST)]["summary"] == (
        "[Linkedin] Autumn menu pumpkin soup chestnut cake and more"
    )
    assert agreed[uid(posts["typed escapes"], HOST)]["description"].startswith(
        PLAN["typed escapes"]
    )
    assert agreed[uid(posts["leading spaces"], HOST)]["description"].startswith("    four spaces")

    # node-ical: every field, the text as it misreads a typed backslash-n.
    read = read_node_ical(body, node_ical)
    assert set(read) == set(agreed)
    for key, fields in agreed.items():
        expected = {
            **fields,
            "summary": node_ical_reading(fields["summary"]),
            "description": node_ical_reading(fields["description"]),
        }
        assert read[key] == expected, key
    typed = read[uid(posts["typed escapes"], HOST)]["description"]
    assert typed.startswith("A typed \\\n, a path C:\\\new\\\notes, \\\n, \\\\\n and \\, stay")

    # vdirsyncer against the server, then the items it stored, read back: one per post,
    # each with its status, text and link, but the spaces of a folded line made only of them.
    stored = read_vdirsyncer_items(vdirsyncer_sync(url, tmp_path / "vdirsyncer"))
    assert stored == by_url(read_icalendar(_WHITESPACE_LINE.sub(b"", body)))
    assert stored.keys() == by_url(agreed).keys()
    for name, post in posts.items():
        fields = agreed[uid(post, HOST)]
        if name != "wide gap":
            assert stored[fields["url"]] == fields, name
    gap = agreed[uid(posts["wide gap"], HOST)]
    kept = stored[gap["url"]]
    assert kept == {**gap, "description": kept["description"]}
    assert kept["description"].startswith("Before ")
    assert kept["description"].replace(" ", "") == gap["description"].replace(" ", "")
    assert len(kept["description"]) < len(gap["description"])


def by_url(events: dict[str, dict]) -> dict[str, dict]:
    return {fields["url"]: fields for fields in events.values()}
