"""Photos of hazards: decoded, re-encoded without any metadata, shrunk, stored by content hash.

A phone's JPEG, PNG or HEIC (at most :data:`MAX_PHOTO_BYTES`) is decoded with Pillow
(pillow-heif for HEIC), turned upright by its EXIF orientation, and its pixels copied into a new
image, so nothing of the original file survives but the picture: no EXIF (GPS position, camera,
time), no XMP, no ICC profile, no comments, no thumbnail. It is scaled down to at most
:data:`MAX_PHOTO_EDGE_PX` on its long side and saved as a baseline JPEG named
``<sha256 of the stored bytes>.jpg``, never after the uploaded file name.
"""

from __future__ import annotations

import errno
import hashlib
import io
import re
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from geo.errors import PhotoError, StorageError
from geo.tables import write_bytes_atomic

register_heif_opener()

MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: Long edge of a stored photo, pixels: enough to see a blocked fire exit, ~200-400 kB.
MAX_PHOTO_EDGE_PX = 1600
#: Decoding more pixels than this is refused (a 10 MB file can claim gigapixels: a bomb).
MAX_PHOTO_PIXELS = 50_000_000
JPEG_QUALITY = 82
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "HEIF"})

_PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")


def clean_photo(content: bytes) -> bytes:
    """The photo re-encoded as a metadata-free JPEG of at most :data:`MAX_PHOTO_EDGE_PX`.

    Raises :class:`PhotoError` for an empty, too large, unreadable or unsupported file."""
    if not content:
        raise PhotoError("report_error_photo_empty")
    if len(content) > MAX_PHOTO_BYTES:
        raise PhotoError("report_error_photo_too_large", mb=round(len(content) / 1e6, 1),
                         max_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as original:
                if original.format not in ACCEPTED_FORMATS:
                    raise PhotoError("report_error_photo_format", format=str(original.format))
                if original.width * original.height > MAX_PHOTO_PIXELS:
                    raise PhotoError("report_error_photo_unreadable")
                upright = ImageOps.exif_transpose(original)
                upright.thumbnail((MAX_PHOTO_EDGE_PX, MAX_PHOTO_EDGE_PX), Image.Resampling.LANCZOS)
                rgb = _flatten(upright)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as err:
        raise PhotoError("report_error_photo_unreadable") from err
    # Only the pixels cross over: a new image has no info, EXIF, XMP or ICC profile to carry.
    bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency becomes white (as the photo would look on the page)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def photo_name(cleaned: bytes) -> str:
    """``<sha256>.jpg`` of the cleaned bytes."""
    return hashlib.sha256(cleaned).hexdigest() + ".jpg"


class PhotoFolder:
    """Cleaned photos in ``root``, in sub-folders by the first two hex digits of the hash."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """Where the photo ``name`` lives; refuses anything that is not a photo hash name."""
        if not _PHOTO_NAME.match(name):
            msg = f"{name!r} is not a stored photo name"
            raise ValueError(msg)
        return self.root / name[:2] / name

    def save(self, cleaned: bytes) -> tuple[str, bool]:
        """Store ``cleaned`` atomically; returns its name and whether this call created it
        (identical photos are stored once)."""
        name = photo_name(cleaned)
        target = self.path(name)
        if target.exists():
            return name, False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(cleaned, target)
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise StorageError("report_error_full") from err
            raise StorageError("report_error_unavailable") from err
        return name, True

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)
