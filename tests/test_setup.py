"""Setup (assistant/setup.py): each step is skipped when its output was built from the same inputs, and
an index is rebuilt exactly when what it was built from changes."""
import json
from dataclasses import replace

import pytest

from assistant.models.image_encoder import ImageEncoder, ImageEncoderConfig
from assistant.setup import build_catalog, image_index_stale, image_index_stamp


@pytest.fixture
def fresh_settings(tmp_settings, tmp_path):
    return replace(tmp_settings, data_dir=tmp_path / "data")


@pytest.mark.unit
def test_the_catalog_is_built_once_from_the_luma_data(fresh_settings):
    fresh_settings.data_dir.mkdir()
    built = build_catalog(fresh_settings)
    assert built[0] == "catalog: built" and "  products (colour variants + gear): 461" in built
    assert build_catalog(fresh_settings) == ["catalog: up to date (461 products)"]
    assert build_catalog(fresh_settings, force=True)[0] == "catalog: built"


@pytest.mark.unit
def test_the_image_index_is_stale_until_built_with_the_chosen_encoder(fresh_settings, small_catalog, tmp_path):
    fresh_settings.data_dir.mkdir()
    fresh_settings.db_path.write_bytes(small_catalog.db_path.read_bytes())
    assert image_index_stale(fresh_settings)  # never built
    stamp_file = fresh_settings.index_dir / "image" / "stamp.json"
    stamp_file.parent.mkdir(parents=True)
    stamp_file.write_text(json.dumps(image_index_stamp(fresh_settings)))  # as build_image_index leaves it
    assert image_index_stale(fresh_settings)  # ... with the catalog photos the photo reader matches against
    (fresh_settings.index_dir / "photos").mkdir()
    (fresh_settings.index_dir / "photos" / "meta.json").write_text("{}")
    assert not image_index_stale(fresh_settings)
    tiny = tmp_path / "tiny.safetensors"
    ImageEncoder(ImageEncoderConfig(image_size=32, widths=(4, 8), depths=(0,))).save(tiny)
    assert image_index_stale(replace(fresh_settings, image_encoder=str(tiny)))


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
