"""The photo reader (assistant/models/photo_reader.py): a photo read against the catalog's categories,
colours and genders. The unit tests read vectors built from the captions themselves (a stand-in
embedder, no image tower); the full test reads real catalog photos with the shipped tower."""
import numpy as np
import pytest

from assistant.models.photo_reader import PhotoReader, PhotoReading, colour_text


class CaptionEncoder:
    """A stand-in image tower: an "image" is already its vector."""

    def encode(self, images):
        return np.stack(images)


@pytest.fixture
def reader(one_hot_embedder, small_catalog):
    return PhotoReader(CaptionEncoder(), one_hot_embedder, small_catalog)


def unit(v):
    return v / np.linalg.norm(v)


@pytest.mark.unit
def test_a_photo_is_read_as_the_captions_it_is_closest_to(reader, one_hot_embedder):
    men = unit(one_hot_embedder.encode([f"men's {c.lower()}" for c in reader.categories]).mean(0))
    photo = one_hot_embedder.encode_one("a photo of a jacket") + one_hot_embedder.encode_one(colour_text("Red")) + men
    reading = reader.read(reader.embed([photo])[0])
    assert (reading.category[0][0], reading.color[0][0], reading.gender[0][0]) == ("Jackets", "Red", "Men")
    for ranked, names in ((reading.category, reader.categories), (reading.color, reader.colors),
                          (reading.gender, ["Men", "Women"])):
        assert sorted(n for n, _ in ranked) == sorted(names)
        probabilities = [p for _, p in ranked]
        assert probabilities == sorted(probabilities, reverse=True) and abs(sum(probabilities) - 1) < 1e-2
    assert reading.summary().startswith("looks like Jackets (")


@pytest.mark.unit
def test_the_categories_are_the_catalogs_leaves(reader, small_catalog):
    assert reader.categories == sorted({p.category for p in small_catalog.all()})
    assert reader.colors == small_catalog.values("color") and reader.genders == ["Men", "Women"]


@pytest.mark.unit
def test_a_category_is_guessed_only_when_the_reading_is_confident():
    reading = PhotoReading([("Tees", 0.62), ("Tanks", 0.3)], [("Red", 0.9)], [("Women", 0.55), ("Men", 0.45)])
    assert reading.summary() == "looks like Tees (62%), colour Red (90%), Women (55%)"
    assert reading.category_guess(0.5) == "Tees" and reading.category_guess(0.7) is None
    assert reading.to_dict() == {"category": [("Tees", 0.62), ("Tanks", 0.3)], "color": [("Red", 0.9)],
                                 "gender": [("Women", 0.55), ("Men", 0.45)]}


def test_photo_readings_name_catalog_categories(photo_bot, catalog):
    jackets = [p for p in catalog.all() if p.category == "Jackets"][::6]
    vectors = photo_bot.photo_reader.embed([p.image_path for p in jackets])
    readings = [photo_bot.photo_reader.read(v) for v in vectors]
    assert np.mean([r.category[0][0] == "Jackets" for r in readings]) >= 0.6
    assert readings and all(abs(sum(p for _, p in r.color) - 1) < 1e-2 for r in readings)  # rounded to 3 places
    assert "looks like" in readings[0].summary()
