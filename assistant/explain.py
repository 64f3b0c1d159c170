"""Explanations built only from evidence, and a check that reply text claims nothing else."""
from __future__ import annotations

import json
import re
from importlib import resources

from tools.evidence import ConstraintMet, Evidence


def replies() -> dict:
    return json.loads(resources.files("prompts").joinpath("replies.json").read_text())


def explanation(evidence: list[Evidence]) -> str:
    """One or two sentences, each clause the phrase of a fact in `evidence`; the constraints
    met come first, together, as what the shopper asked for."""
    requested = [f.phrase() for f in evidence if isinstance(f, ConstraintMet)]
    clauses = ["Meets your request: " + "; ".join(requested)] if requested else []
    clauses += [phrase for f in evidence if not isinstance(f, ConstraintMet) and (phrase := f.phrase())]
    if not clauses:
        return "Shown as part of the last list."
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."


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
