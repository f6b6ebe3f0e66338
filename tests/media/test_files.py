"""Media validation with real files: the type comes from the bytes, images come out without
their EXIF (GPS included), bombs and oversized files are refused with the limit named."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib

import pytest
from PIL import Image

from planner import media
from planner.media import files
from tests.support.media import GPS_IFD, exif_of, mp4, photo


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_with_gps_exif_comes_out_without_it(fmt):
    original = photo(fmt)
    assert exif_of(original).get_ifd(GPS_IFD), "the test file carries a GPS position"
    assert exif_of(original).get(0x010F) == "PhoneMaker"
    prepared = media.prepare(original, f"holiday.{fmt.lower()}")
    assert prepared.kind == "image" and prepared.mime_type == f"image/{fmt.lower()}"
    assert (prepared.width, prepared.height) == (64, 48)
    clean = exif_of(prepared.data)
    assert not clean.get_ifd(GPS_IFD) and 0x010F not in clean and len(clean) == 0
    assert b"PhoneMaker" not in prepared.data
    # The picture is still the picture.
    assert Image.open(io.BytesIO(prepared.data)).convert("RGB").getpixel((5, 5))[0] > 150


def test_an_upright_photo_stays_upright_once_its_exif_is_gone():
    image = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show it
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    prepared = media.prepare(out.getvalue(), "turned.jpg")
    assert (prepared.width, prepared.height) == (20, 60)


def test_a_file_named_jpg_holding_html_is_refused():
    with pytest.raises(media.MediaRefused) as refused:
        media.prepare(b"<!doctype html><script>alert(1)</script>", "cat.jpg")
    assert "cat.jpg is not an image or video" in str(refused.value)
    assert "whatever its name says" in str(refused.value)


def test_a_jpeg_header_over_other_bytes_is_refused_as_damaged():
    with pytest.raises(media.MediaRefused, match="damaged"):
        media.prepare(b"\xff\xd8\xff\xe0" + b"<html>" * 100, "fake.jpg")


def test_an_svg_and_an_empty_file_are_refused():
    with pytest.raises(media.MediaRefused, match="not an image"):
        media.prepare(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg")
    with pytest.raises(media.MediaRefused, match="empty"):
        media.prepare(b"", "nothing.png")


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(media.MediaRefused) as refused:
        media.prepare(_png_claiming(10_000, 6_000), "bomb.png")
    assert "10,000 x 6,000 pixels" in str(refused.value)
    assert "50 megapixels" in str(refused.value)
    # Past Pillow's own guard (twice 89 million pixels) the header alone is refused.
    with pytest.raises(media.MediaRefused, match="too many pixels"):
        media.prepare(_png_claiming(30_000, 30_000), "bigger.png")


def test_an_animated_gif_keeps_its_frames_and_gets_a_thumbnail():
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], comment=b"hi")
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 3
    prepared = media.prepare(out.getvalue(), "wave.gif")
    assert Image.open(io.BytesIO(prepared.data)).n_frames == 3
    assert prepared.thumbnail is not None


def test_a_thumbnail_is_small_and_an_image():
    prepared = media.prepare(photo("PNG", size=(1200, 900)), "big.png")
    thumb = Image.open(io.BytesIO(prepared.thumbnail or b""))
    assert max(thumb.size) <= 320 and thumb.format in ("JPEG", "PNG")


def test_an_mp4_is_sniffed_and_its_size_and_length_read():
    prepared = media.prepare(mp4(seconds=12.5, width=1280, height=720), "clip.mp4")
    assert prepared.kind == "video" and prepared.mime_type == "video/mp4"
    assert (prepared.width, prepared.height, prepared.duration_ms) == (1280, 720, 12500)
    assert prepared.thumbnail is None


def test_an_mp4_without_a_movie_header_is_refused():
    data = mp4()[:32]  # the ftyp only
    with pytest.raises(media.MediaRefused, match="not a complete MP4"):
        media.prepare(data, "cut.mp4")


def test_an_oversized_video_for_x_is_refused_with_the_limit_in_the_message():
    video = media.Item(
        "launch.mp4", "video", "video/mp4", 600 * media.limits.MB, 1920, 1080, 30_000
    )
    problems = media.item_problems(video, ["x", "mastodon", "linkedin"])
    assert "launch.mp4: video is 600 MB; X accepts at most 512 MB." in problems
    assert "launch.mp4: video is 600 MB; Mastodon accepts at most 99 MB." in problems
    assert not any("LinkedIn" in p for p in problems)
    long = media.Item("talk.mp4", "video", "video/mp4", 10 * media.limits.MB, duration_ms=200_000)
    assert media.item_problems(long, ["x"]) == [
        "talk.mp4: video lasts 3:20 min; X accepts at most 2:20 min."
    ]


def test_bluesky_takes_images_of_a_megabyte_and_no_video():
    big = media.Item("poster.png", "image", "image/png", 1_500_000, 2000, 1000)
    assert media.item_problems(big, ["bluesky"]) == [
        "poster.png: image is 1.5 MB; Bluesky accepts at most 1.0 MB."
    ]
    clip = media.Item("clip.mp4", "video", "video/mp4", 1000)
    assert "Bluesky takes images only" in media.item_problems(clip, ["bluesky"])[0]


def test_counts_and_a_video_beside_images_are_checked_per_network():
    images = [media.Item(f"{n}.jpg", "image", "image/jpeg", 1000) for n in range(5)]
    assert media.set_problems(images, ["mastodon"]) == [
        "5 files attached; Mastodon accepts at most 4 per post."
    ]
    mixed = [images[0], media.Item("clip.mp4", "video", "video/mp4", 1000)]
    assert "X takes a video or a GIF alone" in media.set_problems(mixed, ["x"])[0]
    assert media.set_problems(mixed, ["webhook"]) == []
    assert media.set_problems([], ["instagram"]) == [
        "Instagram needs an image or a video; attach one."
    ]


def test_the_folder_store_keeps_bytes_under_its_own_keys_only(tmp_path):
    store = media.FolderStore(tmp_path)
    key = media.new_key(7, "png")
    store.put(key, b"bytes", "image/png")
    assert store.get(key) == b"bytes"
    store.delete(key)
    with pytest.raises(media.MediaMissing):
        store.get(key)
    for hostile in ("../etc/passwd", "w1/../../x.png", "/abs.png", "w1/short.png"):
        with pytest.raises(ValueError):
            store.get(hostile)


def test_sniffing_reads_the_bytes_not_the_name():
    assert files.sniff(photo("PNG")) == "image/png"
    assert files.sniff(photo("JPEG")) == "image/jpeg"
    assert files.sniff(b"GIF89a....") == "image/gif"
    assert files.sniff(b"\x00\x00\x00\x18ftypqt  ") is None  # QuickTime is not MP4
    assert files.sniff(b"\x00\x00\x00\x18ftypheic") is None  # nor a HEIF photo


def test_pending_files_older_than_a_day_are_swept_and_nothing_else(tmp_path):
    store = media.FolderStore(tmp_path)
    kept_for_a_form = media.new_key(1, "png", pending=True)
    fresh_pending = media.new_key(1, "png", pending=True)
    attached = media.new_key(1, "png")
    for key in (kept_for_a_form, fresh_pending, attached):
        store.put(key, b"x", "image/png")
    old = time.time() - 2 * 24 * 3600
    os.utime(store.path(kept_for_a_form), (old, old))
    os.utime(store.path(attached), (old, old))
    assert store.delete_pending(media.store.PENDING_SECONDS) == 1
    with pytest.raises(media.MediaMissing):
        store.get(kept_for_a_form)
    assert store.get(fresh_pending) == b"x" and store.get(attached) == b"x"
