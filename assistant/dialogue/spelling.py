"""Shopper typos corrected toward the words the tracker reads: "womns jaket blu" -> "womens jacket blue".

A word is corrected only when it is not a word we know (a catalog word, a word the tracker reads,
or one of the commonest English words) and exactly one word the tracker reads is within a small
edit distance with the same first letter. Catalog values stay the only values: the corrected text
is read by the same grammar as the rest, so a typo can only land on a word it already reads.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.catalog.constraints import FEATURE_WORDS, MATERIALS, PATTERNS, PRICE_WORDS
from assistant.catalog.vocabulary import (CATEGORY_SYNONYMS, COLOUR_SYNONYMS, GENDER_SYNONYMS, NAMED_RGB,
                                          SIZE_SYNONYMS, Vocabulary, singular)

# Words of the grammar itself that shoppers mistype: price and sort words, negations.
GRAMMAR_WORDS = ("under", "below", "over", "above", "between", "dollars", "bucks", "cheap", "cheaper", "cheapest",
                 "expensive", "premium", "affordable", "pricier", "priciest", "pricey", "priced", "costly",
                 "costlier", "without", "except", "anything", "colour", "color",
                 "size", "small", "medium", "large", "rated", "price", "please", "something", "looking",
                 "running", "hiking", "yoga", "waterproof", "instead", "version", "another")
COMMON_WORDS = 10_000   # the commonest whole words of the text model's vocabulary count as English


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 once it is above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The commonest whole words of MiniLM's word-piece vocabulary (listed roughly by frequency);
    empty when the offline model is not installed (then only catalog words are protected)."""
    try:
        from assistant.models.text_embedder import minilm_dir
        lines = (minilm_dir() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (RuntimeError, OSError):
        return frozenset()
    words = [w for w in lines if w.isalpha() and w.islower()]
    return frozenset(words[:COMMON_WORDS])


@lru_cache(maxsize=1)
def phrase_words() -> frozenset[str]:
    """The words of the vague-price, order and exclusion phrases ("cheapish", "skint", "steer clear"):
    read as said, never "corrected" into another word ("cheapish" is not "cheapest", "steer" not "steel")."""
    from assistant.dialogue import exclusions, vague_prices
    patterns = [vague_prices.CHEAP, vague_prices.NOT_CHEAP, vague_prices.PREMIUM, *vague_prices.SORTS.values(),
                exclusions.NEGATION, exclusions.REFUSED_AFTER, *exclusions.ALLOW]
    return frozenset(w for p in patterns for w in re.findall(r"(?<![\\?])\b[a-z]{3,}\b", p))


class Speller:
    """Corrects a message's words toward the tracker's words, for one catalog."""

    def __init__(self, vocab: Vocabulary, catalog_words: frozenset[str] = frozenset()):
        targets = {*GENDER_SYNONYMS, *COLOUR_SYNONYMS, *NAMED_RGB, *SIZE_SYNONYMS, *FEATURE_WORDS, *MATERIALS,
                   *PATTERNS, *PRICE_WORDS, *GRAMMAR_WORDS}
        for word in CATEGORY_SYNONYMS:
            targets |= {word, word + "s", word + "es"}
        for values in (vocab.colors, vocab.categories, vocab.materials):
            targets |= {w for v in values for w in re.findall(r"[a-z]+", v.lower())}
        self.catalog_words = catalog_words
        self.known = targets | english_words() | catalog_words | phrase_words()
        self.targets = frozenset(t for t in targets if " " not in t and len(t) >= 4)  # "hmm" is not "him"
        self.short = frozenset(t for t in targets if " " not in t and len(t) == 3)  # "red", "tee", "men"

    def correct_word(self, word: str) -> str | None:
        """The one target this word is a typo of, or None."""
        if len(word) < 3 or word in self.known or not word.isalpha():
            return None
        if held := re.search(r"(.)\1+$", word):  # a key held down at the end: "redd", "teee"
            for shorter in (word[:held.start()] + held.group(1) * n for n in (1, 2)):
                if shorter in self.short:
                    return shorter
        limit = 1 if len(word) < 7 else 2
        close = {t for t in self.targets if t[0] == word[0] and edit_distance(word, t, limit) <= limit}
        if len(close) > 1:  # "shrts": shirts or shorts? prefer the nearest, and only if it is alone
            best = min(edit_distance(word, t, limit) for t in close)
            close = {t for t in close if edit_distance(word, t, limit) == best}
            swapped = {t for t in close if sorted(t) == sorted(word)}  # two letters swapped: the likeliest slip
            close = swapped or close
        # "leggins": legging or leggings; "hoodei": hoodie or hoodi. The same word, so no doubt.
        # "womns": womens or woman? Both say Women.
        meaning = lambda t: GENDER_SYNONYMS.get(t) or next((tuple(CATEGORY_SYNONYMS[w])  # noqa: E731
                                                            for w in (t, t.rstrip("s"), singular(t))
                                                            if w in CATEGORY_SYNONYMS), t.rstrip("s"))
        if len({meaning(t) for t in close}) == 1:
            return min(close, key=lambda t: (len(t), t))
        return None

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """(the text with typos corrected, the (typo, correction) pairs made)."""
        made = []

        def fix(match: re.Match) -> str:
            word = match.group(0)
            fixed = self.correct_word(word.lower())
            if fixed is None:
                return word
            made.append((word, fixed))
            return fixed
        return re.sub(r"[A-Za-z]+", fix, text), made
