"""What each network takes: files per post, bytes, pixels, video length.

Figures from each network's own documentation for posting through its API (2025): X's media
upload guide, Mastodon's defaults (an instance may be stricter), Bluesky's lexicon
(`app.bsky.embed.images`: four images of 1,000,000 bytes), LinkedIn's Images and Videos API,
Instagram's and Threads' content publishing guides, Facebook's and Pinterest's help. The
webhook and the outbox pass files on and set no limit beyond the app's upload size. A
channel's network decides; a channel of a network not listed has no limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one network takes. None: no limit of that kind."""

    name: str
    max_items: int | None = 4
    image_bytes: int | None = None
    gif_bytes: int | None = None
    video_bytes: int | None = None
    video_seconds: int | None = None
    max_side: int | None = None
    # The network takes one video (or one GIF) alone, not beside other files.
    video_alone: bool = True
    takes_video: bool = True
    # Instagram has no text-only post.
    needs_media: bool = False


NETWORK_LIMITS: dict[str, Limits] = {
    "x": Limits(
        "X",
        4,
        image_bytes=5 * MB,
        gif_bytes=15 * MB,
        video_bytes=512 * MB,
        video_seconds=140,
        max_side=8192,
    ),
    "mastodon": Limits("Mastodon", 4, image_bytes=16 * MB, gif_bytes=16 * MB, video_bytes=99 * MB),
    # Planner's Bluesky publisher sends images (as blobs); video is not wired to it yet.
    "bluesky": Limits(
        "Bluesky", 4, image_bytes=1 * MB, gif_bytes=1 * MB, takes_video=False, max_side=8000
    ),
    "linkedin": Limits(
        "LinkedIn",
        20,
        image_bytes=36 * MB,
        gif_bytes=36 * MB,
        video_bytes=5000 * MB,
        video_seconds=30 * 60,
        max_side=7000,
    ),
    "instagram": Limits(
        "Instagram",
        10,
        image_bytes=8 * MB,
        gif_bytes=8 * MB,
        video_bytes=300 * MB,
        video_seconds=15 * 60,
        max_side=8000,
        video_alone=False,
        needs_media=True,
    ),
    "threads": Limits(
        "Threads",
        10,
        image_bytes=8 * MB,
        gif_bytes=8 * MB,
        video_bytes=1000 * MB,
        video_seconds=5 * 60,
        max_side=8000,
        video_alone=False,
    ),
    "facebook": Limits(
        "Facebook",
        10,
        image_bytes=10 * MB,
        gif_bytes=10 * MB,
        video_bytes=4000 * MB,
        video_seconds=240 * 60,
        video_alone=True,
    ),
    "tiktok": Limits(
        "TikTok", 35, image_bytes=20 * MB, video_bytes=4000 * MB, video_seconds=10 * 60
    ),
    "pinterest": Limits(
        "Pinterest", 5, image_bytes=20 * MB, video_bytes=2000 * MB, video_seconds=15 * 60
    ),
    "webhook": Limits("the webhook", None, video_alone=False),
    "outbox": Limits("the outbox", None, video_alone=False),
}


@dataclass(frozen=True)
class Item:
    """What the limits look at of a file (an upload being checked, or one already kept)."""

    label: str
    kind: str  # "image" or "video"
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def _amount(size: int) -> str:
    """Bytes as people read them: 600 MB, 1.2 MB, 950 KB."""
    if size >= 10 * MB:
        return f"{size / MB:,.0f} MB"
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size / 1000:,.0f} KB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} minutes" if seconds != 60 else "1 minute"
    return f"{seconds // 60}:{seconds % 60:02d} min" if seconds >= 60 else f"{seconds} s"


def item_problems(item: Item, networks: Iterable[str]) -> list[str]:
    """Why each network would refuse this one file, one sentence per network and limit."""
    problems: list[str] = []
    what = "GIF" if item.mime_type == "image/gif" else item.kind
    for network in sorted(set(networks)):
        limits = NETWORK_LIMITS.get(network)
        if limits is None:
            continue
        if item.kind == "video" and not limits.takes_video:
            problems.append(f"{item.label} is a video; {limits.name} takes images only here.")
            continue
        cap = (
            limits.video_bytes
            if item.kind == "video"
            else limits.gif_bytes
            if item.mime_type == "image/gif"
            else limits.image_bytes
        )
        if cap is not None and item.size > cap:
            problems.append(
                f"{item.label}: {what} is {_amount(item.size)}; {limits.name} accepts at most "
                f"{_amount(cap)}."
            )
        if (
            item.kind == "video"
            and limits.video_seconds is not None
            and item.duration_ms is not None
            and item.duration_ms > limits.video_seconds * 1000
        ):
            problems.append(
                f"{item.label}: video lasts {_duration(item.duration_ms / 1000)}; {limits.name} "
                f"accepts at most {_duration(limits.video_seconds)}."
            )
        side = max(item.width or 0, item.height or 0)
        if limits.max_side is not None and side > limits.max_side:
            problems.append(
                f"{item.label} is {item.width:,} x {item.height:,} pixels; {limits.name} "
                f"accepts at most {limits.max_side:,} on a side."
            )
    return problems


def set_problems(items: Sequence[Item], networks: Iterable[str]) -> list[str]:
    """Why each network would refuse the post's files together: how many, and a video
    beside other files where the network takes it alone."""
    problems: list[str] = []
    videos = [i for i in items if i.kind == "video" or i.mime_type == "image/gif"]
    for network in sorted(set(networks)):
        limits = NETWORK_LIMITS.get(network)
        if limits is None:
            continue
        if limits.max_items is not None and len(items) > limits.max_items:
            problems.append(
                f"{len(items)} files attached; {limits.name} accepts at most "
                f"{limits.max_items} per post."
            )
        if limits.video_alone and videos and len(items) > 1:
            problems.append(
                f"{limits.name} takes a video or a GIF alone; remove the other files or "
                "post them separately."
            )
        if limits.needs_media and not items:
            problems.append(f"{limits.name} needs an image or a video; attach one.")
    return problems
