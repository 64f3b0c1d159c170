"""The recommend tool: merchandising links, embedding neighbours, the session and a log."""
import pytest

from tools.recommend import recommend_for


@pytest.mark.unit
def test_goes_with_follows_cross_sell_links(small_ctx, small_catalog):
    anchor = small_catalog.get("MH01-Black")
    linked = {parent for t, parent in small_catalog.links("MH01") if t in ("crosssell", "related")}
    result = recommend_for(small_ctx, anchor.sku, "goes_with", {}, limit=5)
    assert result.hits
    for hit in result.hits:
        assert small_catalog.get(hit.sku).parent_sku in linked
        link = next(f for f in hit.evidence if f.kind == "link")
        assert link.anchor == anchor.sku and link.type in ("cross-sell", "related")


def test_similar_never_returns_the_anchor_product(ctx, catalog):
    result = recommend_for(ctx, "WJ03-Blue", "similar", {}, limit=5)
    assert len(result.hits) == 5
    assert all(catalog.get(h.sku).parent_sku != "WJ03" for h in result.hits)
    assert any(f.kind == "similar" for h in result.hits for f in h.evidence)


def test_constraints_apply_to_recommendations(ctx, catalog):
    result = recommend_for(ctx, "WJ03-Blue", "similar", {"gender": "women", "price_max": 40}, limit=5)
    assert result.hits
    assert all(catalog.get(h.sku).price <= 40 and catalog.get(h.sku).gender in ("Women", "Unisex")
               for h in result.hits)


@pytest.mark.unit
def test_unknown_item(small_ctx):
    assert "unknown item" in recommend_for(small_ctx, "NOPE", "any", {}, limit=5).error
