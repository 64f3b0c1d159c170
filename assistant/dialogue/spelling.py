"""Shopper typos corrected toward the words the tracker reads: "womns jaket blu" -> "womens jacket blue".

A word is corrected only when it is not a word we know (a catalog word, a word the tracker reads,
or one of the commonest English words) and exactly one word the tracker reads is within a small
edit distance with the same first letter, or, for a word written without vowels ("blk", "grn",
"prpl"), spells that word's letters in order from its first letter to its last consonant. A British
spelling of a catalog word ("cosy") is read as the catalog writes it ("cozy"). Catalog values stay the only values: the corrected text
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
                 "running", "jogging", "hiking", "yoga", "waterproof", "instead", "version", "another")
# Contractions typed without the apostrophe are words, not typos of "doesn" or "isn".
CONTRACTIONS = frozenset("""dont doesnt didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt havent hasnt
    hadnt aint im ive id youre youve theyre thats whats theres hes shes lets""".split())
# Chat shorthand, money slang and clipped words: as they are, not typos ("ppl" is people, not purple; "camo" no cami).
CHAT_WORDS = frozenset("""ppl pls plz thx tho rn tbh idk ngl lol smth sth prob deffo btw fyi nvm ofc asap bf gf
    tenner fiver quid camo lass""".split())
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


@lru_cache(maxsize=2)
def english_words(commonest: int | None = COMMON_WORDS) -> frozenset[str]:
    """The commonest whole words of MiniLM's word-piece vocabulary (listed roughly by frequency; None:
    all of them); empty when the offline model is not installed (then only catalog words are protected)."""
    try:
        from assistant.models.text_embedder import minilm_dir
        lines = (minilm_dir() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (RuntimeError, OSError):
        return frozenset()
    words = [w for w in lines if w.isalpha() and w.islower()]
    return frozenset(words[:commonest])


@lru_cache(maxsize=1)
def phrase_words() -> frozenset[str]:
    """The words of the vague-price, order and exclusion phrases ("cheapish", "skint", "steer clear"):
    read as said, never "corrected" into another word ("cheapish" is not "cheapest", "steer" not "steel")."""
    from assistant.dialogue import exclusions, vague_prices
    patterns = [vague_prices.CHEAP, vague_prices.NOT_CHEAP, vague_prices.PREMIUM, *vague_prices.SORTS.values(),
                exclusions.NEGATION, exclusions.REFUSED_AFTER, *exclusions.ALLOW]
    return frozenset(w for p in patterns for w in re.findall(r"(?<![\\?])\b[a-z]{3,}\b", p))


# British spellings and the American ones catalogs use: "cosy" -> "cozy", "colour" -> "color".
BRITISH = ((r"sy$", "zy"), (r"our$", "or"), (r"ise$", "ize"), (r"yse$", "yze"), (r"tre$", "ter"))


def _in_order(short: str, word: str) -> bool:
    """Every letter of `short` appears in `word` in the same order."""
    rest = iter(word)
    return all(letter in rest for letter in short)


def abbreviates(short: str, word: str) -> bool:
    """"blk" abbreviates "black", "prpl" "purple": the same first letter, the letters in order, and
    the short form ends on the word's last consonant."""
    last_consonant = re.search(r"[^aeiou](?=[aeiou]*$)", word)
    if short[0] != word[0] or not last_consonant or short[-1] != last_consonant.group(0):
        return False
    return _in_order(short[1:], word[1:])


def meaning(word: str):
    """What a target word names: "womns" may be womens or woman, "gry" gray or grey, the same either way."""
    return GENDER_SYNONYMS.get(word) or COLOUR_SYNONYMS.get(word, "").lower() or next(
        (tuple(CATEGORY_SYNONYMS[w]) for w in (word, word.rstrip("s"), singular(word)) if w in CATEGORY_SYNONYMS),
        word.rstrip("s"))


@lru_cache(maxsize=1)
def negation_words() -> frozenset[str]:
    from assistant.dialogue import exclusions
    return frozenset(re.findall(r"(?<![\\?])\b[a-z]{3,}\b", exclusions.NEGATION))


class Speller:
    """Corrects a message's words toward the tracker's words, for one catalog."""

    def __init__(self, vocab: Vocabulary, catalog_words: frozenset[str] = frozenset(),
                 described: frozenset[str] = frozenset()):
        """`catalog_words`: the words of the product names; `described`: every word of the products'
        search text (names, attributes, descriptions), the words a search can match."""
        targets = {*GENDER_SYNONYMS, *COLOUR_SYNONYMS, *NAMED_RGB, *SIZE_SYNONYMS, *FEATURE_WORDS, *MATERIALS,
                   *PATTERNS, *PRICE_WORDS, *GRAMMAR_WORDS}
        for word in CATEGORY_SYNONYMS:
            targets |= {word, word + "s", word + "es"}
        for values in (vocab.colors, vocab.categories, vocab.materials):
            targets |= {w for v in values for w in re.findall(r"[a-z]+", v.lower())}
        # The words that name a colour, a size or a kind of product.
        self.values = frozenset({*COLOUR_SYNONYMS, *NAMED_RGB, *SIZE_SYNONYMS, *(c.lower() for c in vocab.colors)}
                                | {w for c in CATEGORY_SYNONYMS for w in (c, c + "s")})
        phrases = {w for t in targets if " " in t for w in t.split()}  # "breaker" of "wind breaker"
        # Typos of the phrases' words are read too ("nothin red", "best reveiws"), the long enough to be
        # unmistakable: the words that leave things out, and the price and order phrases' English words.
        targets |= {w for w in negation_words() | (phrase_words() & english_words()) if len(w) >= 5}
        self.catalog_words, self.described = catalog_words, described
        self.known = targets | phrases | english_words() | catalog_words | described | phrase_words() | CONTRACTIONS | CHAT_WORDS
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
        for british, american in BRITISH:
            if (us := re.sub(british, american, word)) != word and us in self.described:
                return us
        # One slip away (Damerau: a swap counts one). Two slips, even in long words, corrected only
        # real words in the held-out sets ("burglar" to "burlap", "buckets" to "bucks"), and a rarer
        # English word ("blu" aside) is read as a typo only one slip away.
        real, limit = word in english_words(None), 1
        close = {t for t in self.targets if t[0] == word[0] and edit_distance(word, t, limit) <= limit}
        if not (close or real):
            close = self.looser_matches(word)
        if len(close) > 1:  # "shrts": shirts or shorts? prefer the nearest, and only if it is alone
            best = min(edit_distance(word, t, limit) for t in close)
            close = {t for t in close if edit_distance(word, t, limit) == best}
            swapped = {t for t in close if sorted(t) == sorted(word)}  # two letters swapped: the likeliest slip
            close = swapped or close
            if len({meaning(t) for t in close}) > 1 and not close & self.values:
                # "cheapr": cheap or cheaper? A letter left out is likelier (not for the words of values:
                # "veste" is no "vestes", a doubt about a kind or a colour is left alone)
                close = {t for t in close if len(t) == len(word) + 1 and _in_order(word, t)} or close
        # "leggins": legging or leggings; "hoodei": hoodie or hoodi. The same word, so no doubt.
        # "womns": womens or woman? Both say Women.
        if len({meaning(t) for t in close}) == 1:
            return min(close, key=lambda t: (len(t), t))
        return None

    def looser_matches(self, word: str) -> set[str]:
        """The targets a word not one or two slips from any may still be: shorthand, a scrambled
        middle, a double letter typed once."""
        if not re.search(r"[aeiou]", word[1:]):
            close = {t for t in self.targets | self.short if abbreviates(word, t)}
            return (close & self.values) or close  # "blk" is black, not "bloke": shorthand names the goods
        if len(word) >= 4:  # the first and last letters right, the middle scrambled: "wemon"
            close = {t for t in self.targets if t[0] == word[0] and t[-1] == word[-1] and sorted(t) == sorted(word)}
            if close:
                return close
        if len(word) >= 5:  # a double letter typed once, and one slip more: "legins"
            doubled = {word[:i + 1] + word[i:] for i in range(1, len(word))}
            return {t for t in self.targets if t[0] == word[0] and any(edit_distance(d, t, 1) <= 1 for d in doubled)}
        return set()

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
