"""The catalog_filter tool (tools/catalog_filter.py): constraints to SQL, evidence, and the same rules in Python."""
import pytest

from tools.catalog_filter import Constraints, catalog_filter, normalise, satisfies, to_sql

pytestmark = pytest.mark.unit


def test_filter_returns_only_matching_items_with_evidence(small_ctx, small_catalog):
    result = catalog_filter(small_ctx, {"gender": "women", "category": "jackets", "price_max": 60})
    assert result.ok and result.hits
    wanted = Constraints(gender="Women", category=["Jackets"], price_max=60)
    for hit in result.hits:
        product = small_catalog.get(hit.sku)
        assert satisfies(product, wanted)
        fields = {f.field for f in hit.evidence if f.kind == "constraint"}
        assert fields == {"gender", "category", "price"}


def test_sql_agrees_with_python_rules_on_every_product(small_ctx, small_catalog):
    for raw in ({"color": "red", "size": "M"}, {"material": "cotton"}, {"eco": True, "gender": "men"},
                {"category": "tanks"}, {"price_min": 20, "price_max": 30}, {"on_sale": True}):
        constraints, _, errors = normalise(raw, small_ctx.vocab)
        assert not errors
        where, params = to_sql(constraints)
        ids = set(small_catalog.select_ids(where, params))
        assert ids == {p.id for p in small_catalog.all() if satisfies(p, constraints)}, raw
        assert ids, raw


def test_sorting_by_price(small_ctx, small_catalog):
    result = catalog_filter(small_ctx, {"gender": "men", "category": "shorts"}, sort="price_asc")
    prices = [small_catalog.get(h.sku).price for h in result.hits]
    assert prices == sorted(prices)
    assert prices[0] == min(p.price for p in small_catalog.all() if p.category == "Shorts" and p.gender == "Men")


def test_values_are_parameters_not_sql(small_ctx):
    result = catalog_filter(small_ctx, {"color": "red' OR 1=1 --"})
    assert not result.ok and "unknown colour" in result.error


def test_unknown_values_and_bad_prices_are_clear_errors(small_ctx):
    assert "valid colours" in catalog_filter(small_ctx, {"color": "zorblax"}).error
    assert "negative" in catalog_filter(small_ctx, {"price_max": -20}).error
    assert "above the maximum" in catalog_filter(small_ctx, {"price_min": 90, "price_max": 10}).error


def test_mapped_value_is_reported(small_ctx):
    result = catalog_filter(small_ctx, {"color": "navy", "category": "jackets"})
    assert result.ok and any("Blue" in n for n in result.notes)
