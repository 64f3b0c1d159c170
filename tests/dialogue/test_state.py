"""Dialogue state (assistant/dialogue/state.py): references against the last list and the catalog, and
the compact view."""
from types import SimpleNamespace

import pytest

from assistant.catalog.constraints import Constraints
from assistant.dialogue.state import DialogueState, ShownItem

pytestmark = pytest.mark.unit


def shown_state() -> DialogueState:
    state = DialogueState("s")
    state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0),
                   ShownItem(2, "WH01-Red", "Mona Pullover Hoodlie", "Red", "Hoodies & Sweatshirts", 57.0),
                   ShownItem(3, "WS03-Green", "Iris Workout Top", "Green", "Tees", 29.0)]
    return state


def test_positions_ordinals_colours_and_names():
    state = shown_state()
    assert state.resolve("the second one") == "WH01-Red"
    assert state.resolve("2") == state.resolve(2) == "WH01-Red"
    assert state.resolve("#3") == state.resolve("number 3") == state.resolve("3rd") == "WS03-Green"
    assert state.resolve("the last one") == "WS03-Green"
    assert state.resolve("the red one") == "WH01-Red"
    assert state.resolve("that hoodie") == "WH01-Red"
    assert state.resolve("the jacket") == "WJ03-Blue"
    assert state.resolve("the ninth one") is None
    assert state.resolve("what goes with it?") == "WJ03-Blue"  # nothing pointed at yet: the top
    state.focus = "WS03-Green"
    assert state.resolve("what goes with it?") == "WS03-Green"


def test_references_to_catalog_skus_and_names(small_catalog):
    state = DialogueState("s")
    assert state.resolve("MH01-Black", small_catalog) == "MH01-Black"
    assert small_catalog.get(state.resolve("the Chaz Kangeroo Hoodie", small_catalog)).name == "Chaz Kangeroo Hoodie"


def test_compact_view_lists_constraints_and_shown():
    state = shown_state()
    state.constraints = Constraints.from_dict({"gender": "Women", "category": ["Jackets"]})
    text = state.compact()
    assert "gender=Women" in text and "category=Jackets" in text and "2. Mona Pullover Hoodlie" in text


def test_products_the_catalog_no_longer_has_are_forgotten():
    """After another catalog is ingested (or a product removed), a saved session points at nothing gone."""
    state = shown_state()
    catalog = SimpleNamespace(get={s.sku: s for s in state.shown}.get)  # what the method reads of a Catalog
    state.shown.append(ShownItem(4, "GONE-1", "A product from the old catalog", None, "Shirts", 20.0))
    state.liked, state.rejected, state.asked, state.focus = ["GONE-1", "WJ03-Blue"], ["GONE-1"], ["GONE-1"], "GONE-1"
    state.forget_missing_products(catalog)
    assert [s.sku for s in state.shown] == ["WJ03-Blue", "WH01-Red", "WS03-Green"] and state.resolve(4) is None
    assert (state.liked, state.rejected, state.asked, state.focus) == (["WJ03-Blue"], [], [], None)
