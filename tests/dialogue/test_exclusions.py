"""What the shopper leaves out and takes back (assistant/dialogue/exclusions.py), through the tracker."""
import pytest

from assistant.dialogue.exclusions import read_exclusions
from tests.dialogue import run

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text,field,values", [
    ("show me tees for women that are not black", "color", ["Black"]),
    ("anything but blue or green", "color", ["Blue", "Green"]),
    ("no hoods please", "feature", ["hood"]),
    ("a jacket without the zip", "feature", ["zip"]),
    ("i don't want navy", "color", ["Blue"]),
    ("nothing in white", "color", ["White"]),
    ("tops but no tank tops", "category", ["Tanks", "Bras & Tanks"]),
    ("any colour but black", "color", ["Black"]),
    ("she wont wear anything with a hood on it", "feature", ["hood"]),
    ("and he hates hoods so none of those", "feature", ["hood"]),
    ("hmm forget the black ones", "color", ["Black"]),
])
def test_negations_are_read_as_exclusions(small_vocab, text, field, values):
    read = read_exclusions(f" {text} ", small_vocab)
    assert read.excluded[field] == values


@pytest.mark.parametrize("text", ["not too expensive", "no more than $50", "not like photo 2", "no size preference",
                                  "i don't like the black one", "not sure yet"])
def test_negations_of_other_things_are_left_alone(small_vocab, text):
    assert read_exclusions(f" {text} ", small_vocab).excluded == {}


def test_forgetting_a_price_is_no_exclusion_of_what_follows(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "mens watches under 40", "fine, forget the 40, black mens ones from cheapest up")
    assert state.constraints.get("color") == "Black" and state.constraints.get("not_color") is None


def test_a_left_out_colour_is_not_asked_for_and_is_carried(small_vocab, small_catalog):
    state, readings = run(small_vocab, small_catalog, "tees for women that are not black", "not white either",
                          "how about hoodies")
    assert "color" not in state.constraints and "not" not in readings[0].topic_words
    assert state.constraints.get("not_color") == ["Black", "White"]  # carried to another category
    assert state.constraints.get("category") == ["Hoodies & Sweatshirts"]


def test_an_exclusion_is_taken_back_or_overridden(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "jackets, not black or gray", "black is fine now")
    assert state.constraints.get("not_color") == ["Gray"]
    run(small_vocab, small_catalog, "in gray", state=state)
    assert state.constraints.get("color") == "Gray" and "not_color" not in state.constraints
    run(small_vocab, small_catalog, "actually not gray", state=state)
    assert "color" not in state.constraints and state.constraints.get("not_color") == ["Gray"]
    run(small_vocab, small_catalog, "any colour", state=state)
    assert "not_color" not in state.constraints


@pytest.mark.parametrize("text", ["mens tees, black's a no", "mens tees, not a fan of black", "non-black tees for men",
                                  "mens tees, black ones are out", "mens tees, i'd rather not have black",
                                  "mens tees but stay away from black", "mens tees, dont show me black"])
def test_exclusions_said_in_other_ways_keep_what_is_wanted(small_vocab, small_catalog, text):
    state, _ = run(small_vocab, small_catalog, text)
    assert state.constraints.to_dict() == {"gender": "Men", "category": ["Tees"], "not_color": ["Black"]}


def test_taking_back_keeps_the_rest_of_the_message(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "jackets, not black or navy", "mens jackets, ok, black and navy are fine now")
    assert state.constraints.to_dict() == {"category": ["Jackets"], "gender": "Men"}


def test_a_value_left_out_and_named_again_in_one_message_stays_left_out(small_vocab, small_catalog):
    state, _ = run(small_vocab, small_catalog, "womens tees", "not black though, i have enough black")
    assert "color" not in state.constraints and state.constraints.get("not_color") == ["Black"]


@pytest.mark.parametrize("text,expected", [
    ("womens leggings but no capris", {"gender": "Women", "category": ["Pants"], "not_feature": ["capri"]}),
    ("t shirt for my mum, not white and not v neck",
     {"gender": "Women", "category": ["Tees"], "not_color": ["White"], "not_feature": ["v-neck"]}),
    ("womens shorts, no compression ones", {"gender": "Women", "category": ["Shorts"], "not_feature": ["compression"]}),
    ("can i get these in blue instead of grey", {"color": "Blue", "not_color": ["Gray"]}),
])
def test_words_of_product_names_and_kinds_of_the_category_asked_are_left_out_by_name(small_vocab, luma_catalog,
                                                                                       text, expected):
    state, _ = run(small_vocab, luma_catalog, text)
    assert state.constraints.to_dict() == expected


def test_one_of_several_categories_asked_is_left_out_as_a_category(small_vocab, small_catalog):
    """'tees or joggers', then 'without trousers': the trousers go, not a word of their names."""
    state, _ = run(small_vocab, small_catalog, "tshirts or joggers for my husband", "without trousers please")
    assert state.constraints.to_dict() == {"gender": "Men", "category": ["Tees"], "not_category": ["Pants"]}


@pytest.mark.parametrize("follow_up,colour", [("ditch the black", "Black"), ("get rid of the white ones", "White"),
                                              ("lose the grey", "Gray"), ("can you take out the blue ones", "Blue"),
                                              ("hide anything orange", "Orange"), ("steer clear of red", "Red")])
def test_more_ways_to_leave_a_colour_out(small_vocab, small_catalog, follow_up, colour):
    from assistant.dialogue.state import DialogueState
    from assistant.dialogue.tracker import apply, read
    state = DialogueState("u")
    for message in ("mens tees", follow_up, ):
        apply(read(message, state, small_vocab, small_catalog), state)
    assert state.constraints.get("not_color") == [colour] and state.constraints.get("color") is None
    apply(read(f"{colour.lower()} is back on the table", state, small_vocab, small_catalog), state)
    assert not state.constraints.get("not_color")


@pytest.mark.parametrize("text,feature", [("hoodless only", "hood"), ("a zipless jacket", "zip")])
def test_a_feature_with_less_is_left_out(small_vocab, small_catalog, text, feature):
    _, (reading,) = run(small_vocab, small_catalog, text)
    assert reading.set["not_feature"] == [feature]
