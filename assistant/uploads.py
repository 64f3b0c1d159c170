"""Safe intake of shopper photos: validate, normalise to 8-bit RGB, and store content-addressed.

Uploads are untrusted, so every failure becomes an ImageRejected whose message can be shown to
the shopper as is, and nothing is written until the image has fully decoded.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

MB = 1024 * 1024
MAX_BYTES = 25 * MB
MAX_PIXELS = 40_000_000
# Only plain raster formats: others (e.g. EPS, which shells out to Ghostscript) widen the attack surface.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


class ImageRejected(ValueError):
    """An upload we will not use; the message is a shopper-facing sentence saying why."""


@dataclass
class StoredPhoto:
    """The normalised copy of an upload on disk (the dialogue's record of it: dialogue.state.Photo)."""
    name: str
    path: str
    sha256: str
    width: int
    height: int


def _read_source(source, max_bytes: int) -> tuple[bytes, str]:
    """The upload's bytes and a name to use in messages, with size checks done before reading."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), "The photo"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = path.name or str(path)
        if not path.is_file():
            raise ImageRejected(f"We couldn't find the photo {label}; please upload it again.")
        size = path.stat().st_size
        if size > max_bytes:  # checked on the file's size so a huge upload is never read in
            raise ImageRejected(f"{label} is {size / MB:.1f} MB; the limit is {max_bytes / MB:g} MB.")
        try:
            data = path.read_bytes()
        except OSError:
            raise ImageRejected(f"We couldn't read {label}; please upload it again.") from None
    else:  # e.g. None or a number from a malformed API payload: the sender's mistake, said plainly
        from assistant.turn_input import kind_of
        raise ImageRejected(f"A photo must be a file path, the file's bytes or an image, not {kind_of(source)}.")
    if not data:
        raise ImageRejected(f"{label} is empty (0 bytes); please upload the photo again.")
    if len(data) > max_bytes:
        raise ImageRejected(f"{label} is {len(data) / MB:.1f} MB; the limit is {max_bytes / MB:g} MB.")
    return data, label


def _to_8bit_l(img: Image.Image) -> Image.Image:
    """High-bit-depth greyscale to 8-bit by scaling; PIL's own convert clips everything above 255."""
    a = np.asarray(img).astype(np.float64)
    if img.mode.startswith("I;16"):
        a = a / 257.0
    elif img.mode == "F" and a.size and a.max() <= 1.0:
        a = a * 255.0  # float images are conventionally 0..1
    elif img.mode == "I" and a.size and a.max() > 255:
        a = a / 257.0  # 32-bit int holding 16-bit samples (older Pillow opens 16-bit PNGs so)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode.startswith("I") or img.mode == "F":
        img = _to_8bit_l(img)
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        # Composite on white: dropping alpha would expose whatever colour hides under transparency.
        out = Image.new("RGB", rgba.size, "white")
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    return img.convert("RGB")  # CMYK, P, L, 1, YCbCr...; always a new image, never the caller's


def _upright(img: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # a malformed EXIF block is no reason to refuse otherwise good pixels
        return img


def load_image(source, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """A fully decoded, upright, 8-bit RGB image from a path, bytes or PIL image; else ImageRejected."""
    data, label = (None, "The photo") if isinstance(source, Image.Image) else _read_source(source, max_bytes)
    try:
        # Opening only parses the header, so the size check below happens before any decoding.
        img = source if data is None else Image.open(io.BytesIO(data), formats=FORMATS)
        w, h = img.size
        if w * h > max_pixels:
            raise ImageRejected(f"{label} is {w} x {h} pixels, too large to process; "
                                f"please upload a photo under {max_pixels / 1e6:g} megapixels.")
        if getattr(img, "is_animated", False):
            img.seek(0)
        img.load()  # full decode: truncated or corrupt data fails here, not later
        return _to_rgb(_upright(img))
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"{label} has too many pixels to process safely; "
                            "please upload a smaller photo.") from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageRejected(f"{label} isn't an image we can read; please upload a JPEG, PNG, "
                            "GIF, WebP, BMP or TIFF photo.") from exc
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError) as exc:
        # Decoders signal malformed input with any of these; for an upload they all mean "broken".
        raise ImageRejected(f"{label} appears to be damaged or incomplete; "
                            "please upload it again.") from exc


def store_photo(source, uploads_dir: Path, number: int, max_bytes: int = MAX_BYTES,
                max_pixels: int = MAX_PIXELS, max_side: int = 1024) -> StoredPhoto:
    """Normalise an upload and store it as uploads_dir/<sha256>.jpg (reused if already there)."""
    img = load_image(source, max_bytes=max_bytes, max_pixels=max_pixels)
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # only ever shrinks
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)  # no exif passed, so e.g. GPS metadata is dropped
    path, sha = write_content_addressed(uploads_dir, buf.getvalue(), ".jpg")
    return StoredPhoto(name=f"photo {number}", path=str(path), sha256=sha,
                       width=img.width, height=img.height)


def write_content_addressed(folder: Path, data: bytes, suffix: str) -> tuple[Path, str]:
    """Store bytes as folder/<sha256><suffix> (kept if already there) and return (path, sha256).
    Never partly written (write_atomic)."""
    sha = hashlib.sha256(data).hexdigest()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha}{suffix}"
    if not path.exists():
        write_atomic(path, data)
    return path, sha


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder + os.replace: readers never see a partial file."""
    fd, tmp = tempfile.mkstemp(dir=Path(path).parent, prefix=".write-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
