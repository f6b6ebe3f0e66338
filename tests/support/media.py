"""Real media files for tests, made with Pillow (and an MP4 header written by hand)."""

from __future__ import annotations

import io
import struct

from PIL import Image

GPS_IFD = 0x8825


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """A picture with EXIF naming a camera and, with `gps`, where it was taken."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    if gps:
        exif[GPS_IFD] = {
            1: "N",
            2: (52.0, 31.0, 12.0),  # Berlin
            3: "E",
            4: (13.0, 24.0, 18.0),
        }
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def exif_of(data: bytes) -> Image.Exif:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.getexif()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def mp4(seconds: float = 3.0, width: int = 640, height: int = 360, padding: int = 0) -> bytes:
    """A minimal MP4: ftyp, a moov with its movie header and one track header, and an mdat
    of `padding` bytes (what the networks' size limits look at)."""
    timescale = 1000
    mvhd = struct.pack(">B3xIIII", 0, 0, 0, timescale, int(seconds * timescale)) + bytes(80)
    tkhd = (
        struct.pack(">B3xIIIII", 0, 0, 0, 1, 0, int(seconds * timescale))
        + bytes(8 + 2 + 2 + 2 + 2 + 36)
        + struct.pack(">II", width << 16, height << 16)
    )
    moov = _box(b"moov", _box(b"mvhd", mvhd) + _box(b"trak", _box(b"tkhd", tkhd)))
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    return ftyp + moov + _box(b"mdat", bytes(padding))
