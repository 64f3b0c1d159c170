"""The recommend tool: 'goes with' / 'similar to' an item, from merchandising links and embeddings.

Cross-sell links answer "what goes with it"; related and up-sell links plus text-embedding
neighbours answer "similar". Collaborative filtering joins in a later issue behind this tool.
"""
from __future__ import annotations

from . import catalog_filter
from .base import Hit, ToolContext, ToolResult

LINK_NAMES = {"crosssell": "cross-sell", "upsell": "up-sell", "related": "related"}
RELATIONS = {"goes_with": ("crosssell", "related"), "similar": ("related", "upsell"),
             "any": ("crosssell", "related", "upsell")}
# Links come first: a merchandiser chose them; embedding neighbours fill the list after them.
LINK_WEIGHT = {"crosssell": 1.0, "related": 0.9, "upsell": 0.8}


def recommend_for(ctx: ToolContext, anchor_sku: str, relation: str, raw_constraints: dict,
                  limit: int, exclude: set[str] = frozenset()) -> ToolResult:
    anchor = ctx.catalog.get(anchor_sku)
    if anchor is None:
        return ToolResult("recommend", error=f"unknown item '{anchor_sku}'")
    filtered = catalog_filter.apply(ctx, raw_constraints)
    if filtered.error:
        return ToolResult("recommend", error=filtered.error, notes=filtered.notes)
    allowed = set(filtered.allowed) if filtered.allowed is not None else None
    skip = set(exclude) | {p.sku for p in ctx.catalog.variants(anchor.parent_sku)}

    def usable(product) -> bool:
        return product.sku not in skip and (allowed is None or product.id in allowed)

    scored: dict[str, tuple[float, dict]] = {}
    for link_type, parent in ctx.catalog.links(anchor.parent_sku):
        if link_type not in RELATIONS.get(relation, RELATIONS["any"]):
            continue
        variants = [v for v in ctx.catalog.variants(parent) if usable(v)]
        # Prefer the variant in the anchor's colour family, else the best rated one.
        variants.sort(key=lambda v: (v.color != anchor.color, -(v.rating or 0)))
        if variants:
            fact = {"kind": "link", "type": LINK_NAMES[link_type], "anchor": anchor.sku,
                    "anchor_name": anchor.name}
            scored.setdefault(variants[0].sku, (LINK_WEIGHT[link_type], fact))
    if relation in ("similar", "any") and ctx.text_index is not None:
        candidates = list(allowed) if allowed is not None else None
        seen_parents = {ctx.catalog.get(s).parent_sku for s in scored} | {anchor.parent_sku}
        for item_id, cosine in ctx.text_index.search(ctx.text_index.vector(anchor.id), limit * 6, candidates):
            product = ctx.catalog.by_id(item_id)
            if not usable(product) or product.parent_sku in seen_parents:
                continue
            seen_parents.add(product.parent_sku)
            fact = {"kind": "similar", "anchor": anchor.sku, "anchor_name": anchor.name,
                    "text_similarity": round(cosine, 3)}
            scored.setdefault(product.sku, (0.5 * cosine, fact))
    ranked = sorted(scored.items(), key=lambda kv: -kv[1][0])[:limit]
    hits = []
    for sku, (score, fact) in ranked:
        product = ctx.catalog.get(sku)
        evidence = catalog_filter.constraint_evidence(product, filtered.constraints) + [fact]
        if product.rating is not None:
            evidence.append({"kind": "rating", "mean": product.rating, "count": product.review_count})
        hits.append(Hit(sku, round(score, 4), evidence))
    notes = list(filtered.notes)
    if not hits:
        notes.append(f"no recommendations for {anchor.name} meet these constraints")
    return ToolResult("recommend", hits=hits, notes=notes, constraints=filtered.constraints.active(),
                      data={"anchor": anchor.sku})
