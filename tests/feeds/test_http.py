"""The secret feed URL as calendar clients use it, against the real database."""

from __future__ import annotations

import gzip
import hashlib
import logging
import urllib.request
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from planner import feeds, workflow
from planner.models import FeedFragment, FeedRendering, FeedToken, Post
from planner.web import feeds as feed_views
from tests.conftest import future
from tests.support.feeds import (
    IcalJs,
    approved_post,
    fetch,
    ical_js,
    live_app_server,
    new_post,
    parse_three,
    subscribe,
    uid,
)

__all__ = ["ical_js", "live_app_server"]


def read(app, path: str, parser: IcalJs) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = fetch(app, path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse_three(response.get_data(), parser).agreed_events()


def test_a_subscriber_gets_the_plan_with_the_headers_a_secret_url_needs(app, session, team):
    post = new_post(session, team, "Five tips for brewing at home")
    response = fetch(app, subscribe(session, team))
    assert response.status_code == 200
    # RFC 5545 3.7.2: the body says METHOD:PUBLISH, so the media type does too.
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Set-Cookie" not in response.headers
    body = response.get_data()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert f"UID:{uid(post)}".encode() in body


def test_moving_a_post_changes_its_start_keeps_its_uid_and_raises_its_sequence(
    app, session, team, ical_js
):
    post = new_post(session, team, "Moving day", at=future(days=5, hour=9))
    path = subscribe(session, team)
    before = read(app, path, ical_js)[uid(post)]
    assert before["dtstart"] == future(days=5, hour=9)

    workflow.reschedule(session, team.user("editor"), post, post.version, future(days=6, hour=14))

    after = read(app, path, ical_js)
    assert list(after) == [uid(post)], "moved, not duplicated"
    assert after[uid(post)]["dtstart"] == future(days=6, hour=14)
    assert after[uid(post)]["dtend"] == future(days=6, hour=14) + timedelta(minutes=15)
    assert after[uid(post)]["sequence"] > before["sequence"]
    assert after[uid(post)]["last_modified"] >= before["last_modified"]


def test_a_new_post_has_sequence_zero_and_every_change_raises_it(app, session, team, ical_js):
    post = new_post(session, team, "Counting revisions", at=future(days=5))
    path = subscribe(session, team)
    sequences = [read(app, path, ical_js)[uid(post)]["sequence"]]
    editor = team.user("editor")
    edited = workflow.PostContent(
        post.channel, "Counting revisions, edited", post.category, post.scheduled_at
    )
    workflow.edit_post(session, editor, post, post.version, edited)
    sequences.append(read(app, path, ical_js)[uid(post)]["sequence"])
    workflow.reschedule(session, editor, post, post.version, future(days=6))
    sequences.append(read(app, path, ical_js)[uid(post)]["sequence"])
    # Two changes: in review, then approved.
    workflow.submit(session, editor, post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    sequences.append(read(app, path, ical_js)[uid(post)]["sequence"])
    workflow.cancel(session, editor, post, post.version)
    sequences.append(read(app, path, ical_js)[uid(post)]["sequence"])
    assert sequences == [0, 1, 2, 4, 5]


def test_a_feed_rendered_by_older_code_is_rendered_again_after_an_upgrade(
    app, session, team, ical_js, monkeypatch
):
    post = new_post(session, team, "Autumn menu\u2028pumpkin soup")
    path = subscribe(session, team)
    # What the previous format left in the database: its rendering and the post's fragment,
    # the separator raw and SEQUENCE = version, under its own format's keys.
    monkeypatch.setattr(feeds.ical, "FORMAT", "1")
    monkeypatch.setattr(feeds.store, "FORMAT", "1")
    assert fetch(app, path).status_code == 200
    monkeypatch.undo()

    def as_older_code_wrote(body: bytes) -> bytes:
        return body.replace(b"Autumn menu\\npumpkin", "Autumn menu\u2028pumpkin".encode()).replace(
            b"SEQUENCE:0", b"SEQUENCE:1"
        )

    for table in (FeedRendering, FeedFragment):
        for row in session.scalars(sa.select(table)):
            row.body = as_older_code_wrote(row.body)
    session.commit()
    # The upgraded web process starts without the bytes the old one kept in memory.
    feed_views.BODIES.clear()

    body = fetch(app, path).get_data()
    assert "\u2028".encode() not in body
    event = parse_three(body, ical_js).agreed_events()[uid(post)]
    assert event["description"].startswith("Autumn menu\npumpkin soup\n\n")
    assert event["sequence"] == 0


def test_cancelling_a_post_sends_it_as_cancelled_for_thirty_days(app, session, team, ical_js):
    post = new_post(session, team, "Called off")
    path = subscribe(session, team)
    assert read(app, path, ical_js)[uid(post)]["status"] == "TENTATIVE"

    workflow.cancel(session, team.user("editor"), post, post.version)
    assert read(app, path, ical_js)[uid(post)]["status"] == "CANCELLED"

    # A month and a day later the clients have had their chance to remove it.
    session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values(updated_at=datetime.now(UTC) - timedelta(days=31))
    )
    session.commit()
    assert uid(post) not in read(app, path, ical_js)


def test_approval_turns_a_tentative_post_confirmed(app, session, team, ical_js):
    post = new_post(session, team, "Waiting for a yes")
    path = subscribe(session, team)
    assert read(app, path, ical_js)[uid(post)]["status"] == "TENTATIVE"
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    assert read(app, path, ical_js)[uid(post)]["status"] == "CONFIRMED"


def test_a_channel_filter_shows_only_those_channels(app, session, team, ical_js):
    on_x = new_post(session, team, "On X", "x")
    on_mastodon = new_post(session, team, "On Mastodon", "mastodon")
    on_linkedin = new_post(session, team, "On LinkedIn", "linkedin")
    path = subscribe(session, team, channels=("mastodon", "linkedin"))
    assert set(read(app, path, ical_js)) == {uid(on_mastodon), uid(on_linkedin)}
    assert uid(on_x) not in read(app, subscribe(session, team, channels=("mastodon",)), ical_js)


def test_approved_only_shows_approved_posts_and_removes_them_when_the_approval_goes(
    app, session, team, ical_js
):
    draft = new_post(session, team, "Still a draft")
    approved = approved_post(session, team, "Signed off")
    later_cancelled = approved_post(session, team, "Signed off, then called off")
    workflow.cancel(session, team.user("editor"), later_cancelled, later_cancelled.version)
    path = subscribe(session, team, approved_only=True)
    events = read(app, path, ical_js)
    assert set(events) == {uid(approved), uid(later_cancelled)}
    assert events[uid(approved)]["status"] == "CONFIRMED"
    assert events[uid(later_cancelled)]["status"] == "CANCELLED"
    assert uid(draft) not in events

    # Moving an approved post takes it back to draft: it leaves the approved-only feed.
    workflow.reschedule(session, team.user("editor"), approved, approved.version, future(days=9))
    assert uid(approved) not in read(app, path, ical_js)


def test_a_revoked_token_gets_the_same_404_as_one_that_never_existed(app, session, team):
    new_post(session, team)
    path = subscribe(session, team)
    assert fetch(app, path).status_code == 200
    token = session.scalar(sa.select(FeedToken))
    feeds.revoke_token(session, token)

    revoked = fetch(app, path)
    unknown = fetch(app, "/feeds/" + "A" * 43 + ".ics")
    malformed = fetch(app, "/feeds/not-a-token.ics")
    for response in (revoked, unknown, malformed):
        assert response.status_code == 404
        assert response.get_data() == revoked.get_data()
        assert response.headers["Content-Type"] == revoked.headers["Content-Type"]
        assert "Set-Cookie" not in response.headers
        assert response.headers["X-Robots-Tag"] == "noindex"
    # Nothing of the revoked feed is kept.
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedRendering)) == 0


def test_an_unchanged_feed_answers_304_to_its_etag_and_to_its_date(app, session, team):
    new_post(session, team)
    path = subscribe(session, team)
    first = fetch(app, path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = fetch(app, path, **{"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.get_data() == b""
    assert by_etag.headers["ETag"] == etag
    assert by_etag.headers["Cache-Control"] == "private, max-age=900"
    assert fetch(app, path, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert fetch(app, path, **{"If-Modified-Since": modified}).status_code == 304
    # If-None-Match decides when both are sent (RFC 9110).
    both = fetch(app, path, **{"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200

    # A change makes the old validators stale.
    post = new_post(session, team, "Something new")
    changed = fetch(app, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and f"UID:{uid(post)}".encode() in changed.get_data()
    assert changed.headers["ETag"] != etag


def test_gzip_is_sent_when_accepted_with_its_own_etag(app, session, team):
    for day in range(1, 30):
        new_post(session, team, f"Post of day {day}, with some words", at=future(days=day))
    path = subscribe(session, team)
    plain = fetch(app, path)
    zipped = fetch(app, path, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"].startswith("Accept-Encoding")
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
    assert "Content-Encoding" not in fetch(app, path, **{"Accept-Encoding": "gzip;q=0"}).headers
    again = fetch(app, path, **{"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == zipped.headers["ETag"]


def test_a_stored_fresh_rendering_is_served_as_it_is(app, session, team):
    new_post(session, team)
    path = subscribe(session, team)
    fetch(app, path)
    rendered_at = session.scalar(sa.select(FeedRendering.rendered_at))
    for _ in range(3):
        assert fetch(app, path).status_code == 200
    session.expire_all()
    assert session.scalar(sa.select(FeedRendering.rendered_at)) == rendered_at


def test_without_a_worker_the_next_request_renders_the_change_inline(app, session, team):
    path = subscribe(session, team)
    assert b"BEGIN:VEVENT" not in fetch(app, path).get_data()
    post = new_post(session, team, "Added while no worker runs")
    assert f"UID:{uid(post)}".encode() in fetch(app, path).get_data()


def test_renaming_a_channel_renders_the_feed_again(app, session, team, ical_js):
    post = new_post(session, team, "Renamed channel", "mastodon")
    path = subscribe(session, team)
    assert read(app, path, ical_js)[uid(post)]["summary"].startswith("[Mastodon] ")
    team.channels["mastodon"].name = "Fediverse"
    session.commit()
    assert read(app, path, ical_js)[uid(post)]["summary"].startswith("[Fediverse] ")


def test_a_damaged_stored_rendering_is_rendered_again_never_served_in_part(app, session, team):
    new_post(session, team)
    path = subscribe(session, team)
    whole = fetch(app, path).get_data()
    for damaged in (whole[: len(whole) // 2], b""):
        session.execute(sa.update(FeedRendering).values(body=damaged))
        session.commit()
        feed_views.BODIES.clear()  # as in another web process
        response = fetch(app, path)
        assert response.status_code == 200 and response.get_data() == whole
        session.expire_all()
        assert session.scalar(sa.select(FeedRendering.body)) == whole


@pytest.fixture
def refusing_writes(app, session):  # type: ignore[no-untyped-def]
    """The database refuses to store renderings (a full disk, a read-only replica)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(
            sa.text(
                "CREATE FUNCTION refuse_feed() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'no space left'; END $$"
            )
        )
        session.execute(
            sa.text(
                "CREATE TRIGGER refuse_feed BEFORE INSERT OR UPDATE ON feed_renderings "
                "FOR EACH ROW EXECUTE FUNCTION refuse_feed()"
            )
        )
    else:
        for event in ("INSERT", "UPDATE"):
            session.execute(
                sa.text(
                    f"CREATE TRIGGER refuse_feed_{event} BEFORE {event} ON feed_renderings "
                    "BEGIN SELECT RAISE(ABORT, 'no space left'); END"
                )
            )
    session.commit()
    yield
    if postgres:
        session.execute(sa.text("DROP TRIGGER refuse_feed ON feed_renderings"))
        session.execute(sa.text("DROP FUNCTION refuse_feed()"))
    else:
        for event in ("INSERT", "UPDATE"):
            session.execute(sa.text(f"DROP TRIGGER refuse_feed_{event}"))
    session.commit()


def test_a_feed_that_cannot_be_rendered_gets_503_not_a_stale_or_empty_200(
    app, session, team, refusing_writes, caplog
):
    new_post(session, team)
    path = subscribe(session, team)
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    response = fetch(app, path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Cache-Control"] == "no-store"
    assert b"BEGIN:VCALENDAR" not in response.get_data()
    assert "outcome=error" in caplog.text and secret not in caplog.text


def test_the_feed_keeps_thirty_days_back_and_twelve_months_ahead(app, session, team, ical_js):
    posts = {days: new_post(session, team, f"{days} days", at=future(days=1)) for days in
             (-40, -29, 360, 380)}  # fmt: skip
    for days, post in posts.items():
        # Time passes (the past ones) or they were planned far ahead (the later ones).
        session.execute(
            sa.update(Post).where(Post.id == post.id).values(scheduled_at=future(days=days))
        )
    session.commit()
    events = read(app, subscribe(session, team), ical_js)
    assert set(events) == {uid(posts[-29]), uid(posts[360])}


def test_a_feed_holds_at_most_the_configured_number_of_events(app, session, team):
    app.config["FEED_MAX_EVENTS"] = 3
    posts = [new_post(session, team, f"Post {i}", at=future(days=i)) for i in range(1, 6)]
    body = fetch(app, subscribe(session, team)).get_data()
    assert body.count(b"BEGIN:VEVENT") == 3
    assert f"UID:{uid(posts[0])}".encode() in body and f"UID:{uid(posts[4])}".encode() not in body


def _next_transitions(tz: ZoneInfo, count: int) -> list[date]:
    """The next days on which the zone's UTC offset changes."""
    found: list[date] = []
    day = datetime.now(UTC).date() + timedelta(days=2)
    while len(found) < count:
        noon = datetime.combine(day, time(12), tzinfo=tz)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            found.append(day)
        day += timedelta(days=1)
    return found


def test_posts_across_daylight_saving_changes_keep_their_local_time(app, session, team, ical_js):
    berlin = ZoneInfo("Europe/Berlin")
    path = subscribe(session, team)
    for change in _next_transitions(berlin, 2):
        before_day, after_day = change - timedelta(days=3), change + timedelta(days=1)
        at_nine = [datetime.combine(d, time(9), tzinfo=berlin) for d in (before_day, after_day)]
        posts = [new_post(session, team, "Nine o'clock post", at=at) for at in at_nine]
        events = read(app, path, ical_js)
        for at, post in zip(at_nine, posts, strict=True):
            event = events[uid(post)]
            assert event["dtstart"] == at.astimezone(UTC)
            assert f"{at:%a %d %b %Y} 09:00 Europe/Berlin" in event["description"]
        offsets = {at.utcoffset() for at in at_nine}
        assert len(offsets) == 2, "the two posts sit on either side of the change"
        starts = [events[uid(p)]["dtstart"] for p in posts]
        assert (starts[1] - starts[0]) != timedelta(days=(after_day - before_day).days)


def test_the_token_is_stored_only_as_its_hash(app, session, team):
    path = subscribe(session, team)
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    assert len(secret) == 43
    token = session.scalar(sa.select(FeedToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    fetch(app, path)
    for table in ("feed_tokens", "feed_renderings", "feed_fragments"):
        for row in session.execute(sa.text(f"SELECT * FROM {table}")):
            assert all(secret.encode() not in str(value).encode() for value in row)


@pytest.mark.parametrize("accept", ["", "gzip"])
def test_the_request_log_never_shows_the_token(app, session, team, live_app_server, caplog, accept):
    new_post(session, team)
    path = subscribe(session, team)
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    caplog.set_level(logging.INFO)
    for url in (live_app_server + path, live_app_server + "/feeds/" + "B" * 43 + ".ics"):
        request = urllib.request.Request(url, headers={"Accept-Encoding": accept})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as error:
            assert error.code == 404
    logged = caplog.text
    assert "GET /feeds/<hidden>" in logged, logged
    assert secret not in logged and "B" * 43 not in logged
