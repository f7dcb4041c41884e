"""Cover images at the size an app asks for: resized once with Pillow, then kept in the store."""

import hashlib
import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, UnidentifiedImageError

from catalog.models import Cover

logger = logging.getLogger(__name__)

MIN_SIZE, MAX_SIZE = 16, 2048
MAX_SOURCE_BYTES = 32 * 1024 * 1024
MAX_SOURCE_PIXELS = 64_000_000


def resized_key(cover: Cover, size: int) -> str:
    return f"covers/resized/{cover.sha256}-{size}.jpg"


def resized_cover(cover: Cover, size: int) -> bytes | None:
    """Return the cover as a JPEG at most `size` pixels wide and high, or None to send the
    original (it is already that small, or it cannot be read as an image)."""
    size = max(MIN_SIZE, min(size, MAX_SIZE))
    if cover.width and cover.height and max(cover.width, cover.height) <= size:
        return None
    key = resized_key(cover, size)
    if default_storage.exists(key):
        with default_storage.open(key, "rb") as stored:
            return stored.read()
    data = _shrink(cover, size)
    if data is None:
        return None
    if not default_storage.exists(key):
        default_storage.save(key, ContentFile(data))
    return data


def _shrink(cover: Cover, size: int) -> bytes | None:
    try:
        with default_storage.open(cover.image.name, "rb") as original:
            source = original.read(MAX_SOURCE_BYTES + 1)
        if len(source) > MAX_SOURCE_BYTES:
            return None
        with Image.open(io.BytesIO(source)) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                return None
            if max(image.width, image.height) <= size:
                return None
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            image.convert("RGB").save(output, format="JPEG", quality=85)
            return output.getvalue()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
        logger.warning("cover %s could not be resized; sending the original", cover.pk)
        return None


GENERATED_SIZE = 600


def generated_cover(name: str, size: int | None = None) -> bytes:
    """Draw a cover for what has no picture (a playlist of songs without covers): a colour
    picked from the name, with its initial, as a JPEG `size` pixels square."""
    size = max(MIN_SIZE, min(size or GENERATED_SIZE, GENERATED_SIZE))
    digest = hashlib.sha256(name.encode()).digest()
    background = tuple(64 + byte % 128 for byte in digest[:3])
    image = Image.new("RGB", (size, size), background)
    initial = (name.strip()[:1] or "#").upper()
    draw = ImageDraw.Draw(image)
    draw.text((size / 2, size / 2), initial, fill=(255, 255, 255), anchor="mm", font_size=size // 2)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()
