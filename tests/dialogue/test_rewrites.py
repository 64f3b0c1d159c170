"""Words rewritten before a message is read (assistant/dialogue/rewrites.py)."""
import pytest

from assistant.dialogue.rewrites import rewrite

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("said,read", [
    (" a vneck tee ", " a v-neck tee "), (" blue t-shrt ", " blue t-shirt "), (" a hoodless top ", " a no hood top "),
    (" not the ones w a hood ", " not the ones with a hood "), (" mens shorts w 32 ", " mens shorts w 32 "),
    (" she says cotton goes see-through when she sweats ", " she says cotton goes see-through when she perspires "),
    (" a sports bra in blew ", " a sports bra in blue "), (" nuthin with a zip ", " nothing with a zip "),
    (" under fourty ", " under forty "),
])
def test_shorthand_and_slips_are_rewritten(said, read):
    assert rewrite(said) == read


@pytest.mark.parametrize("said,gone", [
    (" nothing white please, it'd be grey within a week ", "grey"),
    (" do you do this in purple? my sister already has it in green ", "green"),
    (" a white gym bag, everything i own is black ", "black"),
])
def test_colours_of_what_is_owned_or_would_happen_are_no_request(said, gone):
    assert gone not in rewrite(said)


def test_a_question_about_a_colour_is_kept():
    assert "red" in rewrite(" hav u got it in red ")


@pytest.mark.parametrize("said,gone", [
    (" cami type top to wear under a cardi, size xs ", "cardi"),
    (" white or purple would go with the cardi ", "cardi"),
    (" bras or vest tops for my gym bag ", "bag"),
    (" if theres no wool tee then a wool hoodie instead? ", "tee"),
    (" mens jackets, 50 quid tops ", "tops"),
])
def test_what_it_is_worn_with_what_goes_in_it_and_conditions_are_no_request(said, gone):
    assert gone not in rewrite(said)


def test_what_goes_with_an_item_is_still_asked():
    assert "jacket" in rewrite(" what goes with the jacket ")
