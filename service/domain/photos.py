"""Photos of a case's steps: what is accepted (JPEG, PNG or WebP, up to a size) and the thumbnail.

The type is read from the image itself, never from the name or the declared content type.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from service.domain.errors import InvalidInput

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 50_000_000      # a phone's 48 MP camera fits; a decompression bomb does not
THUMBNAIL_PX = 320
MAX_PHOTOS = 6               # per step


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes             # JPEG, at most THUMBNAIL_PX on its longer side, upright


def check_photo(data: bytes, *, field: str, max_bytes: int) -> CheckedPhoto:
    """The photo if acceptable, else InvalidInput naming `field` and why."""
    if not data:
        raise InvalidInput.one(field, "is empty")
    if len(data) > max_bytes:
        raise InvalidInput.one(field, f"is {len(data)} bytes; the limit is {max_bytes} bytes")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            if kind not in FORMATS:
                raise InvalidInput.one(field, f"is a {kind or 'unknown'} image; send JPEG, PNG or WebP")
            if width * height > MAX_PIXELS:
                raise InvalidInput.one(field, f"is {width}x{height} pixels; the limit is {MAX_PIXELS} pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            upright.convert("RGB").save(out, format="JPEG", quality=80)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput.one(field, "is not a readable JPEG, PNG or WebP image") from None
    content_type, extension = FORMATS[kind]
    return CheckedPhoto(data, content_type, extension, width, height, out.getvalue())
