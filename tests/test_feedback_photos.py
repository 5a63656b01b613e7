"""Report photos: every metadata field gone (EXIF GPS above all), upright, shrunk, stored by
content hash; bad and oversized files refused. The oracles are piexif, Pillow and a scan of the
JPEG segments."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import piexif
import pillow_heif
import pytest
from PIL import Image, PngImagePlugin

from geo.errors import PhotoError
from geo.feedback.photos import MAX_PHOTO_BYTES, MAX_PHOTO_EDGE_PX, PhotoFolder, clean_photo, photo_name

GPS = {
    piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (2648, 100)),
    piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: ((116, 1), (49, 1), (3300, 100)),
}


def _exif(orientation: int = 1) -> bytes:
    return piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"RiderPhone", piexif.ImageIFD.Model: b"X1", piexif.ImageIFD.Orientation: orientation},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2026:11:28 08:00:00"},
        "GPS": GPS,
    })


def _half_red(width: int = 400, height: int = 200) -> Image.Image:
    """Left half red, right half blue: shows which way the picture turned."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def _jpeg_segments(content: bytes) -> list[int]:
    """Marker bytes of the JPEG segments before the image data."""
    assert content[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(content):
        marker = content[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        (length,) = struct.unpack(">H", content[at + 2:at + 4])
        at += 2 + length
    return markers


def _assert_bare(cleaned: bytes) -> Image.Image:
    markers = _jpeg_segments(cleaned)
    app_or_comment = [m for m in markers if 0xE0 <= m <= 0xEF or m == 0xFE]
    assert app_or_comment == [0xE0]  # JFIF header only: no EXIF/XMP (APP1), ICC (APP2), comments
    assert b"RiderPhone" not in cleaned and b"GPS" not in cleaned and b"http://ns.adobe.com" not in cleaned
    loaded = piexif.load(cleaned)
    assert loaded["GPS"] == {} and loaded["0th"] == {} and loaded["Exif"] == {}
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and not image.getexif() and "icc_profile" not in image.info
    return image


def test_a_jpeg_with_gps_camera_xmp_icc_and_comment_comes_out_bare_and_upright():
    original = io.BytesIO()
    icc = b"\x00" * 128 + b"fake-icc-profile"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/"/></x:xmpmeta>'
    _half_red().save(original, format="JPEG", exif=_exif(orientation=6), icc_profile=icc, comment=b"rider 138xxxx",
                     xmp=xmp)
    raw = original.getvalue()
    assert piexif.load(raw)["GPS"][piexif.GPSIFD.GPSLatitude] == ((30, 1), (44, 1), (2648, 100))  # the input has it
    image = _assert_bare(clean_photo(raw))
    # orientation 6 = rotate 90° clockwise to view: the red left half is now on top
    assert image.size == (200, 400)
    top, bottom = image.getpixel((100, 20)), image.getpixel((100, 380))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60


def test_a_large_photo_is_shrunk_to_the_long_edge_keeping_its_shape():
    original = io.BytesIO()
    _half_red(4032, 3024).save(original, format="JPEG", quality=95, exif=_exif())
    image = _assert_bare(clean_photo(original.getvalue()))
    assert image.size == (MAX_PHOTO_EDGE_PX, 1200)


def test_a_png_with_text_chunks_and_transparency_comes_out_bare_on_white():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "phone 13800000000")
    info.add_text("GPSPosition", "30.74 N, 116.83 E")
    image = Image.new("RGBA", (64, 32), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 32, 32))
    original = io.BytesIO()
    image.save(original, format="PNG", pnginfo=info, exif=_exif())
    cleaned = clean_photo(original.getvalue())
    assert b"13800000000" not in cleaned
    out = _assert_bare(cleaned)
    assert out.getpixel((50, 16))[0] > 240 and out.getpixel((50, 16))[2] > 240  # transparent became white


def test_a_heic_from_a_phone_with_gps_comes_out_as_a_bare_jpeg():
    original = io.BytesIO()
    _half_red().save(original, format="HEIF", exif=_exif(), quality=90)
    assert pillow_heif.open_heif(io.BytesIO(original.getvalue())).info.get("exif")  # the input has EXIF
    image = _assert_bare(clean_photo(original.getvalue()))
    assert image.size == (400, 200)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "report_error_photo_empty"),
        (b"GIF89a" + b"\x00" * 100, "report_error_photo_unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "report_error_photo_unreadable"),
        (b"%PDF-1.7 not a photo", "report_error_photo_unreadable"),
    ],
)
def test_files_that_are_no_photo_are_refused(content, key):
    with pytest.raises(PhotoError) as caught:
        clean_photo(content)
    assert caught.value.key == key


def test_a_gif_is_refused_by_format():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(PhotoError, match="GIF image is not accepted"):
        clean_photo(gif.getvalue())


def test_a_photo_over_10_mb_is_refused_before_decoding():
    with pytest.raises(PhotoError) as caught:
        clean_photo(b"\xff\xd8" + b"\x00" * MAX_PHOTO_BYTES)
    assert caught.value.key == "report_error_photo_too_large" and caught.value.params["max_mb"] == 10


def test_a_decompression_bomb_is_refused():
    # a valid PNG header claiming 100,000 x 100,000 pixels, in a few hundred bytes
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    with pytest.raises(PhotoError, match="could not be read|too many pixels"):
        clean_photo(bomb)


def test_photos_are_stored_once_by_content_hash_and_names_cannot_escape(tmp_path):
    folder = PhotoFolder(tmp_path)
    original = io.BytesIO()
    _half_red().save(original, format="JPEG")
    cleaned = clean_photo(original.getvalue())
    name, created = folder.save(cleaned)
    assert name == hashlib.sha256(cleaned).hexdigest() + ".jpg" == photo_name(cleaned) and created
    assert folder.save(cleaned) == (name, False)
    assert folder.read(name) == cleaned and folder.path(name).parent.name == name[:2]
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [name]
    for bad in ("../../etc/passwd", "IMG_0001.HEIC", name.upper(), name + "/x"):
        with pytest.raises(ValueError, match="not a stored photo name"):
            folder.path(bad)


def test_a_filed_hazard_keeps_only_the_cleaned_photo(tmp_path):
    from geo.feedback.store import ReportStore

    store = ReportStore(f"sqlite:///{tmp_path / 'r.sqlite3'}", photos_dir=tmp_path / "photos")
    original = io.BytesIO()
    _half_red(3000, 2000).save(original, format="JPEG", exif=_exif())
    filed = store.file_hazard(category="fire_safety", lon=116.83, lat=30.74, photo=original.getvalue())
    (photo,) = store.reports_frame()["photo"]
    stored = store.photos.read(photo)
    _assert_bare(stored)
    assert store.status(filed.reference).has_photo and len(stored) < len(original.getvalue())
    assert photo == hashlib.sha256(stored).hexdigest() + ".jpg"
    store.close()
