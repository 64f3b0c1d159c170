"""Contrastive price twins for controller training.

The tuned model kept writing `price_max` for held-out turns such as "more than $65" (11 of 56 test
turns with a single minimum), although every minimum wording is in the training split: it leaned on
the commoner maximum and the words around the number rather than the price words themselves. A twin
is a training turn whose single price bound came from its own message, copied with the price phrase
swapped for one of the opposite direction and the same number ("under $40" -> "at least $40") and
its gold bound renamed to match. Everything else in the pair is identical, so only the price words
can tell the two answers apart.
"""
from __future__ import annotations

import copy
import random
import re

from assistant.training.dialogue_wording import PRICE_FORMS

OPPOSITE = {"price_max": "price_min", "price_min": "price_max"}
KIND = {"price_max": "max", "price_min": "min"}


def _phrases(kind: str, number: int) -> list[str]:
    """The kind's wordings of a number (number-in-words forms left out: their words are random)."""
    return [f.format(a=number, b=number) for f in PRICE_FORMS[kind] if "{w" not in f]


def price_twin(example: dict, rng: random.Random) -> dict | None:
    """The example's twin, or None when its price bound is not one plain phrase of its message."""
    args = example["gold"].get("arguments") or {}
    bounds = [k for k in OPPOSITE if k in args]
    if len(bounds) != 1 or any(k in example["context"]["constraints"] for k in OPPOSITE):
        return None  # a range, no price, or a bound carried over from earlier turns
    key = bounds[0]
    number = args[key]
    if number != int(number):
        return None
    number = int(number)
    text = example["text"]
    found = [p for p in _phrases(KIND[key], number) if p.lower() in text.lower()]
    if not found:
        return None  # a typo inside the phrase, or the number written in words
    said = found[0]
    new = rng.choice(_phrases(KIND[OPPOSITE[key]], number))
    if text.isupper():
        new = new.upper()
    twin = copy.deepcopy(example)
    twin["text"] = re.sub(re.escape(said), lambda _: new, text, count=1, flags=re.IGNORECASE)
    for part in (twin["gold"]["arguments"], twin["constraints"]):
        if key in part:
            part[OPPOSITE[key]] = part.pop(key)
    twin["twin_of"] = said
    return twin


def add_price_twins(examples: list[dict], rate: float, seed: int) -> list[dict]:
    """examples plus a twin for a seeded `rate` share of those that have one (after their original)."""
    rng = random.Random(f"{seed}:price-twins")
    out = []
    for example in examples:
        out.append(example)
        if rate > 0 and rng.random() < rate:
            twin = price_twin(example, rng)
            if twin is not None:
                out.append(twin)
    return out
