"""Setup: an index is rebuilt exactly when what it was built from changes."""
from dataclasses import replace

import pytest

from assistant.models.image_encoder import ImageEncoder, ImageEncoderConfig
from assistant.setup import image_index_stale, image_index_stamp


def test_choosing_another_image_encoder_makes_the_image_index_stale(settings, tmp_path):
    tiny = tmp_path / "tiny.safetensors"
    ImageEncoder(ImageEncoderConfig(image_size=32, widths=(4, 8), depths=(0,))).save(tiny)
    chosen = replace(settings, image_encoder=str(tiny))
    assert not image_index_stale(settings)  # setup built it with the shipped encoder
    assert image_index_stale(chosen)
    assert image_index_stamp(chosen)["weights"] != image_index_stamp(settings)["weights"]


def test_a_missing_chosen_encoder_is_an_error_not_a_skipped_index(settings, tmp_path):
    missing = replace(settings, image_encoder=str(tmp_path / "missing.safetensors"))
    with pytest.raises(FileNotFoundError, match="SHOPASSIST_IMAGE_ENCODER"):
        image_index_stale(missing)
