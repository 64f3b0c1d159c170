"""Contrast (tools/contrast.py): what sets a shown item apart from the others shown with it."""
import pytest

from assistant.dialogue.state import ShownItem
from tools.contrast import stands_out
from tools.evidence import Match, PhotoMatch, StandsOut

pytestmark = pytest.mark.unit


def shown(small_catalog, skus, evidence=None):
    items = []
    for position, sku in enumerate(skus, 1):
        p = small_catalog.get(sku)
        items.append(ShownItem(position, sku, p.name, p.color, p.category, p.price, "",
                               (evidence or {}).get(sku, [Match("jacket", position)])))
    return items


def test_the_cheapest_and_best_rated_are_named(small_catalog):
    jackets = sorted((p for p in small_catalog.all() if p.category == "Jackets" and p.rating), key=lambda p: p.price)
    cheapest = jackets[0]
    dearer = [p for p in jackets if p.price > cheapest.price and p.rating < cheapest.rating][:2]
    assert len(dearer) == 2, "the small catalog has jackets to compare"
    items = shown(small_catalog, [dearer[0].sku, cheapest.sku, dearer[1].sku])
    facts = stands_out(items[1], items, small_catalog)
    assert facts[0] == StandsOut("price", "the cheapest", 3)
    assert facts[1] == StandsOut("rating", f"the best rated ({cheapest.rating:.1f}/5)", 3)


def test_the_closest_photo_match_is_named(small_catalog):
    skus = [p.sku for p in small_catalog.all()[:3]]
    evidence = {sku: [PhotoMatch(("photo 1",), i + 1, score)] for i, (sku, score) in enumerate(zip(skus, (0.2, 0.5, 0.1)))}
    items = shown(small_catalog, skus, evidence)
    assert StandsOut("photo", "the closest look-alike of your photo", 3) in stands_out(items[1], items, small_catalog)


def test_a_tie_sets_nothing_apart(small_catalog):
    """Two colours of one product tie on price, rating and material: only the colour differs."""
    product = next(p for p in small_catalog.all() if len(small_catalog.variants(p.parent_sku)) >= 2)
    first, second = small_catalog.variants(product.parent_sku)[:2]
    items = shown(small_catalog, [first.sku, second.sku])
    assert stands_out(items[1], items, small_catalog) == [StandsOut("colour", f"the only {second.color.lower()} one", 2)]
    assert stands_out(items[0], items[:1], small_catalog) == []  # nothing to compare with
