"""Region metrics and KID (assistant/rendering/metrics.py)."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.rendering.metrics import delta_e, kid, psnr, ssim

pytestmark = pytest.mark.unit


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    base = np.linspace(0, 255, 64)[None, :, None].repeat(48, 0).repeat(3, 2)
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


def test_identical_images_score_perfectly_and_noise_lowers_the_scores(image):
    mask = np.ones(image.shape[:2], bool)
    assert psnr(image, image, mask) > 90 and ssim(image, image, mask) == pytest.approx(1.0)
    assert delta_e(image, image, mask) == pytest.approx(0.0, abs=1e-9)
    noisy = np.clip(image + np.random.default_rng(1).normal(0, 25, image.shape), 0, 255).astype(np.uint8)
    assert psnr(noisy, image, mask) < 25 and ssim(noisy, image, mask) < 0.9 and delta_e(noisy, image, mask) > 3


def test_only_the_mask_counts(image):
    other = image.copy()
    other[:, :32] = 0
    right = np.zeros(image.shape[:2], bool)
    right[:, 40:] = True
    assert psnr(other, image, right) > 90 and delta_e(other, image, right) == pytest.approx(0.0, abs=1e-9)


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (200, 16)), rng.normal(0, 1, (200, 16))
    assert abs(kid(a, b)) < 0.05
    assert kid(a, b + 1.0) > 10 * abs(kid(a, b))
