"""What an uploaded file is, read from its bytes, and the clean copy Planner keeps.

The type comes from the first bytes (the file's name and the browser's Content-Type are the
uploader's word, not a fact): JPEG, PNG, WebP, GIF and MP4 only. Images are opened by Pillow
with a pixel limit (a decompression bomb is a small file that decodes to gigabytes) and saved
again, which drops EXIF (a phone photo's GPS position), XMP and comments; the orientation EXIF
asked for is applied first, so the picture stays upright. MP4 files are kept as they are; their
size and duration come from the movie header when the file has one.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Pixels an image may have: 50 megapixels is more than any network takes (Instagram and
# LinkedIn stop near 36), and Pillow's own bomb guard starts at 89 million.
MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)

IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
}
# ISO base media brands of MP4 video; QuickTime ("qt  ") and HEIF stills ("heic", "mif1")
# share the container but are not what the networks take as MP4.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"dash",
    b"MSNV",
}
ACCEPTED = "JPEG, PNG, WebP, GIF or MP4"


class MediaRefused(ValueError):
    """The file cannot be attached; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class Prepared:
    """A file ready to keep: clean bytes, what they are, and a thumbnail (images only)."""

    data: bytes
    mime_type: str
    kind: str  # "image" or "video"
    width: int | None
    height: int | None
    duration_ms: int | None
    thumbnail: bytes | None
    thumbnail_type: str | None
    filename: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mime_type]


def sniff(data: bytes) -> str | None:
    """The media type the bytes are, among the accepted ones, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in MP4_BRANDS:
        return "video/mp4"
    return None


def clean_filename(name: str | None) -> str:
    """The last part of an uploaded file's name, printable, at most 120 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120]


def prepare(data: bytes, filename: str | None = None) -> Prepared:
    """Read, check and clean an uploaded file; MediaRefused says what is wrong with it."""
    name = clean_filename(filename)
    shown = f"{name} " if name else "The file "
    if not data:
        raise MediaRefused(f"{shown}is empty.")
    mime_type = sniff(data)
    if mime_type is None:
        raise MediaRefused(
            f"{shown}is not an image or video Planner can attach (its content is not "
            f"{ACCEPTED}, whatever its name says)."
        )
    if mime_type == "video/mp4":
        return _prepare_video(data, name)
    return _prepare_image(data, mime_type, name)


def _prepare_image(data: bytes, mime_type: str, name: str) -> Prepared:
    shown = name or "The image"
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own limit; ours is lower and checked first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaRefused(
                    f"{shown} is {width:,} x {height:,} pixels; Planner takes at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels."
                )
            if IMAGE_TYPES.get(image.format or "") != mime_type:
                raise MediaRefused(f"{shown} is damaged: its content does not match its type.")
            image.load()
            frames = getattr(image, "n_frames", 1)
            clean = _reencode(image, mime_type, frames)
            thumbnail, thumbnail_type = _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise MediaRefused(f"{shown} decodes to too many pixels to be opened safely.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        if isinstance(error, MediaRefused):
            raise
        raise MediaRefused(f"{shown} is damaged and cannot be opened as an image.") from error
    reopened = Image.open(io.BytesIO(clean))
    return Prepared(
        clean,
        mime_type,
        "image",
        reopened.width,
        reopened.height,
        None,
        thumbnail,
        thumbnail_type,
        name,
    )


def _reencode(image: Image.Image, mime_type: str, frames: int) -> bytes:
    """The image saved again with no metadata: EXIF, XMP, ICC aside, text chunks, comments."""
    out = io.BytesIO()
    if frames > 1:
        # Animated GIF or WebP: every frame, no metadata. (EXIF lives in stills.)
        image.info.pop("exif", None)
        image.info.pop("xmp", None)
        image.info.pop("comment", None)
        fmt = "GIF" if mime_type == "image/gif" else "WEBP"
        image.save(out, format=fmt, save_all=True, exif=b"", optimize=False)
        return out.getvalue()
    upright = ImageOps.exif_transpose(image)
    # A new image holds pixels only: nothing of the original's `info` comes along.
    fresh = Image.new(upright.mode, upright.size)
    fresh.paste(upright)
    if upright.mode == "P":
        fresh.putpalette(upright.getpalette() or [])
        if "transparency" in image.info:
            fresh.info["transparency"] = image.info["transparency"]
    if mime_type == "image/jpeg":
        if fresh.mode not in ("RGB", "L", "CMYK"):
            fresh = fresh.convert("RGB")
        fresh.save(out, format="JPEG", quality=90, optimize=True)
    elif mime_type == "image/png":
        fresh.save(out, format="PNG", optimize=True)
    elif mime_type == "image/webp":
        fresh.save(out, format="WEBP", quality=90)
    else:
        fresh.save(out, format="GIF")
    return out.getvalue()


def _thumbnail(image: Image.Image) -> tuple[bytes, str]:
    """A small JPEG (PNG where the image is transparent) of the first frame, upright."""
    image.seek(0)
    small = ImageOps.exif_transpose(image).copy()
    small.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    if small.mode in ("RGBA", "LA", "P"):
        small = small.convert("RGBA")
        small.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    small.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue(), "image/jpeg"


def _prepare_video(data: bytes, name: str) -> Prepared:
    width, height, duration_ms, has_movie = _mp4_facts(data)
    if not has_movie:
        raise MediaRefused(
            f"{name or 'The video'} is not a complete MP4 file (it has no movie header)."
        )
    return Prepared(data, "video/mp4", "video", width, height, duration_ms, None, None, name)


def _boxes(data: bytes, start: int, end: int):  # type: ignore[no-untyped-def]
    """The ISO base media boxes between two offsets: (type, body start, body end)."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1 and offset + 16 <= end:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


def _mp4_facts(data: bytes) -> tuple[int | None, int | None, int | None, bool]:
    """Width, height (the first track with a picture) and duration from the movie header;
    and whether there is one. Cheap: only box headers are read."""
    width = height = duration_ms = None
    for kind, body, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, ibody, iend in _boxes(data, body, end):
            if inner == b"mvhd" and iend - ibody >= 32:
                version = data[ibody]
                if version == 1:
                    timescale, duration = struct.unpack(">IQ", data[ibody + 20 : ibody + 32])
                else:
                    timescale, duration = struct.unpack(">II", data[ibody + 12 : ibody + 20])
                if timescale:
                    duration_ms = int(duration * 1000 / timescale)
            elif inner == b"trak" and width is None:
                for box, tbody, tend in _boxes(data, ibody, iend):
                    if box == b"tkhd" and tend - tbody >= 84:
                        offset = tbody + (88 if data[tbody] == 1 else 76)
                        if offset + 8 <= tend:
                            w, h = struct.unpack(">II", data[offset : offset + 8])
                            if w >> 16 and h >> 16:
                                width, height = w >> 16, h >> 16
        return width, height, duration_ms, True
    return None, None, None, False
