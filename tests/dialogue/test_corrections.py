"""Changes relative to what is held (assistant/dialogue/corrections.py): size steps along the catalog's
ladders and corrections of a number just said."""
import pytest

from assistant.dialogue.corrections import ladder, stepped
from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import apply, read

pytestmark = pytest.mark.unit


def run(vocab, catalog, *messages):
    state = DialogueState("u")
    for message in messages:
        reading = read(message, state, vocab, catalog)
        apply(reading, state)
    return state, reading


def test_ladders_follow_the_catalog_sizes(small_vocab):
    sizes = list(small_vocab.sizes)
    assert ladder("M", sizes)[:3] == [s for s in ("XS", "S", "M") if s in sizes][:3]
    assert stepped("M", 1, sizes) == "L" and stepped("M", -2, sizes) == "XS"
    assert stepped("XL", 1, sizes) == "XL"                  # the end of the ladder holds
    numbers = ladder("32", sizes)
    assert numbers == sorted(numbers, key=int) and stepped("32", 1, sizes) == numbers[numbers.index("32") + 1]


@pytest.mark.parametrize("follow_up,size", [
    ("one size up please", "L"), ("can i get it a size smaller", "S"), ("next size up?", "L"),
    ("a bigger size", "L"), ("two sizes down", "XS"), ("size down pls", "S"), ("in the size above", "L"),
])
def test_size_steps_from_the_size_held(small_vocab, small_catalog, follow_up, size):
    state, reading = run(small_vocab, small_catalog, "men's hoodies in medium", follow_up)
    assert state.constraints.get("size") == size and not reading.errors
    assert state.constraints.get("category") == ["Hoodies & Sweatshirts"] and state.constraints.get("gender") == "Men"


def test_several_sizes_step_together_and_no_size_held_sets_none(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "women's pants size 28 or 29", "one size up")
    assert state.constraints.get("size") == ["29", "30"]
    state, reading = run(small_vocab, small_catalog, "women's pants", "a size up")
    assert state.constraints.get("size") is None and not reading.errors


@pytest.mark.parametrize("first,correction,field,value", [
    ("men's shorts size 32", "sorry i meant 33", "size", "33"),
    ("men's shorts size 32", "oops make that 34", "size", "34"),
    ("women's jackets under $50", "sorry, i meant 60", "price_max", 60.0),
    ("women's jackets over $40", "i meant 30", "price_min", 30.0),
])
def test_corrections_replace_the_number_just_said(small_vocab, small_catalog, first, correction, field, value):
    state, _ = run(small_vocab, small_catalog, first, correction)
    assert state.constraints.get(field) == value


def test_a_correction_in_dollars_is_a_price(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "men's shorts size 32 under $40", "i meant 33 dollars")
    assert state.constraints.get("size") == "32" and state.constraints.get("price_max") == 33.0


@pytest.mark.parametrize("follow_up,size", [("actually make it medium", "M"), ("hmm, medium instead", "M"),
                                            ("go for a small", "S")])
def test_a_size_said_as_a_change(small_vocab, small_catalog, follow_up, size):
    state, _ = run(small_vocab, small_catalog, "mens jackets size L", follow_up)
    assert state.constraints.get("size") == size


@pytest.mark.parametrize("follow_up,limit", [("raise the budget to 80", 80.0), ("a bit more budget, say 65", 65.0),
                                             ("ok go up to 70", 70.0), ("my limit is now 75", 75.0)])
def test_a_budget_raised(small_vocab, small_catalog, follow_up, limit):
    state, _ = run(small_vocab, small_catalog, "mens jackets under 50", follow_up)
    assert state.constraints.get("price_max") == limit and state.price_rule is None


@pytest.mark.parametrize("follow_up,dropped", [
    ("price isnt an issue", "price_max"), ("money doesnt matter", "price_max"), ("ignore the budget", "price_max"),
    ("any colour really", "color"), ("not fussed about the colour", "color"),
])
def test_a_field_dropped_in_other_words_leaves_no_search_words(small_vocab, small_catalog, follow_up, dropped):
    state, reading = run(small_vocab, small_catalog, "mens shorts in blue under 40", follow_up)
    assert state.constraints.get(dropped) is None and state.topic == "shorts" and not reading.errors


def test_same_but_another_category_keeps_what_was_asked(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "mens shorts in blue under 40", "same but tees")
    assert state.constraints.to_dict() == {"gender": "Men", "category": ["Tees"], "color": "Blue", "price_max": 40.0}


def test_any_colour_but_one_drops_the_colour_held_and_leaves_that_one_out(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "mens shorts in blue", "any colour but black")
    assert state.constraints.get("color") is None and state.constraints.get("not_color") == ["Black"]


def test_a_step_from_a_size_said_in_the_same_breath(small_vocab, small_catalog):
    state, readings = run(small_vocab, small_catalog, "mens grey tees", "one size down from large")
    assert state.constraints.get("size") == "M" and "large" not in state.topic


def test_the_biggest_size_sold_among_what_is_looked_at(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "womens shorts in size 34", "oh ok, biggest you have then")
    sold = {s for p in small_catalog.all() if p.gender == "Women" and p.category == "Shorts" for s in p.sizes}
    assert state.constraints.get("size") == max(sold, key=int)
