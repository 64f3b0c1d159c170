"""Explanations built only from evidence, and a check that reply text claims nothing else."""
from __future__ import annotations

import json
import re
from importlib import resources

LINK_PHRASES = {"cross-sell": "goes with {anchor} (the store pairs them: cross-sell)",
                "related": "related to {anchor} (store link)",
                "up-sell": "a step up from {anchor} (up-sell)"}


def replies() -> dict:
    return json.loads(resources.files("prompts").joinpath("replies.json").read_text())


def _constraint_phrase(fact: dict) -> str:
    field, value, rule = fact["field"], fact["value"], fact["rule"]
    if field == "price":
        return f"${value:.2f} ({rule.replace('<=', 'at most').replace('>=', 'at least')})"
    if field == "category":
        return f"category {value.replace('/', ' > ')}"
    if field in ("eco", "on_sale", "in_stock"):
        return {"eco": "eco collection", "on_sale": "on sale", "in_stock": "in stock"}[field]
    if isinstance(value, list):
        shown = [v for v in value if rule.lower() in v.lower()] or value
        return f"{field} {', '.join(shown)}"
    return f"{field} {value}"


def explanation(evidence: list[dict]) -> str:
    """One or two sentences, each clause taken from a fact in `evidence`."""
    clauses = []
    constraints = [_constraint_phrase(f) for f in evidence if f["kind"] == "constraint"]
    if constraints:
        clauses.append("Meets your request: " + "; ".join(constraints))
    for fact in evidence:
        kind = fact["kind"]
        if kind == "match":
            bits = []
            if fact.get("matched_terms"):
                bits.append("mentions " + ", ".join(f"'{t}'" for t in fact["matched_terms"]))
            if "text_similarity" in fact:
                bits.append(f"text similarity {fact['text_similarity']:.2f}")
            if bits:
                clauses.append(f"ranked #{fact['rank']} for \"{fact['query']}\" ({'; '.join(bits)})")
        elif kind == "photo":
            clauses.append(f"looks like {' and '.join(fact['photos'])} (image similarity {fact['image_similarity']:.2f})")
        elif kind == "photo_category":
            clauses.append(f"{fact['value'].split('/')[-1]}, the kind of item {' and '.join(fact['photos'])} shows")
        elif kind == "link":
            clauses.append(LINK_PHRASES[fact["type"]].format(anchor=fact["anchor_name"]))
        elif kind == "similar":
            clauses.append(f"similar to {fact['anchor_name']} (text similarity {fact['text_similarity']:.2f})")
        elif kind == "session":
            why = "because you liked" if fact["signal"] == "liked" else "close to what you asked about,"
            clauses.append(f"{why} {fact['anchor_name']} (text similarity {fact['text_similarity']:.2f})")
        elif kind == "often_bought_with":
            clauses.append(f"often bought with {fact['anchor_name']} (the store's interaction log)")
        elif kind == "popular":
            if fact["source"] == "log":
                clauses.append(f"popular: {fact['shoppers']} shopper{'s' * (fact['shoppers'] != 1)} in the store's log chose it")
            elif fact.get("count"):
                clauses.append("among the best reviewed in the store")
            else:
                clauses.append("not reviewed yet (listed after the reviewed products)")
        elif kind == "rank":
            by = {"rating": "rating", "price_asc": "lowest price", "price_desc": "highest price"}[fact["by"]]
            clauses.append(f"#{fact['rank']} of {fact['of']} by {by}")
        elif kind == "rating":
            clauses.append(f"rated {fact['mean']:.1f}/5 in {fact['count']} review{'s' * (fact['count'] != 1)}")
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
