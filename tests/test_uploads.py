"""Photo intake: every image is built here with PIL, so no binary fixtures are needed."""
from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from assistant import uploads
from assistant.uploads import ImageRejected, StoredPhoto, load_image, store_photo

pytestmark = pytest.mark.unit


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height but carries almost no pixel data: instant to make."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def _close(pixel, expected, tol=12):
    return all(abs(a - b) <= tol for a, b in zip(pixel, expected))


def _stored(photo: StoredPhoto) -> Image.Image:
    img = Image.open(io.BytesIO(Path(photo.path).read_bytes()))
    img.load()
    return img


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_jpeg_is_stored_content_addressed(tmp_path):
    src = _write(tmp_path / "shirt.jpg", _encode(Image.new("RGB", (64, 48), (200, 30, 30)), "JPEG"))
    up = tmp_path / "uploads"
    first = store_photo(src, up, 1)
    second = store_photo(src, up, 2)
    assert first.path == second.path and Path(first.path).is_absolute()
    assert _files(up) == [Path(first.path)]  # one file, no temp leftovers
    data = Path(first.path).read_bytes()
    assert first.sha256 == hashlib.sha256(data).hexdigest() == Path(first.path).stem
    assert (first.name, second.name) == ("photo 1", "photo 2")
    assert (first.width, first.height) == (64, 48)
    img = _stored(first)
    assert img.format == "JPEG" and img.mode == "RGB"
    assert _close(img.getpixel((10, 10)), (200, 30, 30))


def test_large_photo_is_downscaled(tmp_path):
    photo = store_photo(Image.new("RGB", (3000, 1500), "green"), tmp_path, 1)
    assert (photo.width, photo.height) == (1024, 512) == _stored(photo).size


def test_text_file_is_rejected(tmp_path):
    src = _write(tmp_path / "notes.jpg", b"this is not a picture, just some text\n" * 10)
    with pytest.raises(ImageRejected, match="isn't an image"):
        load_image(src)


def test_truncated_jpeg_is_rejected(tmp_path):
    noisy = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3))
    data = _encode(noisy, "JPEG")
    src = _write(tmp_path / "cut.jpg", data[: len(data) // 2])
    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        load_image(src)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_huge_dimensions_rejected_before_decoding(tmp_path):
    src = _write(tmp_path / "bomb.png", _png_header_only(12_000, 12_000))
    start = time.perf_counter()
    # The pixel data is bogus, so a "too large" message (not "damaged") proves no decode happened.
    with pytest.raises(ImageRejected, match="12000 x 12000 pixels"):
        load_image(src)
    assert time.perf_counter() - start < 1.0


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pil_bomb_warning_raised_as_error_is_rejected(tmp_path):
    # 12000^2 trips PIL's own warning inside Image.open, before our check runs.
    with pytest.raises(ImageRejected, match="too many pixels"):
        load_image(_png_header_only(12_000, 12_000), max_pixels=10**9)


def test_pil_bomb_error_is_rejected():
    # Over twice PIL's MAX_IMAGE_PIXELS, Image.open itself raises DecompressionBombError.
    with pytest.raises(ImageRejected, match="too many pixels"):
        load_image(_png_header_only(20_000, 20_000), max_pixels=10**10)


def test_animated_gif_stores_first_frame_as_rgb(tmp_path):
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    src = _write(tmp_path / "spin.gif", buf.getvalue())
    with Image.open(src) as im:
        assert im.n_frames == 3
    img = _stored(store_photo(src, tmp_path / "up", 1))
    assert img.mode == "RGB" and _close(img.getpixel((16, 16)), (255, 0, 0))


def test_png_alpha_composited_on_white(tmp_path):
    img = Image.new("RGBA", (40, 20), (0, 0, 0, 0))  # transparent black: a bare convert shows black
    img.paste((0, 0, 255, 255), (20, 0, 40, 20))
    src = _write(tmp_path / "cutout.png", _encode(img, "PNG"))
    out = load_image(src)
    assert out.mode == "RGB"
    assert out.getpixel((5, 10)) == (255, 255, 255)
    assert out.getpixel((35, 10)) == (0, 0, 255)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    src = _write(tmp_path / "print.jpg", _encode(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG"))
    with Image.open(src) as im:
        assert im.mode == "CMYK"
    img = _stored(store_photo(src, tmp_path / "up", 1))
    assert img.mode == "RGB" and _close(img.getpixel((16, 16)), (255, 0, 0))


def test_16bit_png_scaled_to_8bit_rgb(tmp_path):
    src = _write(tmp_path / "deep.png", _encode(Image.new("I;16", (32, 32), 32768), "PNG"))
    with Image.open(src) as im:
        assert im.mode.startswith("I")
    out = load_image(src)
    # Mid-grey must stay mid-grey; a clipping conversion would turn it white.
    assert out.mode == "RGB" and _close(out.getpixel((5, 5)), (128, 128, 128), tol=1)
    assert _close(_stored(store_photo(src, tmp_path / "up", 1)).getpixel((5, 5)), (128, 128, 128), 4)


def test_exif_orientation_6_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    src = _write(tmp_path / "phone.jpg", _encode(img, "JPEG", exif=exif))
    photo = store_photo(src, tmp_path / "up", 1)
    out = _stored(photo)
    assert (photo.width, photo.height) == out.size == (20, 40)
    assert _close(out.getpixel((10, 5)), (255, 0, 0), 30)  # the left half is now on top
    assert _close(out.getpixel((10, 35)), (0, 0, 255), 30)


def test_missing_and_empty_files_are_rejected(tmp_path):
    with pytest.raises(ImageRejected, match="couldn't find"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageRejected, match="empty"):
        load_image(_write(tmp_path / "empty.jpg", b""))
    with pytest.raises(ImageRejected, match="empty"):
        load_image(b"")


def test_file_over_byte_limit_is_rejected(tmp_path):
    src = _write(tmp_path / "huge.jpg", os.urandom(40 * 1024 * 1024))
    with pytest.raises(ImageRejected) as info:
        load_image(src)
    assert str(info.value) == "huge.jpg is 40.0 MB; the limit is 25 MB."


def test_pil_image_and_bytes_inputs(tmp_path):
    original = Image.new("P", (30, 10))
    out = load_image(original)
    assert out.mode == "RGB" and out.size == (30, 10) and original.mode == "P"
    data = _encode(Image.new("RGB", (30, 10), (10, 200, 10)), "PNG")
    photo = store_photo(data, tmp_path, 3)
    assert photo.name == "photo 3" and _close(_stored(photo).getpixel((15, 5)), (10, 200, 10))
    assert store_photo(bytearray(data), tmp_path, 4).path == photo.path


def test_rejected_upload_leaves_no_files(tmp_path):
    up = tmp_path / "uploads"
    data = _encode(Image.new("RGB", (64, 64), "red"), "JPEG")
    for bad in (data[: len(data) // 2], b"", b"plain text"):
        with pytest.raises(ImageRejected):
            store_photo(bad, up, 1)
    assert _files(up) == []


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def boom(*_):
        raise OSError("disk full")
    monkeypatch.setattr(uploads.os, "replace", boom)
    with pytest.raises(OSError):
        store_photo(Image.new("RGB", (8, 8)), tmp_path / "up", 1)
    assert _files(tmp_path / "up") == []


def test_pil_settings_untouched(tmp_path):
    from PIL import ImageFile
    before = (ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS)
    with pytest.raises(ImageRejected):
        load_image(b"not an image")
    store_photo(Image.new("RGB", (8, 8)), tmp_path, 1)
    assert (ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS) == before
