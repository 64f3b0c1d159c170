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

NEGATION = (r"\b(?:not (?:a (?:big |huge )?fan of|keen on|into|crazy about|fond of|mad about)|"
            r"(?:i'?d |i would )?rather not(?: to)?(?: have| see| get| go for)?|"
            r"(?:do not|don'?t|dont|does not|doesn'?t|doesnt) (?:want|like|need|fancy|love|show(?: me)?|want to see|care for|do)|"
            r"(?:has |have |'s |'ve )?banned|(?:rather|prefer) (?:if )?(?:it|they) (?:was|were|is|are)(?:n'?t| not)|"
            r"(?:a (?:bit of a |real )?thing|an issue|a problem) (?:about|with)|(?:got|has|have|had) enough(?: of)?|"
            r"(?:wouldn'?t|won'?t|never) be seen (?:dead )?in|"
            r"(?:can'?t|cannot|couldn'?t) (?:stand|stomach|bear|abide|do)|loathe|detest|dislike|allergic to|"
            r"(?:sick|tired) of|fed up with|done with|stay away from|steer clear of|no to|apart from|aside from|"
            r"not|no|nor|neither|nothing|none|never|any(?:thing|\s+\w+)?\s+but|everything but|anything except|"
            r"except(?: for)?|other than|but not|without|w/o|avoid|skip|exclude|excluding|minus|no more|instead of|"
            r"hate|hates|hated|forget(?: about)?(?=\s+(?:the\s+|those\s+)?[a-z]+\s+ones?\b)|"
            r"(?:won'?t|wont|will not|wouldn'?t|doesn'?t|does not|don'?t|dont|do not|never) (?:wear|wears|touch|have)|"
            r"refuses? to (?:wear|buy|have)|drop(?= (?:anything|everything|any|all|the ones)\b)|"
            r"(?:must|should|can|may)(?:n'?t| not) (?:have|contain|include|use|be made (?:of|from|with))|"
            r"bar(?= the\b| any\b)|free (?:of|from)|"
            r"(?:doesn'?t|does not|don'?t|do not|that has no|with no|has no|have no) (?:have|contain|include|use)(?: any)?|"
            r"isn'?t|aren'?t|non|ditch|lose|get rid of|take (?:out|away)|hide|filter out|leave out|rule out|scrap|nix|"
            r"cut out|remove|no more of)\b")

# Words that may stand between a negation and its values: "not in black", "no black or navy".
LINKS = {"or", "and", "nor", "any", "the", "a", "an", "in", "either", "of", "colour", "color", "colours", "colors",
         "coloured", "colored", "please", "anything", "really", "more", "too", "with", "something", "those",
         "stuff", "things", "items", "made", "from", "up", "ones", "one", "that", "which", "are", "is",
         "super", "very", "so", "overly", "says", "has", "contains"}
VALUES = r"[a-z]+(?:(?:\s*[,/]\s*|\s+)[a-z]+)*"  # words; one way only to split them (no backtracking blow-up)
# Said after the values: "black's a no", "black is out", "black ones are out".
REFUSED_AFTER = (rf"\b({VALUES})(?:\s+ones?)?\s*(?:(?:'s|is|are)\s+(?:a no(?:-go| go)?(?: too| either)?|out|off the table|"
                 rf"not for me|not my (?:thing|style|colou?r)|a hard no|banned)|(?:isn'?t|aren'?t)\s+(?:really\s+)?"
                 rf"(?:me|for me|my (?:thing|style|colou?r))|"
                 # "polyester makes me itch", "wool brings him out in a rash"
                 rf"(?:makes?|gives?|brings?)\s+(?:me|him|her|them|us)\s+(?:itch|itchy|sweat|sweaty|scratch|break out|"
                 rf"out in|a rash|hives)|"
                 # "he's got a black one already so something else"
                 rf"already,?\s+(?:so\s+)?(?:something|anything|another|a different|some other)\s+(?:else|colou?r|one|shade))\b")
ALLOW = [rf"\b({VALUES})\s+(?:is|are|'s|would be|will be|works?|is also|are also|also)\s+"
         rf"(?:fine|ok|okay|alright|all right|acceptable|allowed|(?:good|great|cool) (?:too|as well|again)|"
         rf"back on the table|back in|back on|in again|allowed again)\b",
         # ("green would be great" asks for green; "green is good too" takes it back)
         rf"\b(?:don'?t mind|do not mind|fine with|ok with|okay with|happy with|include|allow|bring back|"
         rf"add back|put back)\s+(?:the\s+)?({VALUES})"]
EXCLUDED_BY = {name[len("not_"):]: name for name in FIELDS if name.startswith("not_")}


def says_no(text: str) -> bool:
    """The words leave something out (a negation or a refusal said after the values): without
    them, an exclusion is nobody's ("short sleeved" leaves out no sleeves)."""
    text = text.lower()
    return bool(re.search(NEGATION, text) or re.search(REFUSED_AFTER, text))


def blank(text: str, start: int, end: int) -> str:
    """The text with text[start:end] turned to spaces: words read once are not read again, and every
    other match keeps its position."""
    return text[:start] + " " * (end - start) + text[end:]


@dataclass
class Exclusions:
    text: str                                                # the message with the words read here blanked
    excluded: dict[str, list] = field(default_factory=dict)  # field -> values left out
    allowed: dict[str, list] = field(default_factory=dict)   # field -> values taken back
    category_words: list[tuple[list, str]] = field(default_factory=list)  # (categories left out, the word said)
    names: frozenset = frozenset()                           # the words of the catalog's names and styles


def value_of(words: list[str], vocab: Vocabulary, names: frozenset = frozenset()) -> tuple[str, object, int] | None:
    """(field, catalog value, words used) for the value the first one or two words name, else None.
    `names`: the words of the catalog's product names; one of them left out is a feature to leave
    out ("no compression ones", "not v neck"), as a name that says it is tested."""
    two = " ".join(words[:2])
    if len(words) > 1 and (singular(two) in CATEGORY_SYNONYMS or two in CATEGORY_SYNONYMS):
        return "category", vocab.category(two).value, 2
    if len(words) > 1 and two in MATERIALS:  # "organic cotton"
        return "material", two, 2
    word = words[0]
    if word in COLOUR_SYNONYMS or word in NAMED_RGB or word in {c.lower() for c in vocab.colors}:
        try:
            return "color", vocab.color(word).value, 1
        except VocabularyError:
            return None
    try:
        if word in CATEGORY_SYNONYMS or singular(word) in CATEGORY_SYNONYMS or any(singular(word) == singular(c.lower()) for c in vocab.categories):
            return "category", vocab.category(word).value, 1
    except VocabularyError:
        pass
    if word in MATERIALS:
        return "material", word, 1
    if word in PATTERNS:
        return "pattern", PATTERNS[word], 1
    if word in FEATURE_WORDS:
        return "feature", FEATURE_WORDS[word], 1
    for joined in (f"{word}-{words[1]}", f"{word} {words[1]}", f"{word}-{singular(words[1])}") if len(words) > 1 else ():
        if joined in names:  # "v-neck" in the names, "hard shell" in the styles
            return "feature", joined, 2
    if len(word) > 3 and word not in LINKS and (word in names or singular(word) in names):
        return "feature", word if word in names else singular(word), 1
    return None


def _values_after(text: str, start: int, vocab: Vocabulary, names: frozenset = frozenset(),
                  said: list | None = None, reaction: bool = False) -> tuple[dict[str, list], int]:
    """The values named from `start` on, through links ("or", "the"), and where they end. After a
    `reaction` ("i don't like"), "the" colour followed by "one" is an item pointed at ("i don't like
    the black one"), not an exclusion ("not the purple one", "no black ones" are)."""
    found: dict[str, list] = {}
    tokens = [(m.group(0), m.end()) for m in re.finditer(r"[a-z]+", text[start:])][:8]
    end, i, link = start, 0, None
    while i < len(tokens):
        words = [w for w, _ in tokens[i:i + 2]]
        if found and "," in text[end:start + tokens[i][1] - len(tokens[i][0])] and not re.match(
                r"[^,.;!?]*\b(?:or|nor|and)\b", text[end:].lstrip(" ,")):
            break  # "not red, grey maybe": a comma ends the list unless it goes on ("not black, navy or brown")
        named = value_of(words, vocab, names)
        if named is not None and found and named[0] not in found:
            break  # "non-black tees": what follows the left-out colour is wanted
        if named is not None:
            name, value, used = named
            if name == "category" and said is not None:
                said.append((as_list(value), " ".join(words[:used])))
            i += used
            if reaction and i < len(tokens) and tokens[i][0] == "one" and name == "color" and link == "the":
                return {}, start  # "i don't like the black one" is about that item; "not the purple one" leaves purple out
            found.setdefault(name, [])
            found[name] += [v for v in as_list(value) if v not in found[name]]
            end = start + tokens[i - 1][1]
        elif words[0] in LINKS:
            link = words[0]
            i += 1
        elif i + 2 < len(tokens) and tokens[i + 1][0] in ("or", "nor") and value_of([tokens[i + 2][0]], vocab, names):
            i += 2  # "nothing flared or parachute-y": a word the catalog has no value for, in a list that goes on
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


def _values_before(text: str, vocab: Vocabulary) -> tuple[dict[str, list], int]:
    """The values of one field that end `text`, read backwards through links up to a comma ("mens
    tees, black or navy" -> Black, Blue), and where they start: the words before them are not what
    is refused or taken back."""
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[a-z]+", text)]
    words = [w for w, _ in tokens]
    found: dict[str, list] = {}
    i, start = len(words), len(text)
    while i > 0:
        if found and "," in text[tokens[i - 1][1]:start]:
            break  # "mens tees, tank tops are out": the comma ends what is refused
        pair = value_of(words[i - 2:i], vocab) if i >= 2 else None
        named = pair if pair is not None and pair[2] == 2 else value_of(words[i - 1:i], vocab)
        if named is not None and (not found or named[0] in found):
            name, value, used = named
            found[name] = [v for v in as_list(value) if v not in found.get(name, [])] + found.get(name, [])
            i -= used
            start = tokens[i][1]
        elif named is None and words[i - 1] in LINKS | {"ones", "one"}:
            i -= 1
        else:
            break
    return found, start


def read_exclusions(text: str, vocab: Vocabulary, names: frozenset = frozenset()) -> Exclusions:
    """The values left out and taken back in `text` (lower case), and the text without them;
    `names` as value_of's."""
    out = Exclusions(text, names=names)
    for pattern in ALLOW:
        for m in re.finditer(pattern, out.text):
            if pattern is ALLOW[0]:
                found, at = _values_before(m.group(1), vocab)
                at += m.start(1)
            else:
                found, at = _values_in(m.group(1), vocab), m.start()
            if found:
                for name, values in found.items():
                    out.allowed.setdefault(name, []).extend(values)
                out.text = blank(out.text, at, m.end())
    for m in re.finditer(REFUSED_AFTER, out.text):
        found, at = _values_before(m.group(1), vocab)
        if "category" in found:  # a kind of what is asked for may be meant ("the zip up one is a no")
            out.category_words.append((found["category"], re.sub(r"\s+ones?$", "", m.group(1)[at:].strip())))
        at += m.start(1)
        for name, values in found.items():
            if name in EXCLUDED_BY:
                out.excluded.setdefault(name, []).extend(v for v in values if v not in out.excluded.get(name, []))
        if found:
            out.text = blank(out.text, at, m.end())
    for m in list(re.finditer(NEGATION, out.text)):
        found, end = _values_after(out.text, m.end(), vocab, names, out.category_words,
                                   reaction=bool(re.search(r"like|love|fancy|care|hate|stand|keen|fan", m.group(0))))
        if re.match(r"scrap|ditch|forget|lose|nix", m.group(0)) and re.match(r"\s+(?:that|this)\b", out.text[m.end():]):
            found.pop("category", None)  # "scrap that jacket, show me ...": the item or search, not the kind
            found.pop("feature", None)
        for name, values in found.items():
            if name in EXCLUDED_BY:
                out.excluded.setdefault(name, [])
                out.excluded[name] += [v for v in values if v not in out.excluded[name]]
        if found:
            out.text = blank(out.text, m.start(), end)
    return out


def fold(reading, state, read: Exclusions) -> None:
    """Merge with what was left out before: new exclusions add to the old, taken-back values and
    values asked for in so many words leave them, and an exclusion drops the value it contradicts."""
    constraints = state.constraints if state is not None else None
    # "leggings but no capris": a kind of the very category asked for is left out by its name. When
    # other categories were asked too ("tees or joggers", then "without trousers"), the category goes.
    asked = as_list(reading.set.get("category") or (constraints.get("category") if constraints is not None else None) or [])
    for values, word in read.category_words:
        # "cardigans, not a pullover": a kind the product names say, within one of the categories asked
        named_kind = set(asked) & set(values) and singular(word).split()[-1] in read.names
        if asked and (set(asked) <= set(values) or named_kind) and "category" in read.excluded:
            read.excluded["category"] = [v for v in read.excluded["category"] if v not in values]
            part = re.sub(r"\s+up$", "", singular(word)).split()[-1]  # "zip up": zip; "sports bras": bra
            read.excluded.setdefault("feature", []).append(FEATURE_WORDS.get(part, part))  # "no hoodies": no hood
    if read.excluded.get("category") == []:
        del read.excluded["category"]
    for name, not_name in EXCLUDED_BY.items():
        before = list(constraints.get(not_name) or []) if constraints is not None else []
        asked = as_list(reading.set[name]) if reading.set.get(name) else []
        if contradicted := [v for v in asked if v in read.excluded.get(name, [])]:
            # Left out and named again in one message ("not black, i have enough black"): left out.
            asked = [v for v in asked if v not in contradicted]
            if asked:
                reading.set[name] = asked if len(asked) > 1 else asked[0]
            else:
                del reading.set[name]
        dropped = not_name in reading.unset
        now = [] if dropped else list(before)
        now += [v for v in read.excluded.get(name, []) if v not in now]
        held_values = as_list(constraints.get(name)) if constraints is not None and constraints.get(name) else []
        also = [v for v in read.allowed.get(name, []) if v not in before and v not in held_values]
        if also and held_values and FIELDS[name].several and name not in reading.set:
            reading.set[name] = held_values + also  # "yellow pants", "orange is fine too": either
        back = {str(v).lower() for v in read.allowed.get(name, []) + asked}  # "polyester" takes back "Polyester"
        now = [v for v in now if str(v).lower() not in back]
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
