"""What sets one shown item apart from the others shown with it: the answer to "why the second one?".

Every comparison reads facts the shopper can check on the list itself (price, colour, category,
rating and material from the catalog; photo likeness and match rank from the evidence recorded
when the list was shown) and is said only when it holds strictly: a tie sets nothing apart.
The distinctions a shopper acts on come first (cheapest, best rated, closest to their photo); a
plain difference from the item ranked above or below it is the last resort, so a "why" answer
always names a difference when there is one.
"""
from __future__ import annotations

from tools.evidence import Match, PhotoMatch, SessionSignal, Link, StandsOut

MAX_CONTRASTS = 2


def _photo_likeness(item) -> float | None:
    return max((f.image_similarity for f in item.evidence if isinstance(f, PhotoMatch)), default=None)


def _match_rank(item) -> int | None:
    return min((f.rank for f in item.evidence if isinstance(f, Match)), default=None)


def _extreme(item, others, value, best: str, smaller_wins: bool) -> str | None:
    """`best` when the item's value strictly beats every other shown item's that has one (and one has)."""
    own = value(item)
    if own is None:
        return None
    rivals = [v for o in others if (v := value(o)) is not None]
    if rivals and all((own < v) if smaller_wins else (own > v) for v in rivals):
        return best
    return None


def _only(item, others, value, text) -> str | None:
    """`text` when no other shown item shares the item's value (and the others have values)."""
    own = value(item)
    theirs = [value(o) for o in others]
    if own and all(t and t != own for t in theirs):
        return text.format(own.lower() if isinstance(own, str) else own)
    return None


def stands_out(item, shown: list, catalog) -> list[StandsOut]:
    """Up to MAX_CONTRASTS facts that set `item` (a ShownItem) apart from the rest of `shown`."""
    others = [s for s in shown if s.sku != item.sku]
    if not others:
        return []
    product = {s.sku: catalog.get(s.sku) for s in shown}
    rating = lambda s: product[s.sku].rating if product[s.sku] else None
    materials = lambda s: set(product[s.sku].material) if product[s.sku] else set()
    liked = lambda s: next((f for f in s.evidence if isinstance(f, (SessionSignal, Link))), None)
    found = [
        ("price", _extreme(item, others, lambda s: s.price, "the cheapest", smaller_wins=True)),
        ("rating", _extreme(item, others, rating, f"the best rated ({rating(item):.1f}/5)" if rating(item) else "", False)),
        ("photo", _extreme(item, others, _photo_likeness, "the closest look-alike of your photo", False)),
        ("match", _extreme(item, others, _match_rank, "the closest match for your words", smaller_wins=True)),
        ("colour", _only(item, others, lambda s: s.color, "the only {} one")),
        ("category", _only(item, others, lambda s: s.category, "the only one from {}")),
        ("signal", f"{liked(item).brief()}, unlike the others" if liked(item) and not any(liked(o) for o in others)
         else None),
    ]
    own_materials = materials(item) - set().union(*(materials(o) for o in others))
    if own_materials:
        material = sorted(own_materials)[0]
        found.append(("material", f"the only one in {material.lower() if material.isascii() else material}"))
    facts = [StandsOut(aspect, text, len(shown)) for aspect, text in found if text][:MAX_CONTRASTS]
    return facts or _against_neighbour(item, shown, rating)


def _against_neighbour(item, shown: list, rating) -> list[StandsOut]:
    """The last resort: how the item differs from the one ranked just above it (or below, for #1)."""
    ordered = sorted(shown, key=lambda s: s.position)
    at = next(i for i, s in enumerate(ordered) if s.sku == item.sku)
    other = ordered[at - 1] if at > 0 else ordered[1]
    differences = []
    if item.price != other.price:
        differences.append(f"{'cheaper' if item.price < other.price else 'pricier'} than #{other.position}")
    if rating(item) is not None and rating(other) is not None and rating(item) != rating(other):
        differences.append(f"rated {'higher' if rating(item) > rating(other) else 'lower'} than #{other.position}")
    if item.color and other.color and item.color != other.color:
        differences.append(f"{item.color.lower()}, unlike #{other.position}")  # its colour only: #2's is not evidence here
    return [StandsOut("neighbour", text, len(shown)) for text in differences[:MAX_CONTRASTS]]
