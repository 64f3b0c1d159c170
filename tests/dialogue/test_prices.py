"""Prices in the shopper's words (assistant/dialogue/prices.py): bounds, ranges, slang, negated
spending, steps from the bound held and new bounds past it."""
import pytest

from tests.dialogue import run

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text,low,high", [
    ("jackets under $60", None, 60), ("less than fifty dollars", None, 50), ("50 bucks max", None, 50),
    ("between 30 and 60", 30, 60), ("from $20 to $45", 20, 45), ("at least 40 dollars", 40, None),
    ("around 50", 40, 60), ("a tee for $25", None, 25), ("$30-$50 shorts", 30, 50),
    ("no less than 30 dollars", 30, None), ("$35 or more", 35, None), ("starting at $20", 20, None),
    ("$60 or less", None, 60), ("no more than 45 dollars", None, 45), ("above $25", 25, None),
    ("40 dollars or more", 40, None), ("2 or more jackets", None, None),
    ("a tee under a tenner", None, 10), ("tees, 30ish", 24, 36), ("sub 30 tees", None, 30),
    ("raise the budget to 80", None, 80), ("twenty quid max", None, 20),
])
def test_price_forms(small_vocab, small_catalog, text, low, high):
    state, _ = run(small_vocab, small_catalog, text)
    assert state.constraints.get("price_min") == low and state.constraints.get("price_max") == high


@pytest.mark.parametrize("text,low,high", [("jackets no more than $45", None, 45), ("not more than 50 dollars", None, 50),
                                           ("more than 30 dollars", 30, None)])
def test_no_more_than_is_a_maximum_only(small_vocab, small_catalog, text, low, high):
    state, _ = run(small_vocab, small_catalog, text)
    assert state.constraints.get("price_min") == low and state.constraints.get("price_max") == high


def test_a_new_price_bound_past_the_held_other_one_replaces_it(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "womens pants under 45", "hmm they look a bit cheap, anything nicer, 60+?")
    assert state.constraints.get("price_min") == 60.0 and "price_max" not in state.constraints
    state, _ = run(small_vocab, small_catalog, "mens jackets over 70 bucks, something decent that lasts", "under 50 then")
    assert state.constraints.to_dict() == {"price_max": 50.0, "gender": "Men", "category": ["Jackets"]}


def test_cheaper_than_that_is_about_the_bound_held_not_the_first_item(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "jackets 4 men between 50 n 70", "cheaper than that?")
    assert state.constraints.get("price_max") <= 50 and state.constraints.get("price_min") is None
    state, _ = run(small_vocab, small_catalog, "hoodies for a guy under 60", "got anything pricier than that?",
                   "same but for women")
    assert state.constraints.get("price_min") >= 60 and state.price_rule is None  # a number: it carries over


@pytest.mark.parametrize("messages,expected", [
    (["jaket for hiking, womens, no more then 70"], {"price_max": 70.0, "gender": "Women", "category": ["Jackets"]}),
    (["mens running shorts under 35", "even cheaper, like 10 less than that"],
     {"gender": "Men", "category": ["Shorts"], "price_max": 25.0}),
    (["womens hoodies under 50", "another tenner on top is fine"],
     {"gender": "Women", "category": ["Hoodies & Sweatshirts"], "price_max": 60.0}),
    (["sports bra thats not black or white", "cant really spend more than 30"],
     {"category": ["Bras & Tanks"], "not_color": ["Black", "White"], "price_max": 30.0}),
    (["blokes shell jacket, max 70 quid", "hmm drop that by 20"], {"price_max": 50.0, "gender": "Men", "category": ["Jackets"]}),
    (["mens hoodie for under 45", "ok stretch it to 55"],
     {"gender": "Men", "category": ["Hoodies & Sweatshirts"], "price_max": 55.0}),
    (["footy shorts for the fella, budget 60", "actually half that"],
     {"price_max": 30.0, "gender": "Men", "category": ["Shorts"]}),
])
def test_spending_said_loosely_and_steps_from_the_bound_held(small_vocab, small_catalog, messages, expected):
    """Wordings from the first runs of the sixth and seventh report sets."""
    state, readings = run(small_vocab, small_catalog, *messages)
    assert state.constraints.to_dict() == expected and not readings[-1].errors
