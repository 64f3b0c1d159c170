"""Explanations (assistant/explain.py): one short sentence composed only of evidence, and the
grounding check that catches claims the evidence does not make."""
import pytest

from assistant.explain import MAX_WORDS, explanation, unsupported_claims
from tools.evidence import (ConstraintMet, Link, Match, PhotoMatch, ProductFact, Rating, Relaxed, SortRank,
                            StandsOut)

pytestmark = pytest.mark.unit

ASKED_BLUE_UNDER_60 = [ConstraintMet("price", "<= $60.00", 57.0), ConstraintMet("color", "Blue", "Blue")]


def test_what_was_asked_then_the_ranking_signal_then_a_product_fact():
    evidence = [*ASKED_BLUE_UNDER_60, Match("jacket", 1, matched_terms=("jacket",), text_similarity=0.48),
                ProductFact("description", "adjustable hood; nylon"), Rating(4.333, 3)]
    assert explanation(evidence) == ("$57.00 within your $60.00, blue; the best match for \u201cjacket\u201d. "
                                     "Adjustable hood; nylon; rated 4.3/5 (3 reviews).")
    assert explanation([]) == "Shown as part of the last list."


def test_the_strongest_ranking_signal_is_the_one_said():
    """A store pairing outranks the text match; a later rank is said as a number."""
    evidence = [Match("jacket", 3, matched_terms=("jacket",)), Link("MH01-Black", "Chaz Kangeroo Hoodie", "cross-sell")]
    assert explanation(evidence) == "The store pairs it with the Chaz Kangeroo Hoodie."
    assert explanation([SortRank("price_asc", 2, 9), ConstraintMet("eco", "yes", True)]) == (
        "Eco collection; #2 cheapest of 9.")


def test_long_explanations_drop_the_least_telling_facts_first():
    asks = [ConstraintMet("gender", "Women", "Women"), ConstraintMet("color", "Red", "Red"),
            ConstraintMet("size", "M", ("S", "M")), ConstraintMet("material", "cotton", ("Organic Cotton",)),
            ConstraintMet("price", "<= $80.00", 57.0), ConstraintMet("not_color", "not black", "Red")]
    evidence = [*asks, Match("cotton jacket for running", 1),
                ProductFact("description", "drawstring-adjustable waist and hood; nylon and polyester"),
                Rating(4.0, 2)]
    text = explanation(evidence)
    assert len(text.split()) <= MAX_WORDS
    assert text == ("Women's, red, size M, organic cotton, $57.00 within your $80.00, not black; the best match for "
                    "your words. Drawstring-adjustable waist and hood; nylon and polyester.")  # the rating went first
    evidence[-3] = Match("cotton running jacket", 1)  # one word more: the material goes too
    assert explanation(evidence).endswith("the best match for \u201ccotton running jacket\u201d. Drawstring-adjustable waist and hood.")


def test_a_relaxed_constraint_leads_and_its_met_form_is_not_said():
    evidence = [Relaxed("price_max", "30.0", 52.0), ConstraintMet("price", "<= $54.00", 52.0),
                ConstraintMet("gender", "Men", "Men"), Match("hoodie", 1)]
    assert explanation(evidence) == ("$52.00, over your $30.00: the one difference from your request. "
                                     "Men's; the best match for \u201choodie\u201d.")
    assert explanation([Relaxed("color", "Gray", "Black")]).startswith("Black, not gray: the one difference")


def test_a_why_answer_leads_with_what_sets_the_item_apart():
    evidence = [StandsOut("price", "the cheapest", 4), StandsOut("colour", "the only red one", 4),
                *ASKED_BLUE_UNDER_60, Match("jacket", 2)]
    text = explanation(evidence)
    assert text.startswith("Of the 4 shown, it is the cheapest and the only red one.")
    assert "match" not in text  # the contrast replaces the ranking signal


def test_no_likeness_is_claimed_without_a_positive_image_similarity():
    assert explanation([PhotoMatch(("photo 1",), 1, 0.42)]) == "The closest look-alike of photo 1."
    for score in (-0.13, 0.0):
        text = explanation([PhotoMatch(("photo 1",), 4, score)])
        assert text == "Not a close look-alike of photo 1."


def test_unsupported_claims(small_catalog):
    jacket = small_catalog.get("WJ03-Blue")
    assert unsupported_claims(f"The {jacket.name} in blue is ${jacket.price:.2f}.", [jacket], small_catalog) == []
    claims = unsupported_claims("The Chaz Kangeroo Hoodie in red costs $12.", [jacket], small_catalog)
    assert "price $12" in claims and "product chaz kangeroo hoodie" in claims and "colour red" in claims


def test_both_price_bounds_are_said_as_one_range_and_long_queries_are_not_quoted():
    evidence = [ConstraintMet("price", ">= $50.00", 66.0), ConstraintMet("gender", "Men", "Men"),
                ConstraintMet("price", "<= $80.00", 66.0), Match("jacket decent rain mind paying", 4)]
    assert explanation(evidence) == "$66.00 within your $50.00-$80.00, men's; #4 match for your words."
