"""The search tool: hybrid retrieval (dense MiniLM + FTS5 BM25, reciprocal-rank fused), filtered.

Constraints filter inside both retrievers: the vector indexes' engines test them against the
payload stored with each vector (tools/index_payload.py), BM25 searches within the ids the
catalog's SQL selects. A short list is never cut afterwards: if 3 red jackets under $60 exist, all
3 can be found.
"""
from __future__ import annotations

import re

from tools import catalog_filter
from tools.base import Hit, ToolContext, ToolResult
from tools.evidence import ConstraintMet, Match, PhotoCategory, PhotoMatch, Rating, SameProduct, SortRank
from tools.personalize import SessionSignals, blend

STOPWORDS = set("""a an and are as at be but by for from i in into is it me my of on or show
some something the this that to want with you your any find looking need please ones one get
like would could can im i'm do does did have has got""".split())


def query_terms(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", (text or "").lower()) if t not in STOPWORDS and len(t) > 1]


def rrf(rankings: list[list[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: robust to the very different scales of cosine and BM25."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item_id in enumerate(ranking, 1):
            fused[item_id] = fused.get(item_id, 0.0) + 1.0 / (k + rank)
    return fused


def relaxation_hint(ctx: ToolContext, constraints: catalog_filter.Constraints) -> str | None:
    """When nothing matches, say which single constraint to drop to get results."""
    active = constraints.active()
    options = []
    for name in active:
        where, params = catalog_filter.to_sql(constraints.without(name))
        ids = ctx.catalog.select_ids(where, params)
        if ids and name == "price_max":  # "a jacket for 3 quid": what the cheapest costs
            cheapest = min(ctx.catalog.by_id(i).price for i in ids)
            options.append(f"the cheapest of the {len(ids)} without the price limit costs ${cheapest:.2f}")
        elif ids:
            options.append(f"without the {name.replace('_', ' ')} constraint there are {len(ids)}")
    return ("; ".join(options)) if options else None


def same_product(ctx: ToolContext, allowed: list[int] | None) -> list[int]:
    """The allowed variants of the item the message points at (`ctx.focus`), if any."""
    anchor = ctx.catalog.get(ctx.focus) if ctx.focus else None
    if anchor is None:
        return []
    pool = set(allowed) if allowed is not None else None
    return [v.id for v in ctx.catalog.variants(anchor.parent_sku) if pool is None or v.id in pool]


def photo_query(photos: list, avoid: list, query_vector, change_weight: float, avoid_weight: float):
    """The photo side of a query, composed in the shared embedding space: the photos' mean,
    moved toward the words of the change ("with a hood") and away from photos the shopper
    rejected. Hard changes (a colour, a price) are constraints instead, applied as filters."""
    import numpy as np
    q = np.mean(photos, axis=0)
    if query_vector is not None:
        q = q + change_weight * query_vector
    if avoid:
        q = q - avoid_weight * np.mean(avoid, axis=0)
    return q / max(float(np.linalg.norm(q)), 1e-12)


def hybrid_search(ctx: ToolContext, query: str, raw_constraints: dict, limit: int,
                  exclude: set[str] = frozenset(), photos: list = (), avoid: list = (),
                  photo_names: list[str] = (), photo_category: str | None = None,
                  photo_leanings: dict[str, float] | None = None, sort: str | None = None) -> ToolResult:
    """`photo_category`: the category the photo was read as, surely enough to filter (within the
    category the shopper stated, if any: the caller's part); a filter explained as read from the
    photo, not as their request. `photo_leanings`: categories the photo may show, with their
    probabilities, when the reading is not sure enough to filter: they only rank, so a wrong
    reading never empties the list.
    `sort`: an order the shopper asked for earlier ("cheapest first") and still holds: the relevant
    candidates are shown in it."""
    inferred, said = photo_category is not None, raw_constraints
    leanings = dict(photo_leanings or {}) if photos and not inferred and not said.get("category") else {}
    if inferred:
        raw_constraints = {**said, "category": photo_category}
    settings = ctx.settings
    filtered = catalog_filter.apply(ctx, raw_constraints)
    if inferred and filtered.relaxed is not None:
        # Nothing of the kind the photo shows meets what the shopper said ("this in gray"): the
        # reading of the photo gives way before anything the shopper said, and only ranks.
        raw_constraints, inferred, leanings = said, False, {photo_category: 1.0}
        filtered = catalog_filter.apply(ctx, raw_constraints)
    if filtered.error:
        return ToolResult("search", error=filtered.error, notes=filtered.notes)
    constraints, allowed = filtered.met, filtered.allowed
    excluded_ids = {ctx.catalog.get(s).id for s in exclude if ctx.catalog.get(s)} if exclude else set()
    where = filtered.where(ctx.vocab, excluded_ids)  # the vector indexes filter inside their engine
    if exclude:
        base = allowed if allowed is not None else [p.id for p in ctx.catalog.all()]
        allowed = [i for i in base if i not in excluded_ids]
    notes = list(filtered.notes)
    if allowed is not None and not allowed:
        hint = relaxation_hint(ctx, constraints)
        notes.append("no product meets all these constraints" + (f" ({hint})" if hint else ""))
        return ToolResult("search", notes=notes, constraints=constraints.active())

    dense_scores: dict[int, float] = {}
    keyword_rank: dict[int, int] = {}
    image_scores: dict[int, float] = {}
    rankings = []
    # "without the hood": negated words push a photo query away instead of toward them.
    negated = re.findall(r"\b(?:without|no|not)\s+(?:the\s+|a\s+)?([a-z]+)", query.lower())
    positive = re.sub(r"\b(?:without|no|not)\s+(?:the\s+|a\s+)?[a-z]+", " ", query.lower()) if negated else query
    vector = ctx.embedder.encode_one(positive) if query_terms(positive) else None
    if vector is not None:
        dense = ctx.text_index.search(vector, settings.candidate_k, where)
        dense_scores = dict(dense)
        rankings.append([i for i, _ in dense])
        words = list(dict.fromkeys(query_terms(positive)))  # each store builds its own safe query
        keyword = ctx.catalog.keyword_search(words, allowed, settings.candidate_k) if words else []
        keyword_rank = {i: r for r, (i, _) in enumerate(keyword, 1)}
        rankings.append([i for i, _ in keyword])
    if photos and ctx.image_index is not None:
        avoid = list(avoid) + ([ctx.embedder.encode_one(" ".join(negated))] if negated else [])
        q = photo_query(list(photos), avoid, vector, settings.photo_change_weight, settings.photo_avoid_weight)
        by_image = ctx.image_index.search(q, settings.candidate_k, where)
        image_scores = dict(by_image)
        # The photo is the main signal: its ranking counts twice, once on the image vectors
        # and once on the fused image+text vectors.
        rankings += [[i for i, _ in by_image], [i for i, _ in ctx.fused_index.search(q, settings.candidate_k, where)]]
    if rankings:
        fused = rrf(rankings, settings.rrf_k)
    else:  # no query words: the constraints alone, best rated first
        ids = allowed if allowed is not None else [p.id for p in ctx.catalog.all()]
        ordered = sorted(ids, key=lambda i: (-(ctx.catalog.by_id(i).rating or 0), ctx.catalog.by_id(i).price))
        fused = {i: 1.0 / (settings.rrf_k + r) for r, i in enumerate(ordered, 1)}
    leaned: dict[int, float] = {}
    if leanings and ctx.image_index is not None:
        # One more ranking: the photo's, among the items of the categories it may show, each
        # item's share weighted by its category's probability; the other items stay in the list.
        weight = settings.photo_category_boost_weight
        pool = allowed if allowed is not None else [p.id for p in ctx.catalog.all()]
        within = [i for i in pool if ctx.catalog.by_id(i).category in leanings]
        for rank, (item_id, _) in enumerate(ctx.image_index.search(q, settings.candidate_k, within), 1):
            leaned[item_id] = leanings[ctx.catalog.by_id(item_id).category]
            fused[item_id] = fused.get(item_id, 0.0) + weight * leaned[item_id] / (settings.rrf_k + rank)
    # What the shopper liked or asked about in this session re-ranks the candidates.
    fused, lifted = blend(ctx, SessionSignals.from_state(ctx.state), fused)
    same = same_product(ctx, allowed)
    if same:  # "the first one in purple": that product's variants first, then the rest
        top = max(fused.values(), default=0.0)
        fused.update({item_id: top + 1.0 + 1.0 / (1 + rank) for rank, item_id in enumerate(same)})
    # One colour variant per product: the list shows different products, "in red" shows colours.
    # An order held sorts the candidates of the kind asked for; with no kind, only the list shown
    # (the cheapest of everything a photo resembles would be anything).
    pool = settings.candidate_k if sort and constraints.get("category") else limit
    ranked, parents = [], set()
    for item_id, score in sorted(fused.items(), key=lambda kv: -kv[1]):
        parent = ctx.catalog.by_id(item_id).parent_sku
        if parent not in parents:
            parents.add(parent)
            ranked.append((item_id, score))
        if len(ranked) == pool:
            break
    considered = len(ranked)
    if sort:
        ranked = sorted(ranked, key=lambda kv: catalog_filter.SORT_KEYS[sort](ctx.catalog.by_id(kv[0])))[:limit]

    terms = set(query_terms(query))
    hits = []
    for rank, (item_id, score) in enumerate(ranked, 1):
        product = ctx.catalog.by_id(item_id)
        # A category read from the photo is said as such, not as the shopper's request.
        evidence = [PhotoCategory(fact.value, tuple(photo_names))
                    if inferred and isinstance(fact, ConstraintMet) and fact.field == "category" else fact
                    for fact in filtered.evidence(product)]
        if query_terms(query) or not photos:
            text = product.search_text().lower()
            evidence.append(Match(
                query, rank, matched_terms=tuple(sorted(t for t in terms if re.search(rf"\b{re.escape(t)}", text))),
                text_similarity=round(float(dense_scores[item_id]), 3) if item_id in dense_scores else None,
                keyword_rank=keyword_rank.get(item_id)))
        if item_id in leaned:
            evidence.append(PhotoCategory(product.category_path, tuple(photo_names), leaned[item_id]))
        if item_id in image_scores:
            evidence.append(PhotoMatch(tuple(photo_names), rank, round(float(image_scores[item_id]), 3)))
        if item_id in same:
            evidence.append(SameProduct(ctx.focus, ctx.catalog.get(ctx.focus).name))
        if item_id in lifted:
            evidence.append(lifted[item_id])
        if sort:
            evidence.append(SortRank(sort, rank, considered))
        evidence += Rating.of(product)
        hits.append(Hit(product.sku, score=round(score, 5), evidence=evidence))
    total = len(allowed) if allowed is not None else len(ctx.catalog)
    return ToolResult("search", hits=hits, notes=notes, constraints=constraints.active(),
                      data={"candidates": total, **filtered.result_data()})
