"""The photo reader (assistant/models/photo_reader.py): a photo read against the catalog's categories,
colours and genders."""
import numpy as np


def test_photo_readings_name_catalog_categories(photo_bot, catalog):
    jackets = [p for p in catalog.all() if p.category == "Jackets"][::6]
    vectors = photo_bot.photo_reader.embed([p.image_path for p in jackets])
    readings = [photo_bot.photo_reader.read(v) for v in vectors]
    assert np.mean([r.category[0][0] == "Jackets" for r in readings]) >= 0.6
    assert all(abs(sum(p for _, p in r.color) - 1) < 1e-2 for r in readings)  # rounded to 3 places
    assert "looks like" in readings[0].summary()
