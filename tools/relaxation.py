"""No exact match: the closest products, found by relaxing the one constraint that costs least.

The stated rule, one constraint at a time, the first that leaves products:
1. a price bound, when products meeting everything else lie within 25% of it (moved just far
   enough to show up to `limit` of those within the 25%);
2. the colour, then the size, the material, the pattern, what the shopper left out, then the
   eco, sale, stock and activity flags;
3. a price bound at any distance, but a maximum under a fifth of the cheapest such product ("a jacket
   for 3 quid") is no budget to move: nothing is shown, and the reply says what the cheapest costs;
4. the category (the gender is never relaxed: it says who the products are for).
Every product shown meets every other constraint; the one that differs says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from assistant.catalog.constraints import EXCLUSIONS, FIELDS, Constraints
from tools.evidence import Relaxed

Select = Callable[[Constraints], list]   # the catalog products that meet some constraints

NEAR_PRICE = 0.25
ABSURD_PRICE = 0.2  # a maximum below this share of the cheapest product is not relaxed
ORDER = ("color", "size", "material", "pattern", *EXCLUSIONS, "eco", "on_sale", "in_stock", "activity")


@dataclass
class Relaxation:
    field: str               # the constraint relaxed ("color", "price_max", ...)
    constraints: Constraints  # what the products shown meet
    said: str                # the relaxation in words: "not gray", "up to $54 instead of $50"
    asked: str               # what was asked for: "Gray", "50.00"

    def to_dict(self) -> dict:
        return {"field": self.field, "said": self.said, "asked": self.asked}

    def evidence(self, product) -> Relaxed:
        """The fact that this product differs from the request only here."""
        own = FIELDS[self.field].predicate.product_value(product)
        return Relaxed(self.field, self.asked, ", ".join(own) if isinstance(own, tuple) else own)


def _price(select: Select, c: Constraints, limit: int, near: bool) -> Relaxation | None:
    """The price bound moved to take in the `limit` products nearest to it."""
    for name, sign in (("price_max", 1), ("price_min", -1)):
        bound = c.get(name)
        if bound is None:
            continue
        others = c.without(name)
        prices = sorted((p.price for p in select(others)), key=lambda p: sign * p)
        if not prices or (near and abs(prices[0] - bound) > NEAR_PRICE * max(bound, 1.0)) \
                or (name == "price_max" and _too_low(bound, prices[0])):
            continue
        if near:  # only those within the band: "cheaper ones" moved by a quarter, not to whatever fills the list
            prices = [p for p in prices if abs(p - bound) <= NEAR_PRICE * max(bound, 1.0)]
        moved = prices[min(limit, len(prices)) - 1]
        relaxed = others.updated({name: moved})
        if name == "price_max":
            said = f"up to ${moved:.2f} instead of ${bound:.2f}"
        else:
            said = f"from ${moved:.2f} instead of ${bound:.2f}"
        return Relaxation(name, relaxed, said, f"{bound:.2f}")
    return None


def _too_low(bound: float, cheapest: float) -> bool:
    """A maximum under a fifth of the cheapest product is no budget to move ("a jacket for 3 quid")."""
    return bound < ABSURD_PRICE * cheapest


def _absurd(select: Select, c: Constraints) -> bool:
    """The maximum is too low for the products meeting everything else."""
    bound = c.get("price_max")
    prices = [p.price for p in select(c.without("price_max"))] if bound is not None else []
    return bool(prices) and _too_low(bound, min(prices))


def _field_said(name: str, c: Constraints) -> str:
    value = c.get(name)
    values = value if isinstance(value, list) else [value]
    if name in EXCLUSIONS:
        return "including " + " or ".join(str(v).lower() for v in values)
    return "not " + " or ".join(str(v).lower() for v in values)


def closest(select: Select, constraints: Constraints, limit: int) -> Relaxation | None:
    """The relaxation of `constraints` (which no product meets) by the rule above, or None."""
    active = constraints.active()
    relaxed = _price(select, constraints, limit, near=True)
    if relaxed:
        return relaxed
    for name in (*ORDER, "price", "category"):
        if name == "price":
            relaxed = _price(select, constraints, limit, near=False)
            if relaxed:
                return relaxed
            if _absurd(select, constraints):
                return None  # "a ladies jacket for under a fiver": not another kind of product at that price
            continue
        if name in active and select(constraints.without(name)):
            value = active[name]
            asked = " or ".join(value) if isinstance(value, list) else str(value)
            return Relaxation(name, constraints.without(name), _field_said(name, constraints), asked)
    return None
