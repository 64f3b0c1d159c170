"""Image quality on a region: PSNR, SSIM and CIEDE2000 against the real photo; and KID.

All three region metrics score only the garment mask, because everything outside it is the source
photo by construction and would flatter every method equally.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from assistant.rendering.colour import ciede2000, rgb_to_lab


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    err = ((a.astype(np.float64) - b.astype(np.float64)) ** 2)[mask].mean()
    return float(10 * np.log10(255.0 ** 2 / max(err, 1e-10)))


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray, sigma: float = 1.5) -> float:
    """Mean SSIM (Wang et al. 2004, Gaussian window) over RGB channels, averaged inside the mask."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: ndimage.gaussian_filter(x, (sigma, sigma, 0), truncate=3.5)  # noqa: E731
    x, y = a.astype(np.float64), b.astype(np.float64)
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx ** 2, blur(y * y) - my ** 2, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return float(s.mean(-1)[mask].mean())


def delta_e(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Mean CIEDE2000 between two RGB images over the mask."""
    return float(ciede2000(rgb_to_lab(a[mask]), rgb_to_lab(b[mask])).mean())


def kid(x: np.ndarray, y: np.ndarray) -> float:
    """Kernel Inception Distance (Binkowski et al. 2018) between two feature sets (n, d): the
    unbiased MMD^2 with the cubic polynomial kernel, on whatever features are given."""
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())
