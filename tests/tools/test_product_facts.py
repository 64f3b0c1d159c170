"""Product facts (tools/product_facts.py): one true, specific thing from the product's own record."""
import pytest

from tools.evidence import ProductFact, Rating
from tools.product_facts import facts_about, feature_lines, product_fact

pytestmark = pytest.mark.unit


def test_feature_lines_are_the_descriptions_tail_without_colours_or_care():
    description = ("Warmth and style meet in this pullover, made for long days outside in any weather. "
                   "Pink half-zip pullover. Front pouch pockets. Fold-down collar. Machine wash/dry.")
    # "Pink half-zip pullover" names a colour another variant may contradict; care lines say nothing.
    assert feature_lines(description) == ["Front pouch pockets", "Fold-down collar"]
    assert feature_lines("One long marketing sentence with nothing listed after it at all, really.") == []


def test_the_fact_prefers_the_line_the_shopper_asked_about(small_catalog):
    jacket = small_catalog.get("WJ03-Blue")  # Augusta Pullover Jacket: fleece and polyester
    assert product_fact(jacket) == ProductFact("description", "front pouch pockets; fleece and polyester")
    assert product_fact(jacket, "one with a collar please").text.startswith("fold-down collar")


def test_every_catalog_product_has_a_fact_and_none_names_a_colour(small_catalog):
    colours = {c.lower() for c in small_catalog.values("color")}
    for product in small_catalog.all():
        fact = product_fact(product)
        assert fact is not None and fact.text, product.sku
        assert not set(fact.text.lower().replace(";", " ").split()) & colours, (product.sku, fact.text)


def test_facts_about_adds_only_what_the_evidence_lacks(small_catalog):
    jacket = small_catalog.get("WJ03-Blue")
    added = facts_about(jacket, [])
    assert [type(f) for f in added] == [ProductFact, Rating] and added[1] == Rating(jacket.rating, jacket.review_count)
    assert facts_about(jacket, added) == []
