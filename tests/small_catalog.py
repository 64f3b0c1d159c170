"""The unit tier's catalog: a deterministic subset of the real Luma catalog (read from the mirror,
no model), small enough to build in a second and still the whole catalog's vocabulary.

Whole products (every colour variant of a parent) are kept: the parents the tests name, those
linked to them, then, in SKU order, every parent that brings a value no chosen one has (a
category, gender, colour, size, material, pattern, activity, style, flag, rated or not), then more
until each (gender, category) has at least PER_CATEGORY parents. Links are kept between kept parents.
"""
from __future__ import annotations

from collections import defaultdict

# Parents the unit tests name: Chaz Kangeroo Hoodie (MH01), Augusta Pullover Jacket (WJ03),
# Mona Pullover Hoodlie (WH01), Iris Workout Top (WS03), and hoodies a retailer's log mentions.
NAMED_PARENTS = ("MH01", "MH02", "MH03", "WJ03", "WH01", "WS03")
FACETS = ("gender", "category_path", "color", "sizes", "material", "pattern", "activity", "style")
FLAGS = ("eco_collection", "sale", "new", "erin_recommends", "performance_fabric", "in_stock")
PER_CATEGORY = 3


def _values(product) -> set[tuple]:
    out = {(name, getattr(product, name)) for name in FLAGS} | {("rated", product.rating is not None)}
    for name in FACETS:
        value = getattr(product, name)
        out |= {(name, v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")}
    return out


def small_subset(products: list, links: dict[str, list[tuple[str, str]]]) -> tuple[list, dict]:
    """(products, links) of the subset, in the real catalog's order."""
    parents = defaultdict(list)
    for product in products:
        parents[product.parent_sku].append(product)
    chosen: dict[str, None] = dict.fromkeys(NAMED_PARENTS)
    for named in NAMED_PARENTS:
        chosen.update(dict.fromkeys(other for _, other in links.get(named, []) if other in parents))
    covered = {v for sku in chosen for p in parents[sku] for v in _values(p)}
    for sku in sorted(parents):
        new = {v for p in parents[sku] for v in _values(p)} - covered
        if sku not in chosen and new:
            chosen[sku] = None
            covered |= new
    kind = lambda sku: (parents[sku][0].gender, parents[sku][0].category)  # noqa: E731
    per_kind = defaultdict(int)
    for sku in chosen:
        per_kind[kind(sku)] += 1
    for sku in sorted(parents):
        if sku not in chosen and per_kind[kind(sku)] < PER_CATEGORY:
            chosen[sku] = None
            per_kind[kind(sku)] += 1
    kept = [p for p in products if p.parent_sku in chosen]
    kept_links = {sku: [(t, other) for t, other in targets if other in chosen]
                  for sku, targets in links.items() if sku in chosen}
    return kept, {sku: targets for sku, targets in kept_links.items() if targets}
