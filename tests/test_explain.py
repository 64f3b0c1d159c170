"""Explanations (assistant/explain.py) come from evidence only; the grounding check catches claims that do not."""
import pytest

from assistant.explain import explanation, unsupported_claims
from tools.evidence import ConstraintMet, Link, Match, PhotoMatch, Rating, SortRank

pytestmark = pytest.mark.unit


def test_explanation_states_only_the_evidence():
    evidence = [ConstraintMet("price", "<= $60.00", 57.0),
                ConstraintMet("color", "Blue", "Blue"),
                Match("jacket", 1, matched_terms=("jacket",), text_similarity=0.48),
                Link("MH01-Black", "Chaz Kangeroo Hoodie", "cross-sell"),
                Rating(4.333, 3)]
    assert explanation(evidence) == (
        "Meets your request: $57.00 (at most $60.00); color Blue; ranked #1 for \"jacket\" (mentions 'jacket'; "
        "text similarity 0.48); goes with Chaz Kangeroo Hoodie (the store pairs them: cross-sell); "
        "rated 4.3/5 in 3 reviews.")
    assert explanation([]) == "Shown as part of the last list."


def test_constraints_are_grouped_first_whatever_their_order():
    evidence = [SortRank("price_asc", 2, 9), ConstraintMet("eco", "yes", True), Rating(5.0, 1),
                ConstraintMet("size", "M", ("XS", "S", "M", "L"))]
    assert explanation(evidence) == ("Meets your request: eco collection; size M; #2 of 9 by lowest price; "
                                     "rated 5.0/5 in 1 review.")


def test_a_fact_with_nothing_to_say_adds_no_clause():
    """A match with no query word in the product and no similarity says nothing."""
    assert explanation([Match("jacket", 3)]) == "Shown as part of the last list."
    assert explanation([Match("jacket", 3), Rating(4.0, 2)]) == "Rated 4.0/5 in 2 reviews."


def test_no_likeness_is_claimed_without_a_positive_image_similarity():
    alike = explanation([PhotoMatch(("photo 1",), 1, 0.42)])
    assert alike == "Looks like photo 1 (image similarity 0.42)."
    for score in (-0.13, 0.0):
        text = explanation([PhotoMatch(("photo 1",), 4, score)])
        assert "looks like" not in text.lower()
        assert text == f"Not a visual match for photo 1 (image similarity {score:.2f})."


def test_unsupported_claims(small_catalog):
    jacket = small_catalog.get("WJ03-Blue")
    assert unsupported_claims(f"The {jacket.name} in blue is ${jacket.price:.2f}.", [jacket], small_catalog) == []
    claims = unsupported_claims("The Chaz Kangeroo Hoodie in red costs $12.", [jacket], small_catalog)
    assert "price $12" in claims and "product chaz kangeroo hoodie" in claims and "colour red" in claims
