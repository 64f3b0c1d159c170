"""The photo classifier's training (assistant/training/photo_reader.py): its targets, the fit, the
temperature and the threshold rule, on small made-up data (the real run, `python -m assistant train
photo-reader`, embeds some 8,000 photos and is not repeated here)."""
import numpy as np
import pytest
import torch

from assistant.models.photo_classifier import OTHER
from assistant.training.photo_reader import (choose_threshold, class_right, fit_head, fit_temperature,
                                             hard_filter_curve, soft_nll, target_row, top_right)

pytestmark = pytest.mark.unit
CLASSES = ["Hoodies & Sweatshirts", "Jackets", "Pants", "Tees", OTHER]


def test_shopper_classes_become_catalog_targets_or_other():
    assert target_row("pants", CLASSES).tolist() == [0, 0, 1, 0, 0]
    assert target_row("longsleeve", CLASSES).tolist() == [1, 0, 0, 0, 0]      # a sweatshirt, as shoppers see one
    assert target_row("dress", CLASSES).tolist() == [0, 0, 0, 0, 1]           # not sold: other


def test_right_by_the_training_targets_and_by_the_rubric():
    probs = np.array([[0.1, 0.6, 0.1, 0.1, 0.1],    # outwear read as Jackets: right both ways
                      [0.5, 0.0, 0.0, 0.1, 0.4],    # longsleeve read as Hoodies: right both ways
                      [0.0, 0.0, 0.0, 0.3, 0.7],    # a dress read as other: right as a class; no category is
                      [0.0, 0.7, 0.0, 0.0, 0.3]])   # t-shirt read as Jackets: wrong both ways
    labels = ["outwear", "longsleeve", "dress", "t-shirt"]
    confidence, right = class_right(probs, labels, CLASSES)
    assert confidence.tolist() == [0.6, 0.5, 0.7, 0.7] and right.tolist() == [True, True, True, False]
    confidence, right = top_right(probs, labels, CLASSES)
    assert confidence.tolist() == [0.6, 0.5, 0.3, 0.7] and right.tolist() == [True, True, False, False]


def test_the_head_fits_separable_data():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)).astype(np.float32) * 3
    labels = rng.integers(0, 3, 300)
    x = centres[labels] + rng.normal(size=(300, 8)).astype(np.float32)
    head = fit_head(x, np.eye(3, dtype=np.float32)[labels], 1e-3, 100, seed=0)
    assert (head(torch.from_numpy(x)).argmax(1).numpy() == labels).mean() > 0.9


def test_the_temperature_undoes_overconfidence():
    """Labels drawn from softmax(z): logits 3z are three times too sharp, and the fitted temperature
    brings them back (about 3), lowering the negative log-likelihood."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, 4)) * 2
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    labels = np.array([rng.choice(4, p=row) for row in p])
    y = np.eye(4)[labels]
    temperature = fit_temperature(3 * z, y)
    assert 2.5 < temperature < 3.5 and soft_nll(3 * z, y, temperature) < soft_nll(3 * z, y, 1.0)


def test_the_threshold_is_the_lowest_from_which_hard_filters_stay_precise():
    confidence = np.array([0.55, 0.65, 0.75, 0.85, 0.95, 0.97])
    right = np.array([False, True, False, True, True, True])
    curve = hard_filter_curve(confidence, right, (0.5, 0.6, 0.7, 0.8, 0.9))
    assert [r["share"] for r in curve] == pytest.approx([1, 5 / 6, 4 / 6, 3 / 6, 2 / 6])
    assert choose_threshold(curve, 0.95) == 0.8   # 0.7 lets one wrong filter in out of four
    assert choose_threshold(curve, 0.6) == 0.5
    never = hard_filter_curve(confidence, np.zeros(6, bool), (0.5, 0.9))
    assert choose_threshold(never, 0.95) == 1.0   # no threshold is safe: never filter
