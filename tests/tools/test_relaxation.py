"""No exact match: the closest products with one constraint relaxed (tools/relaxation.py)."""
import pytest

from assistant.catalog.constraints import Constraints
from tools.catalog_filter import apply, catalog_filter, normalise, select, violations
from tools.relaxation import ABSURD_PRICE, closest

pytestmark = pytest.mark.unit


def products(ctx):
    return lambda c: [ctx.catalog.by_id(i) for i in select(ctx, c)]


def test_a_price_just_out_of_reach_is_moved_first(small_ctx):
    cheapest = min(p.price for p in small_ctx.catalog.all() if "Jackets" in p.category_path.split("/"))
    c, _, _ = normalise({"category": "jackets", "price_max": cheapest - 1}, small_ctx.vocab)
    relaxed = closest(products(small_ctx), c, 5)
    assert relaxed.field == "price_max" and "instead of" in relaxed.said
    assert all(not violations(p, c.without("price_max")) for p in products(small_ctx)(relaxed.constraints))


def test_otherwise_the_colour_goes_and_every_other_constraint_holds(small_ctx):
    c, _, _ = normalise({"category": "tanks", "color": "lavender", "price_max": 200}, small_ctx.vocab)
    assert not select(small_ctx, c)
    filtered = apply(small_ctx, {"category": "tanks", "color": "lavender", "price_max": 200})
    assert filtered.relaxed.field == "color" and filtered.allowed
    for product in (small_ctx.catalog.by_id(i) for i in filtered.allowed):
        assert violations(product, c) == ["color"]


def test_the_filter_tool_labels_each_relaxed_item(small_ctx):
    result = catalog_filter(small_ctx, {"category": "tanks", "color": "lavender"})
    assert result.hits and result.data["relaxed"]["field"] == "color"
    assert all(any(f.kind == "relaxed" for f in hit.evidence) for hit in result.hits)


def test_gender_is_never_relaxed(small_ctx):
    relaxed = closest(products(small_ctx), Constraints(gender="Men", category=["Bras & Tanks"]), 5)
    assert relaxed.field == "category" and relaxed.constraints.gender == "Men"
    assert closest(products(small_ctx), Constraints(gender="Nobody"), 5) is None


def test_an_exclusion_that_leaves_nothing_is_relaxed_and_explained(small_ctx):
    result = catalog_filter(small_ctx, {"category": "pants", "not_category": ["Pants"]})
    assert result.hits and result.data["relaxed"]["field"] == "not_category"
    assert all(any(f.kind == "relaxed" for f in hit.evidence) for hit in result.hits)


def test_an_absurd_budget_is_not_moved_and_the_cheapest_price_is_said(small_ctx):
    """"A jacket for 3 quid": no budget to move; nothing is shown and the notes say what the cheapest costs."""
    from tools.retriever import hybrid_search
    cheapest = min(p.price for p in small_ctx.catalog.all() if "Jackets" in p.category_path.split("/"))
    c, _, _ = normalise({"category": "jackets", "price_max": 3.0}, small_ctx.vocab)
    assert closest(products(small_ctx), c, 5) is None
    result = hybrid_search(small_ctx, "jacket", {"category": "jackets", "price_max": 3.0}, 5)
    assert not result.hits and any(f"costs ${cheapest:.2f}" in note for note in result.notes)


def test_an_absurd_budget_shows_no_other_kind_of_product_at_that_price(small_ctx):
    """"A ladies jacket for under a fiver": a $5 yoga brick is not the closest jacket."""
    jackets = [p.price for p in small_ctx.catalog.all() if "Jackets" in p.category_path.split("/")]
    bound = min(p.price for p in small_ctx.catalog.all() if "Jackets" not in p.category_path.split("/"))
    assert bound < ABSURD_PRICE * min(jackets)  # the catalog has something else at that price
    c, _, _ = normalise({"category": "jackets", "price_max": bound}, small_ctx.vocab)
    assert closest(products(small_ctx), c, 5) is None


def test_a_near_price_moves_only_as_far_as_the_band():
    """Products at $41, $44, $49, $60 and $75 for a $40 maximum: up to $49 (within 25%), not $75."""
    from types import SimpleNamespace
    prices = [41.0, 44.0, 49.0, 60.0, 75.0]
    select = lambda c: [SimpleNamespace(price=p) for p in prices if c.get("price_max") is None or p <= c.get("price_max")]  # noqa: E731
    relaxed = closest(select, Constraints(price_max=40.0), 5)
    assert relaxed.field == "price_max" and relaxed.constraints.get("price_max") == 49.0
