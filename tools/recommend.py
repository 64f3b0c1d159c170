"""The recommend tool: what goes with or resembles an item, or what this shopper may like.

With an anchor item, candidates come from merchandising links (cross-sell answers "what goes
with it"; related and up-sell answer "similar"), from the collaborative model when a log was
ingested ("often bought with"), and from text-embedding neighbours. Without one, every product
is a candidate, ranked by the session (tools/personalize.py); a shopper with no reactions yet
gets the most popular products (the log's, or the best reviewed when there is no log).
In both cases the session re-ranks the list, so reactions sharpen what comes next.
"""
from __future__ import annotations

from tools import catalog_filter
from tools.base import Hit, ToolContext, ToolResult
from tools.evidence import Anchored, Evidence, Link, OftenBoughtWith, Popular, Rating, Similar
from tools.personalize import SessionSignals, blend, session_scores

LINK_NAMES = {"crosssell": "cross-sell", "upsell": "up-sell", "related": "related"}
RELATIONS = {"goes_with": ("crosssell", "related"), "similar": ("related", "upsell"),
             "any": ("crosssell", "related", "upsell")}
# Links come first: a merchandiser chose them; the log and embedding neighbours fill in after.
LINK_WEIGHT = {"crosssell": 1.0, "related": 0.9, "upsell": 0.8}
CF_WEIGHT = 0.7


def recommend_for(ctx: ToolContext, anchor_sku: str | None, relation: str, raw_constraints: dict,
                  limit: int, exclude: set[str] = frozenset()) -> ToolResult:
    anchor = ctx.catalog.get(anchor_sku) if anchor_sku else None
    if anchor_sku and anchor is None:
        return ToolResult("recommend", error=f"unknown item '{anchor_sku}'")
    filtered = catalog_filter.apply(ctx, raw_constraints)
    if filtered.error:
        return ToolResult("recommend", error=filtered.error, notes=filtered.notes)
    allowed = set(filtered.allowed) if filtered.allowed is not None else None
    skip = set(exclude) | ({p.sku for p in ctx.catalog.variants(anchor.parent_sku)} if anchor else set())

    def usable(product) -> bool:
        return product.sku not in skip and (allowed is None or product.id in allowed)

    signals = SessionSignals.from_state(ctx.state)
    if anchor is not None:
        scored = _anchored(ctx, anchor, relation, usable, filtered.where(ctx.vocab), limit)
    else:
        scored = _for_session(ctx, signals, usable)
    # The session re-ranks: items near what the shopper liked move up.
    scores = {ctx.catalog.get(sku).id: score for sku, (score, _) in scored.items()}
    facts = {ctx.catalog.get(sku).id: fact for sku, (_, fact) in scored.items()}
    # Without an anchor the ranking is the session's already.
    blended, lifted = blend(ctx, signals, scores) if anchor is not None else (scores, {})
    hits = []
    for item_id, score in sorted(blended.items(), key=lambda kv: -kv[1])[:limit]:
        product = ctx.catalog.by_id(item_id)
        reason = facts[item_id]
        evidence = [*filtered.evidence(product), reason]
        if item_id in lifted and not (isinstance(reason, Anchored) and lifted[item_id].anchor == reason.anchor):
            evidence.append(lifted[item_id])  # a second reason, about another item
        evidence += Rating.of(product)
        hits.append(Hit(product.sku, round(score, 4), evidence))
    notes = list(filtered.notes)
    if not hits:
        notes.append(f"no recommendations{' for ' + anchor.name if anchor else ''} meet these constraints")
    return ToolResult("recommend", hits=hits, notes=notes, constraints=filtered.met.active(),
                      data={"anchor": anchor.sku if anchor else None, "personal": bool(signals),
                            **filtered.result_data()})


def _best_variant(ctx, parent: str, usable, colour: str | None):
    variants = [v for v in ctx.catalog.variants(parent) if usable(v)]
    # Prefer the variant in the anchor's colour family, else the best rated one.
    variants.sort(key=lambda v: (v.color != colour, -(v.rating or 0)))
    return variants[0] if variants else None


def _anchored(ctx, anchor, relation: str, usable, where, limit: int) -> dict[str, tuple[float, Evidence]]:
    scored: dict[str, tuple[float, Evidence]] = {}
    for link_type, parent in ctx.catalog.links(anchor.parent_sku):
        if link_type in RELATIONS.get(relation, RELATIONS["any"]):
            variant = _best_variant(ctx, parent, usable, anchor.color)
            if variant is not None:
                scored.setdefault(variant.sku, (LINK_WEIGHT[link_type], Link(anchor.sku, anchor.name, LINK_NAMES[link_type])))
    cf = ctx.recommender
    if cf is not None and relation in ("goes_with", "any"):
        by_product = cf.scores([anchor.parent_sku])
        for parent, value in sorted(by_product.items(), key=lambda kv: -kv[1])[:limit * 2]:
            if value > 0 and parent != anchor.parent_sku and cf.anchor(parent, [anchor.parent_sku]):
                variant = _best_variant(ctx, parent, usable, anchor.color)
                if variant is not None:
                    scored.setdefault(variant.sku, (CF_WEIGHT, OftenBoughtWith(anchor.sku, anchor.name)))
    if relation in ("similar", "any") and ctx.text_index is not None:
        seen_parents = {ctx.catalog.get(s).parent_sku for s in scored} | {anchor.parent_sku}
        for item_id, cosine in ctx.text_index.search(ctx.text_index.vector(anchor.id), limit * 6, where):
            product = ctx.catalog.by_id(item_id)
            if not usable(product) or product.parent_sku in seen_parents:
                continue
            seen_parents.add(product.parent_sku)
            scored.setdefault(product.sku, (0.5 * cosine, Similar(anchor.sku, anchor.name, round(float(cosine), 3))))
    return scored


def _for_session(ctx, signals: SessionSignals, usable) -> dict[str, tuple[float, Evidence]]:
    """One variant per product, ranked by the session, or by popularity before any reaction."""
    liked_parents = {ctx.catalog.get(s).parent_sku for s, _ in signals.positives if ctx.catalog.get(s)}
    variants = {}
    for product in ctx.catalog.all():
        if usable(product) and product.parent_sku not in liked_parents:
            best = variants.get(product.parent_sku)
            if best is None or (product.rating or 0) > (best.rating or 0):
                variants[product.parent_sku] = product
    products = list(variants.values())
    if signals:
        personal = session_scores(ctx, signals, [p.id for p in products])
        return {p.sku: personal[p.id] for p in products}
    cf = ctx.recommender
    counts = cf.popularity() if cf is not None else {}
    scored = {}
    for p in products:
        if counts:
            scored[p.sku] = (counts.get(p.parent_sku, 0.0), Popular("log", shoppers=int(counts.get(p.parent_sku, 0))))
        else:
            scored[p.sku] = ((p.rating or 0) * (p.review_count or 0) ** 0.5,
                             Popular("reviews", mean=p.rating, count=p.review_count))
    return scored
