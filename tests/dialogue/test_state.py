"""Dialogue state (assistant/dialogue/state.py): references against the last list and the catalog, and
the compact view."""
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
