"""The Bluesky publisher against a local AT Protocol server (tests/support/pds.py) that reads
every request with the atproto SDK's own models and checks records as a PDS would."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from planner.publishers import (
    Image,
    LoginRejected,
    PermanentPublishError,
    PublishRequest,
    Target,
    TransientPublishError,
    outbound,
)
from planner.publishers.bluesky import BlueskyPublisher, forget_sessions, record_key
from tests.support.pds import Fault, Pds

FRIEND = ("friend.test", "did:plc:friendfriendfriendfriend")
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def pds():  # type: ignore[no-untyped-def]
    forget_sessions()
    server = Pds(others=dict([FRIEND])).start()
    yield server
    server.stop()
    forget_sessions()


def publisher(
    pds: Pds, password: str | None = None, allow_private: bool = True
) -> BlueskyPublisher:
    secret = pds.password if password is None else password
    return BlueskyPublisher(Target(pds.url, secret, "", allow_private, "@acme.test"))


def request(text: str, key: str = "post-1-v2", **extra) -> PublishRequest:  # type: ignore[no-untyped-def]
    return PublishRequest(1, "Bluesky", "bluesky", text, WHEN, key, **extra)


def spans(record: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    """Each facet as (the bytes it covers, decoded; the feature's kind; its value)."""
    data = record["text"].encode("utf-8")
    found = []
    for facet in record["facets"]:
        index, feature = facet["index"], facet["features"][0]
        kind = feature["$type"].rsplit("#", 1)[1]
        value = feature.get("did") or feature.get("uri") or feature.get("tag")
        found.append((data[index["byteStart"] : index["byteEnd"]].decode("utf-8"), kind, value))
    return found


def test_facets_cover_the_right_bytes_of_text_with_accents_emoji_and_cjk(pds):
    text = "Café ☕🎉 with @friend.test: 日本語のお知らせ https://example.com/menü #東京 #café!"
    result = publisher(pds).publish(request(text))
    assert pds.problems == []
    [record] = pds.posts()
    assert record["text"] == text
    assert spans(record) == [
        ("@friend.test", "mention", FRIEND[1]),
        ("https://example.com/menü", "link", "https://example.com/menü"),
        ("#東京", "tag", "東京"),
        ("#café", "tag", "café"),
    ]
    # Offsets count UTF-8 bytes, not characters: "é" is two bytes, "☕" three, "🎉" four.
    mention = record["facets"][0]["index"]
    assert mention["byteStart"] == len("Café ☕🎉 with ".encode()) == 19
    assert text.index("@friend.test") == 13
    assert result.external_id.startswith(f"at://{pds.did}/app.bsky.feed.post/")
    assert result.url == (
        f"https://bsky.app/profile/{pds.did}/post/{result.external_id.rsplit('/', 1)[1]}"
    )


def test_a_mention_of_a_handle_that_does_not_resolve_stays_plain_text(pds):
    publisher(pds).publish(request("Thanks @nobody.test and @friend.test"))
    assert pds.problems == []
    assert [kind for _, kind, _ in spans(pds.posts()[0])] == ["mention"]
    assert spans(pds.posts()[0])[0][0] == "@friend.test"


def test_a_text_without_links_mentions_or_tags_has_no_facets(pds):
    publisher(pds).publish(request("Plain words, nothing to link."))
    assert "facets" not in pds.posts()[0] and pds.problems == []


def test_images_go_up_as_blobs_and_the_post_carries_them_with_their_alt_text(pds):
    images = (
        Image(b"\x89PNG one", "image/png", "A bar chart of sales"),
        Image(b"jpeg", "image/jpeg"),
    )
    publisher(pds).publish(request("Two pictures", images=images))
    assert pds.problems == []
    uploads = pds.calls("com.atproto.repo.uploadBlob")
    assert [(u.headers["content-type"], u.body) for u in uploads] == [
        ("image/png", b"\x89PNG one"),
        ("image/jpeg", b"jpeg"),
    ]
    embed = pds.posts()[0]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == ["A bar chart of sales", ""]
    assert [i["image"]["mimeType"] for i in embed["images"]] == ["image/png", "image/jpeg"]


@pytest.mark.parametrize(
    ("images", "says"),
    [
        (tuple(Image(b"x", "image/png") for _ in range(5)), "at most 4 images"),
        ((Image(b"x" * 1_000_001, "image/png"),), "1,000,001 bytes"),
        ((Image(b"%PDF", "application/pdf"),), "not an image"),
    ],
)
def test_images_bluesky_would_refuse_fail_before_anything_is_sent(pds, images, says):
    with pytest.raises(PermanentPublishError, match=says):
        publisher(pds).publish(request("Too much", images=images))
    assert pds.seen == []


def test_a_thread_part_replies_to_the_part_before_it_under_the_threads_root(pds):
    bsky = publisher(pds)
    first = bsky.publish(request("1/3 The story", "post-1-v2"))
    second = bsky.publish(request("2/3 goes on", "post-2-v2", thread_parent=first.external_id))
    bsky.publish(request("3/3 and ends", "post-3-v2", thread_parent=second.external_id))
    assert pds.problems == []
    one, two, three = pds.posts()
    assert "reply" not in one
    assert two["reply"]["root"]["uri"] == two["reply"]["parent"]["uri"] == first.external_id
    assert three["reply"]["root"]["uri"] == first.external_id
    assert three["reply"]["parent"]["uri"] == second.external_id
    assert three["reply"]["parent"]["cid"] == pds.cid_of(second.external_id)


def test_a_thread_whose_earlier_part_went_out_elsewhere_starts_afresh(pds):
    # The channel published the first part through the outbox, then moved to Bluesky.
    publisher(pds).publish(request("2/2 and more", thread_parent="post-1-v2"))
    assert "reply" not in pds.posts()[0] and pds.problems == []


def test_a_reply_to_a_bsky_post_address_answers_it_within_its_own_thread(pds):
    root = pds.add_foreign_post(*FRIEND, "Who else is at the fair?")
    theirs = pds.add_foreign_post(*FRIEND, "We are, hall 3", reply_root=root)
    rkey = theirs.rsplit("/", 1)[1]
    publisher(pds).publish(
        request("See you there!", reply_to=f"https://bsky.app/profile/friend.test/post/{rkey}")
    )
    assert pds.problems == []
    reply = pds.posts()[0]["reply"]
    assert reply["parent"] == {
        "uri": theirs,
        "cid": pds.cid_of(theirs),
        "$type": "com.atproto.repo.strongRef",
    }
    assert reply["root"]["uri"] == root


def test_a_reply_to_an_account_is_a_post_that_mentions_it_not_a_reply_record(pds):
    publisher(pds).publish(request("@friend.test thanks!", reply_to="@friend.test"))
    assert "reply" not in pds.posts()[0] and pds.problems == []


def test_a_reply_to_something_that_is_not_a_bluesky_post_fails_with_the_reason(pds):
    with pytest.raises(PermanentPublishError, match="not a Bluesky post"):
        publisher(pds).publish(request("Answer", reply_to="https://mastodon.social/@someone/1234"))
    assert pds.posts() == []


def test_the_record_key_is_a_tid_made_from_the_idempotency_key():
    key = record_key("post-7-v3", WHEN)
    assert key == record_key("post-7-v3", WHEN)
    assert key != record_key("post-7-v3-g1", WHEN) and key != record_key("post-8-v3", WHEN)
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    # Its time is the post's second: 53 bits of microseconds, then 10 bits of clock id.
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = 0
    for char in key:
        value = value * 32 + alphabet.index(char)
    assert (value >> 10) // 1_000_000 == int(WHEN.timestamp())


def test_a_re_send_after_a_lost_answer_finds_the_post_instead_of_posting_twice(pds):
    bsky = publisher(pds)
    # The record is written, the answer is lost, and the server stops answering before the
    # publisher can look: the outcome is unknown for now, so the attempt is retried...
    pds.fail_next("com.atproto.repo.getRecord", Fault(400, "RecordNotFound"))
    pds.fail_next("com.atproto.repo.createRecord", Fault(drop_after_write=True))
    pds.fail_next("com.atproto.repo.getRecord", Fault(503, "ServiceUnavailable"))
    with pytest.raises(TransientPublishError):
        bsky.publish(request("Exactly once"))
    # ...and the retry, with the same idempotency key, finds the post instead of writing it.
    again = bsky.publish(request("Exactly once"))
    assert len(pds.posts()) == 1 and pds.problems == []
    assert again.external_id.endswith("/" + record_key("post-1-v2", WHEN))
    assert len(pds.calls("com.atproto.repo.createRecord")) == 1


def test_an_answer_lost_after_writing_is_found_within_the_same_attempt(pds):
    pds.fail_next("com.atproto.repo.createRecord", Fault(drop_after_write=True))
    result = publisher(pds).publish(request("Once"))
    assert len(pds.posts()) == 1 and result.external_id.startswith("at://")
    assert len(pds.calls("com.atproto.repo.createRecord")) == 1


def test_a_refused_login_says_reconnect_and_a_503_or_429_says_try_later(pds):
    with pytest.raises(LoginRejected, match="refused the channel's login"):
        publisher(pds, password="wrong-pass-word-xxxx").publish(request("Nope"))
    bsky = publisher(pds)
    pds.fail_next("com.atproto.repo.createRecord", Fault(503, "ServiceUnavailable"))
    with pytest.raises(TransientPublishError) as unavailable:
        bsky.publish(request("Later"))
    assert not isinstance(unavailable.value, LoginRejected)
    pds.fail_next(
        "com.atproto.repo.createRecord",
        Fault(429, "RateLimitExceeded", headers={"Retry-After": "42"}),
    )
    with pytest.raises(TransientPublishError) as limited:
        bsky.publish(request("Later"))
    assert limited.value.retry_after == 42
    assert bsky.publish(request("Later")).external_id and len(pds.posts()) == 1


def test_the_accounts_own_password_is_refused_for_an_app_password(pds):
    pds.scope = "com.atproto.access"
    with pytest.raises(LoginRejected, match="create an app password"):
        publisher(pds).test()


def test_a_kept_session_saves_sign_ins_and_a_revoked_one_signs_in_again(pds):
    bsky = publisher(pds)
    assert bsky.test() == f"signed in to 127.0.0.1:{pds.server.server_port} as @acme.test"
    bsky.publish(request("One", "post-1-v2"))
    bsky.publish(request("Two", "post-2-v2"))
    assert len(pds.calls("com.atproto.server.createSession")) == 1
    pds.revoke_sessions()  # a new app password was made and the old one revoked
    bsky.publish(request("Three", "post-3-v2"))
    assert len(pds.calls("com.atproto.server.createSession")) == 2
    assert len(pds.posts()) == 3 and pds.problems == []


def test_the_test_signs_in_afresh_so_a_dead_password_cannot_hide_behind_a_kept_session(pds):
    bsky = publisher(pds)
    bsky.publish(request("Kept session"))
    pds.password = "new1-new2-new3-new4"  # the old app password was revoked
    with pytest.raises(LoginRejected):
        bsky.test()


def test_the_sdk_never_reaches_a_private_address_without_the_setting(pds):
    with pytest.raises(PermanentPublishError, match="not sent: .*private or local"):
        publisher(pds, allow_private=False).publish(request("Inward"))
    assert pds.seen == []


def test_the_guarded_transport_pins_the_checked_address_and_follows_no_redirect(pds):
    with (
        httpx.Client(
            transport=outbound.GuardedTransport(allow_private=False), follow_redirects=True
        ) as client,
        pytest.raises(outbound.TargetRefused),
    ):
        client.get(f"http://localhost:{pds.server.server_port}/xrpc/_health")
    assert pds.seen == []
    pds.fail_next(
        "com.atproto.server.createSession",
        Fault(302, "Found", headers={"Location": "http://169.254.169.254/latest/meta-data"}),
    )
    with pytest.raises(PermanentPublishError, match="redirect"):
        publisher(pds).test()
    assert [s.nsid for s in pds.seen] == ["com.atproto.server.createSession"]
