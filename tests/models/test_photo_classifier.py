"""The photo classifier (assistant/models/photo_classifier.py): the shipped weights load and read
calibrated probabilities over the catalog's categories and "other"; a missing classifier, or one
fitted to another image tower, is not used; the reliability figures."""
import numpy as np
import pytest

from assistant.models.photo_classifier import (OTHER, SHIPPED_CLASSIFIER, PhotoClassifier, load_photo_classifier,
                                               reliability)
from assistant.settings import Settings

pytestmark = pytest.mark.unit


def test_the_shipped_classifier_loads_and_reads_calibrated_probabilities(luma_catalog):
    classifier = PhotoClassifier.load(SHIPPED_CLASSIFIER)
    assert classifier.classes == sorted({p.category for p in luma_catalog.all()}) + [OTHER]
    assert classifier.temperature > 0 and classifier.image_encoder
    # The settings' hard-filter threshold is one `eval vision` sweeps on the tune half, no stricter than
    # the classifier's own 95%-precision reference.
    from assistant.evaluation.vision import FILTER_THRESHOLDS
    assert Settings().photo_category_min in FILTER_THRESHOLDS
    assert Settings().photo_category_min <= classifier.hard_filter_min
    vectors = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    flipped = vectors[:, ::-1].copy()
    probs = classifier.probabilities(vectors, flipped)
    assert probs.shape == (3, len(classifier.classes)) and np.allclose(probs.sum(1), 1, atol=1e-5)
    # Test-time augmentation: the logits of the photo and its mirror image, averaged.
    both = (classifier.logits(vectors) + classifier.logits(flipped)) / 2
    assert np.allclose(classifier.logits(vectors, flipped), both, atol=1e-5)


def test_a_classifier_is_used_only_for_the_tower_it_was_fitted_on(tmp_path):
    shipped = PhotoClassifier.load(SHIPPED_CLASSIFIER)
    assert load_photo_classifier(tmp_path / "missing.safetensors", shipped.image_encoder) is None
    assert load_photo_classifier(SHIPPED_CLASSIFIER, "another-tower") is None
    assert load_photo_classifier(SHIPPED_CLASSIFIER, shipped.image_encoder).classes == shipped.classes
    shipped.save(tmp_path / "copy.safetensors", {"command": "test"})
    copy = PhotoClassifier.load(tmp_path / "copy.safetensors")
    assert (copy.classes, copy.temperature, copy.hard_filter_min) == (shipped.classes, shipped.temperature,
                                                                      shipped.hard_filter_min)


def test_reliability_bins_and_expected_calibration_error():
    perfect = reliability([0.9] * 10 + [0.2] * 5, [1] * 9 + [0] + [1] + [0] * 4)
    assert perfect["count"] == [5, 10] and np.allclose(perfect["accuracy"], [0.2, 0.9]) and perfect["ece"] < 1e-9
    over = reliability([0.95] * 4, [1, 0, 1, 0])
    assert over["ece"] == pytest.approx(0.45) and over["confidence"] == [pytest.approx(0.95)]
