"""Changes said relative to what is held: "one size up", "a size smaller", and corrections of a
number just said: "sorry i meant 32", "make that 40".

Sizes step along the catalog's own ladders: the letter sizes in the order shoppers know
(XS < S < M < L < XL ...) and, for sizes with a number, numerically within one unit ("28" < "29",
"55 cm" < "65 cm"). A step past either end keeps the end size and says so.
"""
from __future__ import annotations

import re

from assistant.catalog.constraints import Constraints
from assistant.catalog.vocabulary import Vocabulary, VocabularyError, parse_number
from assistant.dialogue.exclusions import blank

LETTER_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL")
STEPS = {"one": 1, "a": 1, "1": 1, "two": 2, "2": 2}
SMALLER = r"(?:smaller|down|lower|less)"
BIGGER = r"(?:bigger|larger|up|higher|more)"
# "one size up", "a size smaller", "two sizes down", "next size up", "size down", "the size below";
# "a smaller size", "in a bigger size", "next size bigger".
STEP_AFTER = rf"\b(?:(one|a|two|1|2|the next|next)\s+)?sizes?\s+({SMALLER}|{BIGGER}|below|above)\b"
STEP_BEFORE = rf"\b(?:(one|a|two|1|2)\s+)?({SMALLER}|{BIGGER})\s+sizes?\b"
# "sorry i meant 32", "i meant a 32", "make that 40", "correction: 30", "oops, 34 not 32".
CORRECTION = (r"(?:\b(?:(?:i|i'd|id)\s+)?meant(?:\s+to\s+say)?|\bi\s+mean|\bmake\s+(?:that|it)|\bchange\s+(?:that|it)\s+to|"
              r"\bcorrection:?|\bsay|\bshould(?:\s+have)?\s+said|\btypo,?|^\s*(?:sorry|oops|soz|my bad)[,.!]*)\s+(?:a\s+|size\s+|\$\s*)?"
              r"(\d[\d.,]*)\b(?!\s*(?:cm|foot|ft|dollars?|bucks|usd|quid)\b)"
              r"|\b(\d[\d.,]*)\s+(?:is|would be|'s)\s+(?:fine|ok|okay|alright)\b")  # "ok 35 is fine"


def ladder(size: str, sizes: list[str]) -> list[str]:
    """The catalog sizes of the same kind as `size`, smallest first."""
    if size.upper() in LETTER_ORDER:
        return sorted((s for s in sizes if s.upper() in LETTER_ORDER), key=lambda s: LETTER_ORDER.index(s.upper()))
    unit = re.sub(r"[\d.\s]+", " ", size).strip()
    same_unit = [s for s in sizes if re.fullmatch(r"\d+(?:\.\d+)?", s.split()[0]) and
                 re.sub(r"[\d.\s]+", " ", s).strip() == unit]
    return sorted(same_unit, key=lambda s: float(s.split()[0]))


def stepped(size: str, step: int, sizes: list[str]) -> str | None:
    order = ladder(size, sizes)
    if size not in order:
        return None
    return order[max(0, min(len(order) - 1, order.index(size) + step))]


def read_size_step(t: str, reading, state, vocab: Vocabulary) -> str:
    """"one size up" from the size held: every size held moves by the step ("M or L", a size up: L or XL).
    Returns the text with the step's words blanked (so "size up" is not tried as a size called "up")."""
    m = re.search(STEP_AFTER, t) or re.search(STEP_BEFORE, t)
    if not m:
        return t
    t = blank(t, *m.span())
    held = state.constraints.get("size") if state is not None else None
    if said := re.match(r"\s*(?:from|than)\s+(?:a\s+|an\s+|size\s+)?([a-z0-9]+(?:\s+(?:small|large))?)", t[m.end():]):
        try:  # "one size down from large": the size it steps from is said
            held = vocab.size(said.group(1)).value
            t = blank(t, m.end(), m.end() + said.end())
        except VocabularyError:
            pass
    if not held:
        return t
    count, direction = m.group(1), m.group(2)
    step = STEPS.get((count or "one").replace("the next", "one").replace("next", "one"), 1)
    step = -step if re.fullmatch(SMALLER + "|below", direction) else step
    held = held if isinstance(held, list) else [held]
    new = list(dict.fromkeys(s for size in held if (s := stepped(size, step, list(vocab.sizes)))))
    if not new:
        return t
    if new == held:
        reading.notes.append(f"{'/'.join(held)} is already the {'smallest' if step < 0 else 'largest'} size")
    reading.set["size"] = new if len(new) > 1 else new[0]
    return t


EXTREME = r"\b(?:the\s+)?(biggest|largest|smallest)(?:\s+size)?(?:\s+(?:you|u)\s+(?:have|do|got|sell|stock|carry))?\b"


def read_size_extreme(t: str, reading, state, catalog) -> str:
    """"the biggest you have": the largest size sold among what the shopper is looking at (every
    constraint held but the size), on the ladder of the size held. Returns the text with the words blanked."""
    m = re.search(EXTREME, t)
    held = state.constraints.get("size") if state is not None else None
    looked_at = reading.set.get("category") or (state.constraints.get("category") if state is not None else None)
    if not m or catalog is None or "size" in reading.set or not (held or looked_at):
        return t
    from tools.catalog_filter import satisfies
    others = (state.constraints if state is not None else Constraints()).without("size").updated(
        {k: v for k, v in reading.set.items() if k != "size"})
    sold = {s for p in catalog.all() if satisfies(p, others) for s in p.sizes}
    # With no size held ("swiss ball, whichever size is biggest"), the sizes sold, when on one ladder.
    held = held or next((s for s in sorted(sold) if len(ladder(s, sorted(sold))) == len(sold)), None)
    if held is None:
        return t
    order = [s for s in ladder(held[0] if isinstance(held, list) else held, sorted(sold)) if s in sold]
    if order:
        reading.set["size"] = order[0] if m.group(1) == "smallest" else order[-1]
        t = blank(t, *m.span())
    return t


def read_correction(t: str, reading, state, vocab: Vocabulary) -> None:
    """"sorry i meant 32": a bare number that corrects what was just said. A size when the shopper holds
    a size and the catalog sells that one, else the price bound they hold (the one set last)."""
    if state is None:
        return
    m = re.search(CORRECTION, t)
    said = m and (m.group(1) or m.group(2))
    if not said or (value := parse_number(said)) is None:
        return
    held = state.constraints
    if "size" in reading.set or {"price_min", "price_max"} & set(reading.set):
        return  # the number was read as what it says ("either a 28 or a 29 is fine", "say 55 dollars")
    if held.get("size") is not None:
        try:
            reading.set["size"] = vocab.size(said).value
            return
        except VocabularyError:  # not a size: maybe a price
            pass
    bounds = [name for name in ("price_max", "price_min") if held.get(name) is not None]
    if len(bounds) == 1 and not {"price_min", "price_max"} & set(reading.set):
        reading.set[bounds[0]] = value
