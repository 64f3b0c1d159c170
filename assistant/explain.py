"""Explanations built only from evidence, and a check that reply text claims nothing else."""
from __future__ import annotations

import json
import re
from importlib import resources

from tools.evidence import (ConstraintMet, Evidence, Link, LooksLikeRender, Match, OftenBoughtWith, PhotoCategory,
                            PhotoMatch, PlacedInPhoto, Popular, ProductFact, Rating, Relaxed, SameProduct, SessionSignal,
                            Similar, SoldInColour, SortRank, StandsOut)

# The fact that ranked the item, most telling first: what the shopper pointed at or sent, then
# what they liked, the store's links, the sort they asked for, and the words they typed.
RANKING_SIGNALS = (SameProduct, SoldInColour, LooksLikeRender, PlacedInPhoto, PhotoMatch, SessionSignal, Link,
                   OftenBoughtWith, Similar, SortRank, Popular, Match, PhotoCategory)
MAX_WORDS = 25


def replies() -> dict:
    return json.loads(resources.files("prompts").joinpath("replies.json").read_text())


def explanation(evidence: list[Evidence]) -> str:
    """One short explanation (at most MAX_WORDS words where the facts allow), every word from a
    fact in `evidence`: what sets the item apart from the others shown (a "why" question), what
    the shopper asked for that it meets (a relaxed constraint first), the signal that ranked it,
    then something specific about the product itself. To fit, the rating goes first, then the
    material, then all but two of the asks; the full evidence stays with the item."""
    def briefs(kinds):
        return [b for f in evidence if isinstance(f, kinds) and (b := f.brief())]
    contrast = [f for f in evidence if isinstance(f, StandsOut)]
    relaxed = [f for f in evidence if isinstance(f, Relaxed)]
    met = [f for f in evidence if isinstance(f, ConstraintMet) and not any(r.covers(f) for r in relaxed)]
    asked = [b for f in _one_price_range(met) if (b := f.brief() if isinstance(f, ConstraintMet) else f)]
    signal = next((b for kind in RANKING_SIGNALS for b in briefs(kind)), "")
    product, rating = briefs(ProductFact), briefs(Rating)
    leads = [f"Of the {contrast[0].of} shown, it is {' and '.join(f.text for f in contrast)}"] if contrast else []
    leads += [r.brief() for r in relaxed]
    # From the fullest wording to the leanest: the first that fits is used.
    short = [p.split("; ")[0] for p in product]  # the feature without the material
    for asks, facts in ((asked, product + rating), (asked, product), (asked, short), (asked[:2], short)):
        main = "; ".join(part for part in (", ".join(asks), "" if contrast else signal) if part)
        text = " ".join(_capital(part) + "." for part in (*leads, main, "; ".join(facts)) if part)
        if len(text.split()) <= MAX_WORDS:
            break
    return text or "Shown as part of the last list."


def _one_price_range(met: list[ConstraintMet]) -> list:
    """Both price bounds met are said once, as the range: "$66.00 within your $50.00-$80.00"."""
    bounds = [f for f in met if f.field == "price"]
    if len(bounds) != 2:
        return met
    low, high = sorted(bounds, key=lambda f: not f.rule.startswith(">="))
    said = f"${low.value:.2f} within your {low.rule.split()[-1]}-{high.rule.split()[-1]}"
    return [said if f is low else f for f in met if f is not high]


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


# -- grounding check ---------------------------------------------------------------

PRICE = re.compile(r"\$\s?(\d+(?:\.\d{1,2})?)")


def unsupported_claims(text: str, products: list, catalog) -> list[str]:
    """Prices, product names and colours in `text` that none of `products` carries."""
    claims = []
    prices = {round(p.price, 2) for p in products}
    for match in PRICE.finditer(text):
        if round(float(match.group(1)), 2) not in prices:
            claims.append(f"price ${match.group(1)}")
    names = {p.name.lower() for p in products}
    lower = text.lower()
    for name in {p.name.lower() for p in catalog.all()} - names:
        if name in lower:
            claims.append(f"product {name}")
    colours = {(p.color or "").lower() for p in products}
    for colour in {(c or "").lower() for c in catalog.values("color")} - colours:
        if colour and re.search(rf"\b{colour}\b", lower):
            claims.append(f"colour {colour}")
    return claims
