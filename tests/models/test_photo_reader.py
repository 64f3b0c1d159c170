"""The photo reader (assistant/models/photo_reader.py): a photo read against the catalog's categories,
colours and genders. The unit tests read vectors built from the captions themselves (a stand-in
embedder, no image tower); the full tests read real catalog and shopper photos with the shipped tower
and classifier, and search with them through the production path."""
import io

import numpy as np
import pytest
from PIL import Image

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
def test_a_category_is_guessed_only_when_the_reading_is_confident_and_calibrated():
    reading = PhotoReading([("Tees", 0.62), ("Tanks", 0.3)], [("Red", 0.9)], [("Women", 0.55), ("Men", 0.45)],
                           other=0.08, calibrated=True)
    assert reading.summary() == "looks like Tees (62%), colour Red (90%), Women (55%)"
    assert reading.category_guess(0.5) == "Tees" and reading.category_guess(0.7) is None
    assert reading.likely_categories(0.1) == {"Tees": 0.62, "Tanks": 0.3}  # what ranks when nothing filters
    assert reading.to_dict() == {"category": [("Tees", 0.62), ("Tanks", 0.3)], "color": [("Red", 0.9)],
                                 "gender": [("Women", 0.55), ("Men", 0.45)], "other": 0.08, "calibrated": True,
                                 "match": None}
    zero_shot = PhotoReading([("Jackets", 0.99)], [("Red", 0.9)], [("Men", 0.6)])  # not calibrated: never filters
    assert zero_shot.category_guess(0.5) is None and zero_shot.likely_categories(0.1) == {"Jackets": 0.99}
    unsold = PhotoReading([("Tees", 0.2)], [("Red", 0.9)], [("Men", 0.6)], other=0.7, calibrated=True)
    assert unsold.summary().endswith("more likely nothing the catalog sells (70%)")
    assert unsold.category_guess(0.5) is None


@pytest.mark.unit
def test_the_words_narrow_the_categories_a_photo_can_show():
    """"These in black, womens 29": only pants and shorts come in a 29, so the reading is
    conditioned on them (0.3 / (0.3 + 0.1) = 0.75 for Shorts)."""
    reading = PhotoReading([("Jackets", 0.4), ("Shorts", 0.3), ("Pants", 0.1), ("Tees", 0.1)], [("Red", 0.9)],
                           [("Women", 0.6)], other=0.1, calibrated=True)
    assert reading.category_guess(0.5) is None
    assert reading.category_guess(0.5, within={"Pants", "Shorts"}) == "Shorts"
    assert reading.category_guess(0.8, within={"Pants", "Shorts"}) is None
    assert reading.category_guess(0.5, within={"Bags"}) is None  # the photo shows none of them


def test_photo_readings_name_catalog_categories(photo_bot, catalog):
    jackets = [p for p in catalog.all() if p.category == "Jackets"][::6]
    vectors = photo_bot.photo_reader.embed([p.image_path for p in jackets])
    readings = [photo_bot.photo_reader.read(v) for v in vectors]
    assert np.mean([r.category[0][0] == "Jackets" for r in readings]) >= 0.6
    assert readings and all(abs(sum(p for _, p in r.color) - 1) < 1e-2 for r in readings)  # rounded to 3 places
    assert "looks like" in readings[0].summary()


def re_encoded(path: str) -> Image.Image:
    """A catalog photo as a shopper might forward it: resized to 60% and saved as JPEG quality 70."""
    image = Image.open(path).convert("RGB")
    image = image.resize((int(image.width * 0.6), int(image.height * 0.6)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def test_a_catalog_photo_is_read_as_its_own_product_even_re_encoded(photo_bot, catalog):
    reader, settings = photo_bot.photo_reader, photo_bot.settings
    chaz = catalog.get("MH01-Black")  # read as Jackets (61%) by the zero-shot reader, issue 15
    for product in [chaz] + catalog.all()[::40]:
        for image in (product.image_path, re_encoded(product.image_path)):
            reading = reader.read_photo(image)
            matched = catalog.get(reading.match_sku)
            assert matched is not None and matched.category == product.category, product.sku
            assert reading.category[0] == (product.category, 1.0)
            assert reading.category_guess(settings.photo_category_min) == product.category
    reading = reader.read_photo(re_encoded(chaz.image_path))
    assert reading.match_sku == "MH01-Black"
    assert reading.color[0] == ("Black", 1.0) and reading.gender[0] == ("Men", 1.0)
    assert reading.summary().endswith("the catalog photo of the Chaz Kangeroo Hoodie (MH01-Black)")


def test_a_catalog_photo_with_a_colour_request_finds_that_colour_of_the_product(photo_bot):
    from assistant.evaluation.vision import photo_turn
    chaz = photo_bot.catalog.get("MH01-Black")
    result, reading, arguments, _ = photo_turn(photo_bot, chaz.image_path, "do you have this in gray?", 5)
    assert reading.set.get("color") == "Gray" and arguments.get("photo") == "photo 1"
    assert "MH01-Gray" in [h.sku for h in result.hits]
    assert all(photo_bot.catalog.get(h.sku).category == "Hoodies & Sweatshirts" for h in result.hits)


def test_a_reading_not_sure_enough_to_filter_only_ranks(photo_bot, catalog):
    """A shopper photo read uncertainly (the top category below the hard-filter threshold): no category filter, the list
    is full and mixes categories, and each category lean is explained as a likely reading."""
    from assistant.catalog.download import shopper_photos_root
    from assistant.evaluation.vision import photo_turn
    root = shopper_photos_root(photo_bot.settings)
    for path in sorted((root / "validation" / "longsleeve").glob("*.jpg")):
        result, _, _, reading = photo_turn(photo_bot, str(path), "", 10)
        if reading.category[0][1] < photo_bot.settings.photo_category_min:
            break
    else:
        pytest.fail("every long-sleeve photo was read surely enough to filter")
    assert reading.category_guess(photo_bot.settings.photo_category_min) is None
    assert "category" not in result.constraints and len(result.hits) == 10
    categories = [catalog.get(h.sku).category for h in result.hits]
    assert len(set(categories)) >= 2
    leans = [f for h in result.hits for f in h.evidence if f.kind == "photo_category"]
    assert leans and all(f.probability is not None and "may show" in f.phrase() for f in leans)


def test_a_wrong_lean_never_empties_the_list(photo_bot, catalog):
    """Even leaning all the way to a category with no item meeting the shopper's constraint
    (no purple watch) leaves the other categories' purple items in the list."""
    from tests.tools.test_retriever import photo_context
    from tools.retriever import hybrid_search
    ctx = photo_context(photo_bot, catalog)
    tee = next(p for p in catalog.all() if p.category == "Tees" and p.color == "Purple")
    photo = photo_bot.photo_reader.embed([tee.image_path])[0]
    assert not [p for p in catalog.all() if p.category == "Watches" and p.color == "Purple"]
    hits = hybrid_search(ctx, "", {"color": "Purple"}, 5, photos=[photo], photo_names=["photo 1"],
                         photo_leanings={"Watches": 0.9}).hits
    assert len(hits) == 5 and all(catalog.get(h.sku).color == "Purple" for h in hits)


def test_an_order_asked_with_a_photo_keeps_to_the_kind_it_shows(photo_bot, catalog):
    """"Plain ones like this, cheapest first" with a tee read surely: the catalog_filter the planner
    may call sorts tees, not the whole catalog."""
    import hashlib
    from pathlib import Path
    from assistant.dialogue.state import DialogueState, Photo
    tee = next(p for p in catalog.all() if p.category == "Tees")
    photo = Photo(name="photo 1", path=tee.image_path, sha256=hashlib.sha256(Path(tee.image_path).read_bytes()).hexdigest())
    photo_bot.read_photo(photo)
    state = DialogueState("u", photos=[photo], search_photo="photo 1")
    result = photo_bot.registry.run("catalog_filter", {"sort": "price_asc"}, photo_bot.tool_context(state))
    assert result.hits and all(catalog.get(h.sku).category == "Tees" for h in result.hits)
