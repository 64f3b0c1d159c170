"""What the shopper's words point at (assistant/dialogue/pointing.py): items on screen and reactions
to them, photos, a photo search that goes on, and requests to see a render."""
import pytest

from assistant.dialogue.state import DialogueState, Photo, ShownItem
from assistant.dialogue.tracker import apply, read
from tests.dialogue import run

pytestmark = pytest.mark.unit


def _shown(catalog, n=2):
    """A list on screen: the first n products of the catalog sold in several colours."""
    picked = [p for p in catalog.all() if p.color and len(catalog.variants(p.parent_sku)) >= 2][:n]
    return [ShownItem(i + 1, p.sku, p.name, p.color, p.category, p.price) for i, p in enumerate(picked)]


def test_references_and_reactions(small_vocab, small_catalog):
    state = DialogueState("u")
    state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0),
                   ShownItem(2, "WH01-Red", "Mona Pullover Hoodlie", "Red", "Hoodies & Sweatshirts", 57.0)]
    _, (why,) = run(small_vocab, small_catalog, "why the second one?", state=state)
    assert why.reference == "WH01-Red" and why.explain == "WH01-Red"
    for question in ("how is #1 better than the others?", "whats special about no. 1", "what makes the first different"):
        assert run(small_vocab, small_catalog, question, state=state)[1][0].explain == "WJ03-Blue", question
    # A reference that asks for something else is no question about the item.
    for request in ("show the first one in green", "what goes with the first one?", "the first one but in red",
                    "something different from the first one"):
        assert run(small_vocab, small_catalog, request, state=state)[1][0].explain is None, request
    run(small_vocab, small_catalog, "I like the first one", state=state)
    run(small_vocab, small_catalog, "I don't like the red one", state=state)
    assert state.liked == ["WJ03-Blue"] and state.rejected == ["WH01-Red"]


def test_photo_references(small_vocab, small_catalog):
    state = DialogueState("u")
    state.photos = [Photo(name=f"photo {n}", path=f"/uploads/{n}.jpg", sha256=str(n)) for n in (1, 2)]
    # A photo sent with no words is the query.
    assert read("", state, small_vocab, small_catalog, ["photo 2"]).photo == "photo 2"
    assert read("like my first photo but in red", state, small_vocab, small_catalog).photo == "photo 1"
    assert read("something like photo 2", state, small_vocab, small_catalog).photo == "photo 2"
    assert read("like this, for men", state, small_vocab, small_catalog).photo == "photo 2"
    assert read("women's jackets", state, small_vocab, small_catalog).photo is None
    state_after, (no,) = run(small_vocab, small_catalog, "nothing like photo 1 please", state=state)
    assert no.avoid_photo == "photo 1" and no.photo is None and state_after.avoid_photos == ["photo 1"]
    assert state.resolve_photo("photo 7") is None


def test_see_it_in_a_colour_is_a_render_request_not_a_filter(small_vocab, small_catalog):
    state = DialogueState("u")
    state.shown = _shown(small_catalog)
    before = state.constraints
    state, (first, second) = run(small_vocab, small_catalog, "show it in green",
                                 "how would the second one look in navy?", state=state)
    assert first.render == {"item": state.shown[0].sku, "color": "green"}
    assert second.render == {"item": state.shown[1].sku, "color": "navy"}
    assert state.constraints == before and "color" not in state.constraints


def test_a_named_product_can_be_shown_in_a_colour_with_nothing_on_screen(small_vocab, small_catalog):
    product = next(p for p in small_catalog.all() if p.color and len(p.name) > 8)
    _, (reading,) = run(small_vocab, small_catalog, f"show me the {product.name} in red")
    assert reading.render == {"item": product.sku, "color": "red"}


@pytest.mark.parametrize("text", ["show me jackets in red", "jackets in red please", "show me the second one",
                                  "show it in stock", "what about it in size M"])
def test_searches_and_other_requests_are_not_renders(small_vocab, small_catalog, text):
    state = DialogueState("u")
    state.shown = _shown(small_catalog)
    assert read(text, state, small_vocab, small_catalog).render is None


def test_an_item_with_my_photo_and_words_to_imagine(small_vocab, small_catalog):
    state = DialogueState("u")
    state.shown = _shown(small_catalog)
    state.photos = [Photo(name=f"photo {n}", path=f"/uploads/{n}.jpg", sha256=str(n)) for n in (1, 2)]
    with_photo = read("how would the first one look with my photo?", state, small_vocab, small_catalog)
    assert with_photo.render == {"item": state.shown[0].sku, "photo": "photo 2"} and with_photo.photo is None
    assert read("show it on photo 1", state, small_vocab, small_catalog).render["photo"] == "photo 1"
    imagined = read("I imagine a teal hooded running jacket", DialogueState("v"), small_vocab, small_catalog)
    assert imagined.render == {"description": "a teal hooded running jacket"} and imagined.set == {}


def test_numbered_references_and_the_colour_of_a_render(small_vocab, small_catalog):
    state = DialogueState("u")
    products = [p for p in small_catalog.all() if p.category == "Jackets"][:3]
    state.shown = [ShownItem(i + 1, p.sku, p.name, p.color, p.category, p.price) for i, p in enumerate(products)]
    for text, position in (("how would item 2 look in green?", 2), ("show #3 in red", 3), ("option 2 please", 2)):
        assert read(text, state, small_vocab, small_catalog).reference == products[position - 1].sku
    purple = next(p for p in small_catalog.all() if p.color == "Purple")
    other = next(p for p in small_catalog.all() if p.color not in ("Purple", None))
    state.shown = [ShownItem(i + 1, p.sku, p.name, p.color, p.category, p.price) for i, p in enumerate((other, purple))]
    reading = read("show it in purple", state, small_vocab, small_catalog)
    assert reading.render == {"item": other.sku, "color": "purple"}  # "it" is the top item, not the purple one
    assert read("cheapest first", state, small_vocab, small_catalog).reference is None


def test_a_refining_follow_up_goes_on_searching_with_the_photo(small_vocab, small_catalog):
    state = DialogueState("u")
    state.photos.append(Photo("photo 1", "unused.jpg", "0" * 64))
    first = read("do u have this one in orange", state, small_vocab, small_catalog, ["photo 1"])
    apply(first, state)
    assert first.photo == "photo 1" and state.search_photo == "photo 1"
    for follow_up in ("and in a small?", "under 60?", "not too pricey", "yellow one?",
                      "nothing pricey pls, its just for the gym", "something along those lines for my sister"):
        reading = read(follow_up, state, small_vocab, small_catalog)
        assert reading.photo == "photo 1", follow_up
        apply(reading, state)
    reading = read("now show me shorts for men", state, small_vocab, small_catalog)
    apply(reading, state)
    assert reading.photo is None and state.search_photo is None


def test_a_word_of_several_categories_narrows_to_the_photos(small_vocab, small_catalog):
    state = DialogueState("u")
    state.photos.append(Photo("photo 1", "unused.jpg", "0" * 64, category_guess="Tanks"))
    reading = read("same tank in orange for me, L", state, small_vocab, small_catalog, ["photo 1"])
    assert reading.photo == "photo 1" and reading.set["category"] == ["Tanks"]
    state.photos[0].category_guess = None  # not surely read: the word's categories stay
    reading = read("same tank in orange for me, L", state, small_vocab, small_catalog, ["photo 1"])
    assert set(reading.set["category"]) == {"Tanks", "Bras & Tanks"}


def test_a_different_colour_than_the_catalog_product_photographed(small_vocab, small_catalog):
    """"i have this in blue already, want a different colour": any colour but the product's own."""
    product = next(p for p in small_catalog.all() if p.color == "Blue")
    state = DialogueState("u")
    state.photos = [Photo("photo 1", "p.jpg", "0", match_sku=product.sku)]
    reading = read("i have this in blue already, want a different colour", state, small_vocab, small_catalog,
                   ["photo 1"])
    assert "color" not in reading.set and reading.set["not_color"] == ["Blue"]


def test_a_catalog_photo_asks_for_its_gender_unless_another_is_said(small_vocab, small_catalog):
    product = next(p for p in small_catalog.all() if p.gender == "Women")
    for text, gender in (("these but cheaper", "Women"), ("same thing for a guy", "Men")):
        state = DialogueState("u")
        state.photos.append(Photo("photo 1", "unused.jpg", "0" * 64, match_sku=product.sku))
        reading = read(text, state, small_vocab, small_catalog, ["photo 1"])
        assert reading.set["gender"] == gender, text
