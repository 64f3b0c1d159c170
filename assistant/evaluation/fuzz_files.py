"""Bad uploads for the fuzz corpus (assistant/evaluation/fuzz_corpus.py): every broken image kind,
non-images and decompression bombs, each made from its name alone (fixed seeds), so the corpus keeps
only names and every run sends the same bytes.
"""
from __future__ import annotations

import gzip
import io
import random
import struct
import zipfile
import zlib

from PIL import Image


def _image(mode="RGB", size=(64, 48), colour=(200, 40, 40)) -> Image.Image:
    return Image.new(mode, size, colour if mode in ("RGB", "RGBA", "CMYK") else 128)


def _save(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header declaring side x side pixels over a few KB of zeros: decodes to gigabytes."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (side + 1) * 16, 9)            # the first rows only: the rest is missing
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def gif_huge_screen() -> bytes:
    """A GIF whose logical screen is 65535 x 65535 with a 1-pixel frame."""
    data = bytearray(_save(_image("P", (1, 1)), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def _flip(data: bytes, seed: int, flips: int = 40) -> bytes:
    """The bytes with some flipped after the first 64 (the header kept, so the decoder gets going)."""
    rng, out = random.Random(seed), bytearray(data)
    for _ in range(flips):
        i = rng.randrange(64, len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _jpeg(**kwargs) -> bytes:
    img = Image.effect_noise((96, 96), 40).convert("RGB")
    return _save(img, "JPEG", **kwargs)


def _exif_bomb() -> bytes:
    """A JPEG whose EXIF block claims an orientation that does not exist and a broken IFD."""
    exif = Image.Exif()
    exif[0x0112] = 9  # orientation 1..8 only
    data = bytearray(_save(_image(), "JPEG", exif=exif.tobytes()))
    at = data.find(b"Exif")
    if at > 0:
        data[at + 10:at + 14] = b"\xff\xff\xff\x7f"  # the IFD offset points far past the end
    return bytes(data)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.jpg", _jpeg())
    return buf.getvalue()


# name -> bytes, each deterministic. Plain-raster kinds the assistant must accept are listed too
# (odd but valid): the corpus is of hostile input, and a valid odd file must not fail either.
MAKERS = {
    "empty": lambda: b"",
    "one_byte": lambda: b"\xff",
    "text_file": lambda: b"these are my notes, not a photo\n" * 20,
    "html": lambda: b"<html><body><img src=x onerror=alert(1)></body></html>",
    "svg_script": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf": lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "eps": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
    "zip": _zip,
    "gzip_jpeg": lambda: gzip.compress(_jpeg()),
    "random_bytes": lambda: random.Random(7).randbytes(4096),
    "nul_bytes": lambda: b"\x00" * 4096,
    "jpeg_header_only": lambda: _jpeg()[:20],
    "jpeg_truncated_half": lambda: (lambda d: d[: len(d) // 2])(_jpeg()),
    "jpeg_no_eoi": lambda: _jpeg()[:-2],
    "jpeg_flipped_bits": lambda: _flip(_jpeg(), 1),
    "jpeg_progressive_truncated": lambda: (lambda d: d[: len(d) // 3])(_jpeg(progressive=True)),
    "jpeg_bad_exif": _exif_bomb,
    "jpeg_polyglot_zip": lambda: _jpeg() + _zip(),
    "png_truncated": lambda: (lambda d: d[: len(d) // 2])(_save(Image.effect_noise((96, 96), 40), "PNG")),
    "png_bad_crc": lambda: (lambda d: d[:29] + b"\x00\x00\x00\x00" + d[33:])(_save(_image(), "PNG")),
    "png_flipped_bits": lambda: _flip(_save(Image.effect_noise((96, 96), 40), "PNG"), 2),
    "png_bomb": png_bomb,
    "png_zero_size": lambda: b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0)),
    "png_16bit_grey": lambda: _save(Image.new("I;16", (40, 30), 40000), "PNG"),
    "png_rgba_transparent": lambda: _save(Image.new("RGBA", (40, 30), (0, 0, 255, 0)), "PNG"),
    "png_palette_transparency": lambda: _save(_image("P", (40, 30)), "PNG", transparency=128),
    "png_1x1": lambda: _save(_image(size=(1, 1)), "PNG"),
    "png_extreme_aspect": lambda: _save(_image(size=(4000, 1)), "PNG"),
    "gif_truncated": lambda: _save(Image.effect_noise((64, 64), 40).convert("P"), "GIF")[:40],
    "gif_huge_screen": gif_huge_screen,
    "gif_animated": lambda: _save(_image("P", (30, 30)), "GIF", save_all=True,
                                  append_images=[_image("P", (30, 30))] * 3, duration=50, loop=0),
    "webp_truncated": lambda: _save(Image.effect_noise((64, 64), 40).convert("RGB"), "WEBP")[:60],
    "bmp_bad_header": lambda: (lambda d: d[:18] + struct.pack("<ii", -5, 2 ** 30) + d[26:])(_save(_image(), "BMP")),
    "tiff_bad_offsets": lambda: (lambda d: d[:4] + b"\xff\xff\xff\x7f" + d[8:])(_save(_image(), "TIFF")),
    "tiff_cmyk": lambda: _save(_image("CMYK", (40, 30), (0, 255, 255, 0)), "TIFF"),
    "ico": lambda: _save(_image(size=(32, 32)), "ICO"),
    "jpeg_cmyk": lambda: _save(_image("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"),
    "jpeg_greyscale": lambda: _save(_image("L", (40, 30)), "JPEG"),
    "jpeg_ok": lambda: _jpeg(),
}


def make(name: str) -> bytes:
    return MAKERS[name]()
