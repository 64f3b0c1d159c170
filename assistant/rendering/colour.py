"""CIELAB, CIEDE2000, what each catalog colour looks like, and the LAB recolour baseline.

A colour word becomes an appearance through statistics of the catalog's own photos: the mean and
spread of L*, a*, b* over the garment pixels of every training variant of that colour. The
baseline recolour moves a garment's LAB statistics onto those (Reinhard transfer inside the mask),
keeping its shading and texture; the diffusion renderer is scored against it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

# sRGB (D65) <-> XYZ <-> CIELAB
_M = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
               [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 or [0, 1] float (..., 3) sRGB -> float (..., 3) CIELAB."""
    c = rgb.astype(np.float64) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float64)
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = c @ _M.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) -> uint8 sRGB, clipped to the gamut."""
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE
    c = np.clip(xyz @ np.linalg.inv(_M).T, 0, 1)
    c = np.where(c > 0.0031308, 1.055 * c ** (1 / 2.4) - 0.055, 12.92 * c)
    return np.round(np.clip(c, 0, 1) * 255).astype(np.uint8)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference, element-wise over (..., 3) LAB arrays (Sharma et al. 2005)."""
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    C = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    G = 0.5 * (1 - np.sqrt(C ** 7 / (C ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(C1p * C2p == 0, 0, dh)
    dHp = 2 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh / 2))
    Lbp, Cbp = (L1 + L2) / 2, (C1p + C2p) / 2
    hsum = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, hsum + 360, hsum - 360), hsum) / 2
    hbp = np.where(C1p * C2p == 0, hsum, hbp)
    T = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    dtheta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    Rc = 2 * np.sqrt(Cbp ** 7 / (Cbp ** 7 + 25.0 ** 7))
    Sl = 1 + 0.015 * (Lbp - 50) ** 2 / np.sqrt(20 + (Lbp - 50) ** 2)
    Sc, Sh = 1 + 0.045 * Cbp, 1 + 0.015 * Cbp * T
    Rt = -np.sin(np.radians(2 * dtheta)) * Rc
    return np.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh))


@dataclass
class ColourTargets:
    """Per catalog colour: mean and standard deviation of L*, a*, b* on garment pixels."""
    mean: dict[str, list[float]]
    std: dict[str, list[float]]

    @classmethod
    def fit(cls, samples: list[tuple[str, np.ndarray, np.ndarray]]) -> "ColourTargets":
        """samples: (colour, uint8 image, garment mask) of training products only."""
        pixels: dict[str, list[np.ndarray]] = {}
        for colour, image, mask in samples:
            if mask.any():
                pixels.setdefault(colour, []).append(rgb_to_lab(image[mask]))
        mean, std = {}, {}
        for colour, chunks in sorted(pixels.items()):
            # Each photo's own statistics, averaged: a large garment must not outvote a small one.
            mean[colour] = np.mean([c.mean(0) for c in chunks], 0).round(3).tolist()
            std[colour] = np.mean([c.std(0) for c in chunks], 0).round(3).tolist()
        return cls(mean, std)

    def __contains__(self, colour: str) -> bool:
        return colour in self.mean


def lab_recolour(image: np.ndarray, mask: np.ndarray, colour: str, targets: ColourTargets) -> np.ndarray:
    """The baseline: inside the mask, move each LAB channel's mean and spread to the colour's."""
    lab = rgb_to_lab(image)
    region = lab[mask]
    if not len(region):
        return image.copy()
    mu, sd = region.mean(0), region.std(0) + 1e-6
    t_mu, t_sd = np.array(targets.mean[colour]), np.array(targets.std[colour])
    lab[mask] = (region - mu) * (t_sd / sd) + t_mu
    out = image.copy()
    out[mask] = lab_to_rgb(lab[mask])
    return out


def transfer_colour(source: np.ndarray, mask: np.ndarray, coloured: np.ndarray) -> np.ndarray:
    """Full-resolution result of a low-resolution colour decision.

    `coloured` (any size) says what colour each part of the garment becomes; the source photo's own
    fine detail (the luminance above what the low resolution holds: stitches, fabric, highlights)
    is added back, and pixels outside the mask are the source's, untouched. The mask edge is
    feathered by a pixel or two so the seam does not alias. Only the garment's box is converted.
    """
    h, w = source.shape[:2]
    if not mask.any():
        return source.copy()
    ys, xs = np.nonzero(mask)
    pad = max(4, w // 100)   # room for the feathered edge
    t, b = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    l, r = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    small = coloured.shape[1], coloured.shape[0]

    def up(channel: np.ndarray) -> np.ndarray:   # a float channel to the full size, cropped to the box
        return np.asarray(Image.fromarray(channel.astype(np.float32), "F").resize((w, h), Image.Resampling.BICUBIC))[t:b, l:r]

    lightness = _lightness(source)
    low = np.asarray(Image.fromarray(lightness, "F").resize(small, Image.Resampling.BOX))
    detail = lightness[t:b, l:r] - up(low)                    # what the model's resolution cannot hold
    lab = rgb_to_lab(coloured)
    new_lab = np.stack([up(lab[..., 0]) + detail, up(lab[..., 1]), up(lab[..., 2])], -1)
    recoloured = lab_to_rgb(new_lab)
    src = source[t:b, l:r]
    alpha = np.asarray(Image.fromarray(mask[t:b, l:r].astype(np.uint8) * 255).filter(
        ImageFilter.GaussianBlur(max(0.5, w / 800))), dtype=np.float32)[..., None] / 255.0
    alpha = np.where(mask[t:b, l:r, None], np.maximum(alpha, 0.5), alpha)  # stay inside: never fade the garment
    out = source.copy()
    out[t:b, l:r] = np.round(recoloured * alpha + src * (1 - alpha)).astype(np.uint8)
    return out


def _lightness(rgb: np.ndarray) -> np.ndarray:
    """CIE L* alone (float32): the luminance row of rgb_to_lab, a third of the work."""
    c = rgb.astype(np.float32) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    y = c @ _M[1].astype(np.float32)
    return (116 * np.where(y > (6 / 29) ** 3, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29) - 16).astype(np.float32)
