"""What the shopper leaves out: "not black", "anything but blue or green", "no hoods", "without the zip",
and takes back: "black is fine now".

Read before the rest of the message, so a left-out value is never read as the value asked for
("tees that are not black" is not a request for black tees); the words read here are blanked
from the text the other readers see. Values are the constraint table's: an exclusion is the
`not_<field>` companion of a field (assistant/catalog/constraints.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.catalog.constraints import FEATURE_WORDS, FIELDS, MATERIALS, PATTERNS, as_list
from assistant.catalog.vocabulary import (CATEGORY_SYNONYMS, COLOUR_SYNONYMS, NAMED_RGB, Vocabulary,
                                          VocabularyError, singular)

NEGATION = (r"\b(?:not|no|nor|neither|nothing|none|never|any(?:thing|\s+\w+)?\s+but|everything but|anything except|except(?: for)?|"
            r"other than|but not|without|w/o|avoid|skip|exclude|excluding|minus|no more|hate|"
            r"(?:do not|don'?t|dont) (?:want|like|need|fancy|love)|isn'?t|aren'?t)\b")
# Words that may stand between a negation and its values: "not in black", "no black or navy".
LINKS = {"or", "and", "nor", "any", "the", "a", "an", "in", "either", "of", "colour", "color", "colours", "colors",
         "coloured", "colored", "please", "anything", "really", "more", "too", "with", "something", "those",
         "stuff", "things", "items", "clothes", "made", "from"}
VALUES = r"[a-z]+(?:\s*(?:,|/|\bor\b|\band\b)\s*[a-z]+)*"
ALLOW = [rf"\b({VALUES})\s+(?:is|are|'s|would be|will be|works?|is also|are also|also)\s+"
         rf"(?:fine|ok|okay|alright|all right|good|acceptable|allowed|great|cool)\b",
         rf"\b(?:don'?t mind|do not mind|fine with|ok with|okay with|happy with|include|allow|bring back|"
         rf"add back|put back)\s+(?:the\s+)?({VALUES})"]
EXCLUDED_BY = {name[len("not_"):]: name for name in FIELDS if name.startswith("not_")}


@dataclass
class Exclusions:
    text: str                                                # the message with the words read here blanked
    excluded: dict[str, list] = field(default_factory=dict)  # field -> values left out
    allowed: dict[str, list] = field(default_factory=dict)   # field -> values taken back


def value_of(words: list[str], vocab: Vocabulary) -> tuple[str, object, int] | None:
    """(field, catalog value, words used) for the value the first one or two words name, else None."""
    two = " ".join(words[:2])
    if len(words) > 1 and (singular(two) in CATEGORY_SYNONYMS or two in CATEGORY_SYNONYMS):
        return "category", vocab.category(two).value, 2
    word = words[0]
    if word in COLOUR_SYNONYMS or word in NAMED_RGB or word in {c.lower() for c in vocab.colors}:
        try:
            return "color", vocab.color(word).value, 1
        except VocabularyError:
            return None
    try:
        if singular(word) in CATEGORY_SYNONYMS or any(singular(word) == singular(c.lower()) for c in vocab.categories):
            return "category", vocab.category(word).value, 1
    except VocabularyError:
        pass
    if word in MATERIALS:
        return "material", word, 1
    if word in PATTERNS:
        return "pattern", PATTERNS[word], 1
    if word in FEATURE_WORDS:
        return "feature", FEATURE_WORDS[word], 1
    return None


def _values_after(text: str, start: int, vocab: Vocabulary) -> tuple[dict[str, list], int]:
    """The values named from `start` on, through links ("or", "the"), and where they end; a
    colour followed by "one" is an item pointed at ("not the black one"), not an exclusion
    ("no black ones" is)."""
    found: dict[str, list] = {}
    tokens = [(m.group(0), m.end()) for m in re.finditer(r"[a-z]+", text[start:])][:8]
    end, i = start, 0
    while i < len(tokens):
        words = [w for w, _ in tokens[i:i + 2]]
        named = value_of(words, vocab)
        if named is not None:
            name, value, used = named
            i += used
            if i < len(tokens) and tokens[i][0] == "one" and name == "color":
                return {}, start
            found.setdefault(name, [])
            found[name] += [v for v in as_list(value) if v not in found[name]]
            end = start + tokens[i - 1][1]
        elif words[0] in LINKS:
            i += 1
        else:
            break
    return found, end


def _values_in(text: str, vocab: Vocabulary) -> dict[str, list]:
    """Every value named in `text`, other words skipped ("ok, black and navy")."""
    found: dict[str, list] = {}
    words = re.findall(r"[a-z]+", text)
    i = 0
    while i < len(words):
        named = value_of(words[i:i + 2], vocab)
        if named is None:
            i += 1
            continue
        name, value, used = named
        found.setdefault(name, []).extend(v for v in as_list(value) if v not in found.get(name, []))
        i += used
    return found


def read_exclusions(text: str, vocab: Vocabulary) -> Exclusions:
    """The values left out and taken back in `text` (lower case), and the text without them."""
    out = Exclusions(text)
    for pattern in ALLOW:
        for m in re.finditer(pattern, out.text):
            found = _values_in(m.group(1), vocab)
            if found:
                for name, values in found.items():
                    out.allowed.setdefault(name, []).extend(values)
                out.text = out.text[:m.start()] + " " * (m.end() - m.start()) + out.text[m.end():]
    for m in list(re.finditer(NEGATION, out.text)):
        found, end = _values_after(out.text, m.end(), vocab)
        for name, values in found.items():
            if name in EXCLUDED_BY:
                out.excluded.setdefault(name, [])
                out.excluded[name] += [v for v in values if v not in out.excluded[name]]
        if found:
            out.text = out.text[:m.start()] + " " * (end - m.start()) + out.text[end:]
    return out


def fold(reading, state, read: Exclusions) -> None:
    """Merge with what was left out before: new exclusions add to the old, taken-back values and
    values asked for in so many words leave them, and an exclusion drops the value it contradicts."""
    constraints = state.constraints if state is not None else None
    for name, not_name in EXCLUDED_BY.items():
        before = list(constraints.get(not_name) or []) if constraints is not None else []
        asked = as_list(reading.set[name]) if reading.set.get(name) else []
        dropped = not_name in reading.unset
        now = [] if dropped else list(before)
        now += [v for v in read.excluded.get(name, []) if v not in now]
        now = [v for v in now if v not in read.allowed.get(name, []) and v not in asked]
        if now != before:
            if now:
                reading.set[not_name] = now
                if not_name in reading.unset:
                    reading.unset.remove(not_name)
            elif not_name not in reading.unset:
                reading.unset.append(not_name)
        # "not black" after "black jackets": black is no longer asked for.
        held = as_list(constraints.get(name)) if constraints is not None and constraints.get(name) else []
        if name not in reading.set and held and read.excluded.get(name):
            kept = [v for v in held if v not in read.excluded[name]]
            if kept != held:
                if kept:
                    reading.set[name] = kept if FIELDS[name].is_list or len(kept) > 1 else kept[0]
                else:
                    reading.unset.append(name)
