"""CIELAB, CIEDE2000, colour targets, the LAB recolour baseline and the full-resolution colour
transfer (assistant/rendering/colour.py)."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from assistant.rendering.colour import (ColourTargets, ciede2000, lab_recolour, lab_to_rgb, rgb_to_lab,
                                        transfer_colour)

pytestmark = pytest.mark.unit

# Sharma, Wu & Dalal (2005), the CIEDE2000 test data: (Lab 1, Lab 2, ΔE00).
SHARMA = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
          ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
          ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
          ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
          ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373)]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_lab_round_trip_and_reference_whites():
    rgb = np.random.default_rng(0).integers(0, 256, (500, 3)).astype(np.uint8)
    assert np.abs(lab_to_rgb(rgb_to_lab(rgb)).astype(int) - rgb).max() <= 1
    assert rgb_to_lab(np.array([255, 255, 255], np.uint8)) == pytest.approx([100, 0, 0], abs=0.01)
    assert rgb_to_lab(np.array([0, 0, 0], np.uint8)) == pytest.approx([0, 0, 0], abs=0.01)


def _garment(colour, shade: bool = True):
    """A 40x32 image: white background, a 20x16 garment of `colour` with some shading."""
    img = np.full((40, 32, 3), 255, np.uint8)
    mask = np.zeros((40, 32), bool)
    mask[10:30, 8:24] = True
    ramp = np.linspace(0.8, 1.0, 16)[None, :, None] if shade else 1.0
    img[10:30, 8:24] = np.clip(np.array(colour)[None, None] * ramp, 0, 255).astype(np.uint8)
    return img, mask


def test_targets_average_each_photo_and_recolour_moves_only_the_garment():
    red, mask = _garment((200, 30, 30))
    green, _ = _garment((30, 160, 40))
    targets = ColourTargets.fit([("Red", red, mask), ("Green", green, mask)])
    assert set(targets.mean) == {"Red", "Green"} and "Blue" not in targets
    out = lab_recolour(red, mask, "Green", targets)
    assert np.array_equal(out[~mask], red[~mask])
    assert ciede2000(rgb_to_lab(out[mask]).mean(0), rgb_to_lab(green[mask]).mean(0)) < 2
    again = ColourTargets(**json.loads(json.dumps(dataclasses.asdict(targets))))   # as the weights' JSON holds them
    assert again.mean == targets.mean


def test_transfer_keeps_outside_pixels_and_detail_and_takes_the_colour():
    red, mask = _garment((200, 30, 30))
    red[20, 10:22] = 20                                     # a dark seam: detail the low resolution loses
    small = np.full((10, 8, 3), (30, 160, 40), np.uint8)   # "make it green", decided at low resolution
    out = transfer_colour(red, mask, small)
    assert np.array_equal(out[~mask & ~_near(mask)], red[~mask & ~_near(mask)])
    lab = rgb_to_lab(out)
    assert lab[12:18, 10:22, 1].mean() < -20               # green (negative a*) inside
    assert lab[20, 12:20, 0].mean() < lab[24, 12:20, 0].mean() - 5  # the seam is still darker
    assert np.array_equal(transfer_colour(red, np.zeros_like(mask), small), red)


def _near(mask):
    from scipy import ndimage
    return ndimage.binary_dilation(mask, iterations=2)
