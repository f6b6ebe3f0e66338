"""Connection health: a login the target refuses marks the channel "needs reconnecting" and
holds its posts (the admins are told once); reconnecting releases them; the workers check every
channel daily and before a local day's first post, once per tick however many of them run.

Real Redis, real RQ workers, a local HTTP sink (webhook, Mastodon) and a local AT Protocol
server (Bluesky) on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from planner import connections, events, metrics, workflow
from planner.cli import main
from planner.db import utcnow
from planner.models import AuditEvent, Channel, Post, Status
from planner.publishers import LoginRejected, Settings, for_channel
from planner.publishers.bluesky import forget_sessions
from tests.conftest import PUBLISHING, future, signed_in
from tests.support.pds import Pds
from tests.support.publishing import (
    approved_post,
    channel,
    make_due,
    start_worker,
    stop,
    wait_for,
)
from tests.workers.test_publish import audit, fresh, publish, run_jobs
from workers.connections import check_channel
from workers.publish import sweep


@pytest.fixture
def pds():  # type: ignore[no-untyped-def]
    forget_sessions()
    server = Pds().start()
    yield server
    server.stop()
    forget_sessions()


@pytest.fixture
def pub(app, redis_db):  # type: ignore[no-untyped-def]
    app.config.update(PUBLISH_BACKOFF_SECONDS=0.3, PUBLISH_MAX_ATTEMPTS=3)
    return app


@pytest.fixture
def told():  # type: ignore[no-untyped-def]
    """The events emitted meanwhile, as the notifications listener would hear them."""
    heard: list[events.Event] = []

    def listener(_session, event: events.Event) -> None:  # type: ignore[no-untyped-def]
        heard.append(event)

    events.listeners.append(listener)
    yield heard
    events.listeners.remove(listener)


def reconnect_events(heard: list[events.Event]) -> list[events.Event]:
    return [e for e in heard if e.kind == events.CHANNEL_NEEDS_RECONNECTING]


def part(app, session, team, target, text, thread=None, days=2):  # type: ignore[no-untyped-def]
    """An approved post, optionally a part of a thread."""
    with app.app_context():
        content = workflow.PostContent(target, text, "educational", future(days), thread=thread)
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    return post


def fresh_channel(session, target: Channel) -> Channel:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Channel, target.id)


def settle(app, session, redis_db, posts, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    """Run jobs (and their backoff retries) until no post is approved or publishing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_jobs(app, redis_db)
        if all(fresh(session, p).status not in (Status.approved, Status.publishing) for p in posts):
            return
        time.sleep(0.3)


# --- Bluesky through the worker ----------------------------------------------------------------


def test_a_bluesky_thread_goes_out_in_order_each_part_replying_to_the_one_before(
    pub, session, team, pds, redis_db
):
    sky = channel(session, team, "bluesky", pds.url, secret=pds.password, handle="acme.test")
    first = part(pub, session, team, sky, "1/2 We are opening a shop #news", thread="shop")
    second = part(pub, session, team, sky, "2/2 Come by on Saturday", thread="shop")
    # Both due (the second a second later), and the second's job runs first: it waits for
    # the first part, which goes out, and then goes out as its reply.
    make_due(session, second)
    make_due(session, first, seconds_ago=1)
    assert publish(pub, second.id, second.approved_version) == "retry"
    assert pds.posts() == []
    settle(pub, session, redis_db, [first, second])
    one, two = fresh(session, first), fresh(session, second)
    assert one.status == two.status == Status.published
    assert pds.problems == []
    records = pds.posts()
    assert [r["text"] for r in records] == [one.text, two.text]
    assert records[1]["reply"]["parent"]["uri"] == one.external_id
    assert records[1]["reply"]["root"]["uri"] == one.external_id
    assert one.external_url.startswith(f"https://bsky.app/profile/{pds.did}/post/")
    assert records[0]["facets"][0]["features"][0]["tag"] == "news"


def test_a_mastodon_thread_goes_out_in_order_each_part_answering_the_one_before(
    pub, session, team, sink, redis_db
):
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    first = part(pub, session, team, toots, "1/2 We are opening a shop", thread="shop")
    second = part(pub, session, team, toots, "2/2 Come by on Saturday", thread="shop")
    make_due(session, second)
    make_due(session, first, seconds_ago=1)
    assert publish(pub, second.id, second.approved_version) == "retry"
    settle(pub, session, redis_db, [first, second])
    one, two = fresh(session, first), fresh(session, second)
    assert one.status == two.status == Status.published
    statuses = sorted(sink.statuses.values(), key=lambda s: int(s["id"]))
    assert [s["content"] for s in statuses] == [one.text, two.text]
    assert statuses[0]["in_reply_to_id"] is None
    assert statuses[1]["in_reply_to_id"] == one.external_id


def test_a_bluesky_app_password_that_stops_working_holds_the_posts(
    pub, session, team, pds, redis_db, told
):
    sky = channel(session, team, "bluesky", pds.url, secret=pds.password, handle="acme.test")
    post = approved_post(pub, session, team, sky, "Held, not failed")
    pds.password = "revoked"
    pds.revoke_sessions()
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "held"
    held = fresh(session, post)
    assert held.status == Status.approved and "refused the channel's login" in held.last_error
    assert fresh_channel(session, sky).needs_reconnecting
    assert [e.channel_id for e in reconnect_events(told)] == [sky.id]


# --- A refused login holds the channel's posts ---------------------------------------------------


def test_a_401_marks_the_channel_holds_its_posts_and_tells_the_admins_once(
    pub, session, team, sink, redis_db, told
):
    sink.script = [(401, {}, 0.0)]
    sink.head_script = [401] * 5  # the receiver refuses the old secret on its checks too
    hook = channel(session, team, "webhook", f"{sink.url}/hook", secret="old-secret")
    posts = [approved_post(pub, session, team, hook, f"Post {n}") for n in range(3)]
    for post in posts:
        make_due(session, post)
    run_jobs(pub, redis_db)
    # One request was refused; the other posts were never sent, and nothing failed.
    assert len(sink.received) == 1
    assert [fresh(session, p).status for p in posts] == [Status.approved] * 3
    marked = fresh_channel(session, hook)
    assert marked.needs_reconnecting_at is not None
    reason = marked.needs_reconnecting_reason
    assert "refused the channel's credentials" in reason and "(HTTP 401)" in reason
    refused = next(p for p in posts if fresh(session, p).last_error)
    assert fresh(session, refused).last_error.startswith(f"held until {hook.name} is reconnected")
    assert "publish_held" in audit(session, refused)
    assert "publish_failed" not in audit(session, refused)
    [event] = reconnect_events(told)
    assert (event.workspace_id, event.channel_id) == (team.workspace.id, hook.id)
    assert event.data["reason"] == marked.needs_reconnecting_reason
    assert not [e for e in told if e.kind == events.FAILED]
    # The sweeper leaves held posts alone, and they are never marked missed while held; the
    # workers' own check of the channel (due: it was never checked) fails as well.
    for post in posts:
        make_due(session, post, seconds_ago=3 * 3600)
    with pub.app_context():
        swept = sweep()
        assert swept["enqueued"] == 0 and swept["checks"] >= 1
        assert publish(pub, posts[0].id, posts[0].approved_version) == "held"
    run_jobs(pub, redis_db)
    assert len(sink.heads) == 1
    assert [fresh(session, p).status for p in posts] == [Status.approved] * 3
    assert len(sink.received) == 1 and len(reconnect_events(told)) == 1
    with pub.app_context():
        scraped = metrics.exposition(pub).decode()
    assert "planner_channels_needing_reconnect 1.0" in scraped
    assert 'planner_publish_events_total{outcome="held"} 1.0' in scraped


def test_a_503_retries_as_before_and_leaves_the_channel_alone(
    pub, session, team, sink, redis_db, told
):
    sink.script = [(503, {}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = approved_post(pub, session, team, hook)
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "retry"
    assert not fresh_channel(session, hook).needs_reconnecting
    settle(pub, session, redis_db, [post])
    assert fresh(session, post).status == Status.published
    assert reconnect_events(told) == []


def test_a_passing_test_reconnects_the_channel_and_releases_its_held_posts(
    pub, session, team, sink, redis_db, told
):
    sink.script = [(403, {}, 0.0)]
    hook = channel(session, team, "webhook", f"{sink.url}/hook", secret="s3cret")
    recent = approved_post(pub, session, team, hook, "Still in time")
    stale = approved_post(pub, session, team, hook, "Too late now")
    make_due(session, recent)
    make_due(session, stale)
    run_jobs(pub, redis_db)
    assert fresh_channel(session, hook).needs_reconnecting
    make_due(session, recent, seconds_ago=10 * 60)
    make_due(session, stale, seconds_ago=2 * 3600)  # the grace period is an hour
    admin = signed_in(pub, "admin@example.com")
    page = admin.post(
        f"/w/{team.workspace.slug}/channels/{hook.id}/test", follow_redirects=True
    ).get_data(as_text=True)
    assert "The channel is reconnected: 1 held post going out now" in page
    run_jobs(pub, redis_db)
    assert fresh(session, recent).status == Status.published
    missed = fresh(session, stale)
    assert missed.status == Status.failed and missed.last_error.startswith("missed: it was due")
    assert f"while {hook.name} needed reconnecting" in missed.last_error
    assert not fresh_channel(session, hook).needs_reconnecting
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.post_id.is_(None)).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["channel_needs_reconnecting", "channel_reconnected"]
    assert len(reconnect_events(told)) == 1


def test_a_new_secret_reconnects_a_mastodon_channel_and_its_posts_go_out(
    pub, session, team, sink, redis_db, told
):
    toots = channel(session, team, "mastodon", sink.url, secret="expired-token")
    post = approved_post(pub, session, team, toots, "Back online")
    admin = signed_in(pub, "admin@example.com")
    base = f"/w/{team.workspace.slug}/channels/{toots.id}"
    for _ in range(2):  # tested twice, told once
        page = admin.post(f"{base}/test", follow_redirects=True).get_data(as_text=True)
        assert "connection test failed" in page and "needs reconnecting" in page
    assert len(reconnect_events(told)) == 1
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "held"
    assert sink.created == 0
    form = {
        "network": "mastodon",
        "name": toots.name,
        "handle": "",
        "publisher_kind": "mastodon",
        "target_url": sink.url,
        "secret": "good-token",
    }
    assert admin.post(f"{base}/edit", form).status_code == 302
    assert not fresh_channel(session, toots).needs_reconnecting
    run_jobs(pub, redis_db)
    assert fresh(session, post).status == Status.published and sink.created == 1


def test_needing_reconnecting_shows_on_the_calendar_the_channels_and_the_publishing_page(
    pub, session, team, sink, redis_db
):
    toots = channel(session, team, "mastodon", sink.url, secret="expired-token")
    post = approved_post(pub, session, team, toots, "Waiting for a login", days=1)
    admin = signed_in(pub, "admin@example.com")
    admin.post(f"/w/{team.workspace.slug}/channels/{toots.id}/test")
    slug = team.workspace.slug
    reason = "refused the channel&#39;s credentials"
    week = admin.get(
        f"/w/{slug}/?date={post.scheduled_at.astimezone(ZoneInfo('Europe/Berlin')).date()}"
    ).get_data(as_text=True)
    assert "1 channel needs reconnecting" in week and reason in week
    assert f"reconnect {toots.name}" in week and "held: channel needs reconnecting" in week
    month = admin.get(f"/w/{slug}/month").get_data(as_text=True)
    assert "1 channel needs reconnecting" in month
    channels_page = admin.get(f"/w/{slug}/channels/").get_data(as_text=True)
    assert "Needs reconnecting" in channels_page and reason in channels_page
    publishing = admin.get(f"/w/{slug}/publishing/").get_data(as_text=True)
    assert "Channels that need reconnecting" in publishing and reason in publishing
    assert "Waiting past their time" not in publishing
    post_page = admin.get(f"/w/{slug}/posts/{post.id}").get_data(as_text=True)
    assert "this post waits until an admin reconnects it" in post_page
    # Every member sees it on the calendar; only admins get the link to reconnect.
    editor = signed_in(pub, "editor@example.com").get(f"/w/{slug}/month").get_data(as_text=True)
    assert "1 channel needs reconnecting" in editor and f"reconnect {toots.name}" not in editor


# --- What each publisher's test does -------------------------------------------------------------


def test_a_webhook_is_tested_with_a_signed_head_that_no_receiver_takes_for_a_post(
    pub, session, team, sink
):
    hook = channel(session, team, "webhook", f"{sink.url}/hook", secret="hook-secret")
    settings = Settings.from_config(pub.config)
    confirmed = for_channel(hook, settings).test()
    assert confirmed == "the webhook answered a signed HEAD request (HTTP 200)"
    [check] = sink.heads
    assert check.path == "/hook" and check.headers["X-Planner-Event"] == "check"
    empty = hmac.new(b"hook-secret", b"", hashlib.sha256).hexdigest()
    assert check.headers["X-Planner-Signature"] == f"sha256={empty}"
    assert sink.received == [] and sink.posts() == []
    sink.head_script = [405, 401]
    assert "(HTTP 405)" in for_channel(hook, settings).test()  # takes only POST: it is there
    with pytest.raises(LoginRejected):
        for_channel(hook, settings).test()


def test_the_outbox_test_says_whether_its_folder_is_writable(pub, session, team, tmp_path):
    outbox = team.channels["x"]
    assert "is writable" in for_channel(outbox, PUBLISHING).test()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    pub.config["PLANNER_OUTBOX"] = str(blocked)
    with pub.app_context():
        result = connections.check(session, outbox, Settings.from_config(pub.config))
    assert not result.ok and not result.login_rejected and "cannot write" in result.message
    assert not fresh_channel(session, outbox).needs_reconnecting


# --- The workers' periodic check ---------------------------------------------------------------


def test_the_sweep_checks_each_channel_daily_and_before_a_local_days_first_post(
    pub, session, team, redis_db
):
    with pub.app_context():
        first = sweep()
        assert first["checks"] == 4  # three channels here, one in the other workspace
        assert sweep()["checks"] == 0  # claimed: the next sweep finds nothing due
    run_jobs(pub, redis_db)
    x = fresh_channel(session, team.channels["x"])
    assert x.connection_ok and "writable" in x.connection_check
    # A post due in ten minutes on a channel last checked before that post's local day began
    # (but less than a day ago) is checked once more first.
    post = approved_post(pub, session, team, x, "First of the day")
    when = utcnow() + timedelta(minutes=10)
    session.execute(sa.update(Post).where(Post.id == post.id).values(scheduled_at=when))
    berlin = when.astimezone(ZoneInfo("Europe/Berlin"))
    day_start = berlin.replace(hour=0, minute=0, second=0, microsecond=0)
    session.execute(
        sa.update(Channel)
        .where(Channel.id == x.id)
        .values(connection_checked_at=day_start - timedelta(minutes=1))
    )
    session.commit()
    with pub.app_context():
        assert sweep()["checks"] == 1
        assert sweep()["checks"] == 0
    job_ids = redis_db.lrange("rq:queue:default", 0, -1)
    assert any(j.decode().startswith(f"check-channel-{x.id}-") for j in job_ids)


def test_the_check_job_marks_a_refused_login_and_a_later_pass_reconnects(
    pub, session, team, sink, told
):
    toots = channel(session, team, "mastodon", sink.url, secret="expired-token")
    with pub.app_context():
        assert check_channel(toots.id) == "login_rejected"
        assert check_channel(toots.id) == "login_rejected"
    assert len(reconnect_events(told)) == 1
    session.execute(
        sa.update(Channel)
        .where(Channel.id == toots.id)
        .values(publisher_secret=PUBLISHING.box.seal("good-token"))
    )
    session.commit()
    with pub.app_context():
        assert check_channel(toots.id) == "ok"
    healthy = fresh_channel(session, toots)
    assert not healthy.needs_reconnecting and healthy.connection_ok
    assert healthy.connection_check == f"signed in to {sink.url} as @planner"


def test_the_periodic_check_runs_once_per_tick_across_two_workers(
    pub, session, team, sink, redis_db, database_url, tmp_path
):
    channel(session, team, "webhook", f"{sink.url}/hook")
    workers = [start_worker(database_url, tmp_path) for _ in range(2)]
    try:
        wait_for(lambda: len(sink.heads) >= 1, 30, "the webhook's connection check")
        # Several more ticks of one second each, on both workers.
        time.sleep(4)
        swept = {k.decode() for k in redis_db.keys("rq:job:sweep-*")}
    finally:
        for worker in workers:
            stop(worker)
    assert len(sink.heads) == 1
    # One sweep job per tick (its id is the tick's), however many workers elect it.
    ticks = {key.removeprefix("rq:job:sweep-") for key in swept}
    assert len(ticks) >= 3 and len(swept) == len(ticks)


def test_an_operator_checks_a_channel_from_the_command_line(pub, session, team, sink, told):
    toots = channel(session, team, "mastodon", sink.url, secret="expired-token")
    runner = FlaskCliRunner(pub)
    failed = runner.invoke(main, ["channel", "check", "--workspace", "acme", toots.name])
    assert failed.exit_code == 1
    assert f"{toots.name}: login_rejected: the target refused the channel's credentials" in (
        failed.output
    )
    assert fresh_channel(session, toots).needs_reconnecting and len(reconnect_events(told)) == 1
    outbox = runner.invoke(main, ["channel", "check", "--workspace", "acme", "X"])
    assert outbox.exit_code == 0 and "X: ok: the outbox folder" in outbox.output
    missing = runner.invoke(main, ["channel", "check", "--workspace", "acme", "Nope"])
    assert missing.exit_code != 0 and "has no channel called 'Nope'" in missing.output


def test_an_admin_adds_a_bluesky_channel_with_its_handle_and_an_app_password(
    pub, session, team, pds
):
    admin = signed_in(pub, "admin@example.com")
    slug = team.workspace.slug
    form = {
        "network": "bluesky",
        "name": "Bluesky",
        "handle": "",
        "publisher_kind": "bluesky",
        "target_url": pds.url,
        "secret": pds.password,
    }
    refused = admin.post(f"/w/{slug}/channels/new", form)
    assert refused.status_code == 422
    assert "signs in as the channel&#39;s handle" in refused.get_data(as_text=True)
    assert pds.password not in refused.get_data(as_text=True)
    assert admin.post(f"/w/{slug}/channels/new", {**form, "handle": "acme.test"}).status_code == 302
    sky = session.scalars(sa.select(Channel).where(Channel.name == "Bluesky")).one()
    assert sky.publisher_secret.startswith("fernet:") and pds.password not in sky.publisher_secret
    assert PUBLISHING.box.open(sky.publisher_secret) == pds.password
    page = admin.post(f"/w/{slug}/channels/{sky.id}/test", follow_redirects=True)
    assert "Bluesky: signed in to 127.0.0.1" in page.get_data(as_text=True)
    assert "as @acme.test" in page.get_data(as_text=True)
    listing = admin.get(f"/w/{slug}/channels/").get_data(as_text=True)
    assert "Works" in listing
