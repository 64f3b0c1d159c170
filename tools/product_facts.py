"""One true, specific fact about a product for its explanation, read from its own catalog record.

Luma descriptions end in a run of short feature lines ("Adjustable hood. Split pocket. Thumb
holes. Machine wash/hang to dry."); those lines are the most specific thing the catalog says. A
line is used only when it says nothing a colour variant could contradict: descriptions are written
per product, not per variant ("Teal quick dry tee" is also the description of the black one), so
lines naming a colour are skipped, as are care instructions. The shopper's own words pick the line
when one matches ("pockets" -> "Zippered side pockets"); the material follows when there is room.
"""
from __future__ import annotations

import re

from tools.evidence import Evidence, ProductFact, Rating

# Colour words that descriptions use beyond the catalog's colour values ("navy", "slate", "heather").
COLOUR_WORDS = frozenset("""black blue brown gray grey green orange pink purple red white yellow beige navy teal
slate ivory cream mint heather charcoal khaki olive lime maroon burgundy coral turquoise aqua lavender silver
gold tan rose plum berry sky neon dark light bright pastel multicolor multi-color two-tone""".split())
CARE = re.compile(r"\b(wash|washable|dry clean|tumble|bleach|iron|imported)\b", re.I)
SENTENCE_END = re.compile(r"(?<=[.!])\s+")
MAX_FEATURE_WORDS = 7


def feature_lines(description: str) -> list[str]:
    """The trailing run of short feature lines of a description, without colours or care lines."""
    sentences = [s.strip(" -*•").rstrip(".!").strip() for s in SENTENCE_END.split(description or "") if s.strip()]
    run = []
    for sentence in reversed(sentences):  # the feature list is the description's tail
        if len(sentence.split()) > MAX_FEATURE_WORDS:
            break
        run.append(sentence)
    return [line for line in reversed(run)
            if len(line.split()) >= 2 and not CARE.search(line) and not _names_colour(line)
            and "&" not in line]  # HTML entities ("&trade;") read badly in a sentence


def _names_colour(text: str) -> bool:
    return bool(set(re.findall(r"[a-z-]+", text.lower())) & COLOUR_WORDS)


def _stems(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]{4,}", text.lower())}


def _material(product) -> str:
    names = [m for m in product.material if not _names_colour(m)][:2]
    return " and ".join(m.lower() if m.isascii() else m for m in names)  # keep "LumaTech™" as the brand writes it


def product_fact(product, asked: str = "") -> ProductFact | None:
    """The fact to say about `product`: a feature line (the one sharing a word with what the
    shopper `asked`, else the first), with the material when short; else the material; else the
    activity it is made for."""
    lines = feature_lines(product.description)
    if lines:
        line = next((line for line in lines if _stems(line) & _stems(asked)), lines[0])
        material = _material(product)
        text = line[0].lower() + line[1:]
        named = any(m.split()[-1].lower() in text.lower() for m in product.material)  # "93% cotton" says it
        if material and not named and len(text.split()) + len(material.split()) <= 8:
            text += f"; {material}"
        return ProductFact("description", text)
    if material := _material(product):
        return ProductFact("material", material)
    if product.activity:
        return ProductFact("activity", "made for " + " and ".join(a.lower() for a in product.activity[:2]))
    return None


def facts_about(product, evidence: list[Evidence], asked: str = "") -> list[Evidence]:
    """The product facts an explanation needs that `evidence` lacks: its catalog fact and rating."""
    kinds = {type(f) for f in evidence}
    added = []
    if ProductFact not in kinds and (fact := product_fact(product, asked)):
        added.append(fact)
    if Rating not in kinds:
        added += Rating.of(product)
    return added
