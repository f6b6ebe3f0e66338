"""A manual check of the Bluesky publisher against a real account (never run by the tests).

Reads the account from the environment, never from the command line:

    BLUESKY_HANDLE=acme.bsky.social          the account
    BLUESKY_APP_PASSWORD=xxxx-xxxx-xxxx-xxxx an app password (Settings, Privacy and security,
                                             App passwords), never the account's own password
    BLUESKY_PDS=https://bsky.social          optional: the account's server
    PUBLISH_ALLOW_PRIVATE_TARGETS=1          optional: a server on a private address (as the
                                             app's setting of that name)

    python scripts/bluesky_check.py                 sign in only (the "Test connection")
    python scripts/bluesky_check.py --post          also publish a two-part thread with a
                                                    link, a mention, hashtags and non-ASCII
                                                    text, send the first part again (it must
                                                    come back as the same post), then delete
                                                    both (--keep keeps them)
    python scripts/bluesky_check.py --post --image chart.png --alt "What the chart shows"

Every request goes through Planner's outbound guard, as in production. It prints what it did
and the posts' addresses, and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from atproto_core.uri import AtUri

from planner.publishers import Image, PublishError, PublishRequest, Target
from planner.publishers.bluesky import BlueskyPublisher, record_key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--post", action="store_true", help="publish a test thread")
    parser.add_argument("--keep", action="store_true", help="keep the test posts")
    parser.add_argument("--image", type=Path, help="an image for the first post")
    parser.add_argument("--alt", default="", help="the image's alt text")
    parser.add_argument("--mention", default="bsky.app", help="a handle to mention")
    options = parser.parse_args()
    handle = os.environ.get("BLUESKY_HANDLE", "")
    password = os.environ.get("BLUESKY_APP_PASSWORD", "")
    if not handle or not password:
        print("set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD", file=sys.stderr)
        return 2
    private = os.environ.get("PUBLISH_ALLOW_PRIVATE_TARGETS", "").lower() in {"1", "true", "yes"}
    target = Target(os.environ.get("BLUESKY_PDS", ""), password, "", private, handle)
    publisher = BlueskyPublisher(target)
    try:
        print(f"test connection: {publisher.test()}")
        if options.post:
            check_posting(publisher, options)
    except PublishError as error:
        print(f"FAILED ({type(error).__name__}): {error}", file=sys.stderr)
        return 1
    return 0


def check_posting(publisher: BlueskyPublisher, options: argparse.Namespace) -> None:
    run = f"{int(time.time())}"
    now = datetime.now(UTC)
    images = ()
    if options.image:
        mime = mimetypes.guess_type(options.image.name)[0] or "application/octet-stream"
        images = (Image(options.image.read_bytes(), mime, options.alt),)
    first = PublishRequest(
        0,
        "check",
        "bluesky",
        f"Planner check {run}: café ☕ 日本語 @{options.mention} https://example.com #planner",
        now,
        f"check-{run}-1",
        images=images,
    )
    one = publisher.publish(first)
    print(f"published: {one.url} (record key {record_key(first.key, now)})")
    again = publisher.publish(first)
    if again.external_id != one.external_id:
        raise PublishError(f"the re-send made a second post: {again.url}")
    print("re-sent with the same key: the same post came back, nothing new was made")
    second = PublishRequest(
        0,
        "check",
        "bluesky",
        f"Planner check {run}, part 2",
        now,
        f"check-{run}-2",
        thread_parent=one.external_id,
    )
    two = publisher.publish(second)
    print(f"published the thread's second part: {two.url}")
    if options.keep:
        return
    client, session = publisher._sign_in()  # noqa: SLF001 - a check script may reach in
    for uri in (two.external_id, one.external_id):
        parsed = AtUri.from_str(uri)
        client.com.atproto.repo.delete_record(
            {"repo": session.did, "collection": parsed.collection, "rkey": parsed.rkey}
        )
    print("deleted both test posts")


if __name__ == "__main__":
    sys.exit(main())
