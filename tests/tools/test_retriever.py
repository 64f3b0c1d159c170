"""The hybrid, filtered search tool (tools/retriever.py): words, constraints and photos."""
import dataclasses

import numpy as np
import pytest

from tools.base import ToolContext
from tools.catalog_filter import Constraints, satisfies
from tools.retriever import hybrid_search, rrf


def test_filtered_search_finds_every_rare_match(ctx, catalog):
    """Constraints apply inside the search: all matches of a rare combination are reachable."""
    wanted = Constraints(gender="Women", category=["Jackets"], color="Red", price_max=60)
    matching = {p.parent_sku for p in catalog.all() if satisfies(p, wanted)}
    assert 0 < len(matching) <= 5
    result = hybrid_search(ctx, "something warm", {"gender": "women", "category": "jacket", "color": "red",
                                                   "price_max": 60}, limit=5)
    assert {catalog.get(h.sku).parent_sku for h in result.hits} == matching


def test_text_query_ranks_relevant_items_first(ctx, catalog):
    result = hybrid_search(ctx, "waterproof rain jacket", {}, limit=5)
    top = catalog.get(result.hits[0].sku)
    assert top.category == "Jackets"
    match = next(f for f in result.hits[0].evidence if f.kind == "match")
    assert match.text_similarity is not None and match.matched_terms


def test_an_order_held_shows_the_relevant_items_in_it(ctx, catalog):
    """"Cheapest first", then "no fleece" (a search): the list is still cheapest first, from the
    cheapest product that meets the constraints, and each item says its place."""
    wanted = {"gender": "women", "category": "jacket"}
    result = hybrid_search(ctx, "", wanted, limit=5, sort="price_asc")
    prices = [catalog.get(h.sku).price for h in result.hits]
    assert len(prices) == 5 and prices == sorted(prices)
    assert prices[0] == min(p.price for p in catalog.all() if satisfies(p, Constraints(gender="Women", category=["Jackets"])))
    assert all(any(f.kind == "rank" for f in h.evidence) for h in result.hits)


def test_one_variant_per_product(ctx, catalog):
    result = hybrid_search(ctx, "hoodie", {}, limit=5)
    parents = [catalog.get(h.sku).parent_sku for h in result.hits]
    assert len(parents) == len(set(parents)) == 5


@pytest.mark.unit
def test_no_match_shows_the_closest_products_with_one_constraint_relaxed(small_ctx):
    result = hybrid_search(small_ctx, "", {"category": "tanks", "color": "lavender"}, limit=5)
    assert result.hits and result.data["relaxed"]["field"] == "color"
    for hit in result.hits:
        product = small_ctx.catalog.get(hit.sku)
        assert product.category in ("Tanks", "Bras & Tanks") and product.color != "Lavender"
        relaxed = [f for f in hit.evidence if f.kind == "relaxed"]
        assert relaxed and "not lavender" in relaxed[0].phrase() and "only thing that differs" in relaxed[0].phrase()


def test_rejected_items_are_excluded(ctx):
    first = hybrid_search(ctx, "yoga pants", {}, limit=5).hits[0].sku
    again = hybrid_search(ctx, "yoga pants", {}, limit=5, exclude={first})
    assert first not in [h.sku for h in again.hits]


@pytest.mark.unit
def test_rrf_rewards_agreement():
    fused = rrf([[1, 2, 3], [2, 1, 4]], k=60)
    assert fused[1] == fused[2] > fused[3] > 0 and 4 in fused


def photo_context(bot, catalog) -> ToolContext:
    """The context the real assistant gives its tools, with the image indexes for photo search."""
    return ToolContext(catalog=catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                       embedder=bot.embedder, image_index=bot.image_index, fused_index=bot.fused_index)


def test_colour_swap_with_the_production_search(photo_bot, catalog):
    """A product photo in one colour plus a colour constraint finds the same product in that colour."""
    ctx = photo_context(photo_bot, catalog)
    parents = sorted({p.parent_sku for p in catalog.all() if len(catalog.variants(p.parent_sku)) >= 2})[::10]
    found = []
    for parent in parents:
        a, b = catalog.variants(parent)[:2]
        photo = photo_bot.photo_reader.embed([a.image_path])[0]
        hits = hybrid_search(ctx, "", {"color": b.color}, 10, photos=[photo], photo_names=["photo 1"]).hits
        assert all(catalog.get(h.sku).color == b.color for h in hits)
        assert hits and all(any(f.kind == "photo" for f in h.evidence) for h in hits)
        found.append(b.sku in [h.sku for h in hits])
    assert np.mean(found) >= 0.7


def test_without_words_push_a_photo_query_away(photo_bot, catalog):
    ctx = photo_context(photo_bot, catalog)
    hoodie = [p for p in catalog.all() if "Hoodie" in p.name][0]
    photo = photo_bot.photo_reader.embed([hoodie.image_path])[0]
    hood = photo_bot.embedder.encode_one("hood")
    image = photo_bot.image_index.vector
    mean_hood = lambda hits: np.mean([image(catalog.get(h.sku).id) @ hood for h in hits])  # noqa: E731
    plain = hybrid_search(ctx, "", {}, 10, photos=[photo], photo_names=["photo 1"]).hits
    without = hybrid_search(ctx, "without the hood", {}, 10, photos=[photo], photo_names=["photo 1"]).hits
    assert mean_hood(without) < mean_hood(plain)


def test_a_photo_category_gives_way_before_what_the_shopper_said(photo_bot, catalog):
    """A jacket photo "in lavender": no jacket is lavender, so the photo's category (read, not said)
    is relaxed into a ranking signal; the shopper's colour holds for every item."""
    ctx = photo_context(photo_bot, catalog)
    jacket = next(p for p in catalog.all() if p.category == "Jackets")
    photo = photo_bot.photo_reader.embed([jacket.image_path])[0]
    result = hybrid_search(ctx, "", {"color": "Lavender"}, 5, photos=[photo], photo_names=["photo 1"],
                           photo_category="Jackets")
    assert result.hits and "relaxed" not in result.data
    assert all(catalog.get(h.sku).color == "Lavender" for h in result.hits)


def test_the_item_pointed_at_comes_first_in_the_colour_asked_for(ctx, catalog):
    """"The first one in purple": the purple variant of that product leads the list."""
    parent = next(p.parent_sku for p in catalog.all() if {"Purple", "Black"} <= {v.color for v in catalog.variants(p.parent_sku)})
    black = next(v for v in catalog.variants(parent) if v.color == "Black")
    purple = next(v for v in catalog.variants(parent) if v.color == "Purple")
    focused = dataclasses.replace(ctx, focus=black.sku)
    hits = hybrid_search(focused, "", {"color": "Purple"}, 5).hits
    assert hits[0].sku == purple.sku and any(f.kind == "same_product" for f in hits[0].evidence)
    assert all(catalog.get(h.sku).color == "Purple" for h in hits)
