"""Prices as shoppers say them: "under $60", "between 20 and 40", "around the 50 mark but not over",
"30ish tops", "under a tenner", "not 30+"; then checked as the constraint table maps them.

Vague prices ("cheap", "pricier ones") and a price said by an item on screen are vague_prices.py's.
"""
from __future__ import annotations

import re

from assistant.catalog.constraints import FIELDS, drop_crossed_prices
from assistant.catalog.vocabulary import Vocabulary, VocabularyError, parse_number
from assistant.dialogue.exclusions import blank

NUM_WORDS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
SMALL_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen)"
# A number in words is a price from twenty up ("forty five"), or a small one said with its currency
# ("ten bucks"): "a budget one" names no price.
NUM = (rf"(?:\$\s*)?-?\d[\d,]*(?:\.\d+)?\s*(?:k\b)?|{NUM_WORDS}(?:[\s-]?(?:{NUM_WORDS}|{SMALL_WORDS}))*[\s-]?|"
       rf"{SMALL_WORDS}(?=[\s-]?(?:dollars?|bucks|usd)\b)")
PRICE_WORDS = r"(?:\s*(?:dollars?|bucks|usd|\$))?"
# A number that is plainly a price ("$30", "30 dollars"): "2 or more jackets" names no price.
PRICED = rf"(\$\s*\d[\d,]*(?:\.\d+)?|(?:{NUM})(?=\s*(?:dollars?|bucks|usd)\b))"

# Prices in slang, said the way the grammar below reads them: "under a tenner", "30ish", "sub 30".
# "under 45ish" and "30ish tops" are bounds ("ish" dropped); "30ish" alone is "around 30".
BOUND_WORDS = r"under|below|less than|more than|over|above|max(?:imum)?|up to|at most|budget(?: is)?(?: like)?|than"
PRICE_SLANG = ((r"\ba tenner\b", "10 dollars"), (r"\ba fiver\b", "5 dollars"),
               # A range said loosely: "20-25ish", "round 40-50", "like 50-70" (sizes are said "28 or 30").
               (r"\b(\d+)\s*-\s*(\d+)\s?-?ish\b", r"between \1 and \2"),
               (r"\b(?:a?round|about|like|roughly|approx(?:imately)?|~)\s*\$?(\d+)\s*(?:-|to)\s*\$?(\d+)\b", r"between \1 and \2"),
               (rf"\b({BOUND_WORDS})\s*(\$?\s*\d+|{NUM_WORDS})\s?-?ish\b", r"\1 \2"),
               (rf"\b(\$?\d+|{NUM_WORDS})\s?-?ish\s*(max(?:imum)?|tops|at most|or less|or under)\b", r"\1 \2"),
               (rf"\b(\d+|{NUM_WORDS})\s?-?ish\b", r"around \1"), (r"\bsub[- ]?(\$?\d)", r"under \1"),
               (r"\b(\d+)\s*(?:quid|pounds?|euros?|gbp|eur)\b", r"\1 dollars"),  # read as the catalog's dollars
               (r"\b(\d{1,2})\s?p\b", lambda m: f"{int(m.group(1)) / 100:.2f} dollars"),  # "50p"
               (r"\b(?:i'?ve|i|we'?ve|we)(?: only)? (?:got|have)(?: got)?(?: about| around| roughly| like| only| just)?"
                r"\s*(\$\s*\d+|\d+(?=\s*(?:dollars?|bucks|usd|to spend)))", r"budget \1"),  # "i've got about 70 dollars"
               (rf"\b({NUM_WORDS}(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)\s*(?:quid|pounds?|euros?)\b",
                r"\1 dollars"),
               (r"\bthe (\$?\d+) mark\b", r"\1"),  # "around the 50 mark"
               (r"\b(cheaper|lower|less) than (?:the|that|this) (\$?\d+)", r"\1 than \2"),  # "cheaper than the 92 quid one"
               (r"\b(more|less|lower|higher|cheaper|dearer|other) then\b", r"\1 than"),  # "no more then 70"
               (r"\b([1-9])0[\s-]?something\b", r"between \g<1>0 and \g<1>9.99"),  # "20 something dollars"
               (r"\b(?:not|nothing|none|no)\s+(\$?\s*\d+)\s*\+", r"under \1"),  # "not 30+"
               (r"\b(?:can|could|will|want to|wanna) only (?:spend|pay|afford)(?: about| around| up to)?\s*(\$?\d)", r"up to \1"),
               # "slightly more, like 55": a new limit said after the step
               (r"\b(?:slightly |a bit |a little )?(?:more|higher),? (?:like|say|maybe|about|to)\s*(\$?\d+)", r"up to \1"),
               (r"\b(?:can |could )?(?:stretch|extend|push|go|spend|pay)(?: (?:it|that|this|the budget|my budget))?(?: up)? to"
                r"\s*(\$?\d)", r"up to \1"))


# A step from the bound held: "10 less than that", "another fiver", "a tenner more is fine", "drop that
# by 20", "half that" (the budget; "half that price" is an item's, vague_prices.py).
AMOUNT = r"(\$?\s*\d+(?:\.\d+)?|a fiver|a tenner|fiver|tenner)"
HELD = r"(?:\s+(?:it|that|this|the budget|my budget|the max|the price))?"
STEPS = ((rf"\b(?:another|an extra|extra|a further|plus)\s+{AMOUNT}", "up"),
         (rf"\b{AMOUNT}\s*(?:dollars?|bucks|quid)?\s+(?:less|cheaper|lower)\b", "down"),
         (rf"\b{AMOUNT}\s*(?:dollars?|bucks|quid)?\s+(?:more|higher|dearer|extra|on top|up)\b", "up"),
         (rf"\b(?:drop|lower|cut|reduce|knock|bring|take){HELD}(?:\s+down)?\s+by\s+{AMOUNT}", "down"),
         (rf"\b(?:raise|bump|up|increase|push){HELD}(?:\s+up)?\s+by\s+{AMOUNT}", "up"),
         (r"\bhalf (?:of )?(?:that|it|the budget|my budget)\b(?!\s+price)", "half"))


def read_price_step(t: str, reading, state) -> str:
    """The bound held moved as said; returns the text with the step's words blanked."""
    held = state.constraints.get("price_max") if state is not None else None
    found = next(((m, how) for pattern, how in STEPS if (m := re.search(pattern, t))), None)
    if found is None or held is None:
        return t
    m, how = found
    if how == "half":
        reading.set["price_max"] = round(held / 2, 2)
        return blank(t, *m.span())
    amount = m.group(1)
    value = {"fiver": 5.0, "tenner": 10.0}.get(amount.split()[-1]) or parse_number(amount)
    if value is None:
        return t
    reading.set["price_max"] = round(held - value if how == "down" else held + value, 2)
    return blank(t, *m.span())


def read_prices(text: str, reading, state, vocab: Vocabulary | None = None) -> None:
    """Prices as said: "under $60", "between 20 and 40", "around fifty", "cheaper" (than those shown)."""
    t = read_price_step(text.lower(), reading, state)
    if "price_max" in reading.set:
        return
    for slang, plain in PRICE_SLANG:
        t = re.sub(slang, plain, t)
    m = re.search(rf"\bbetween\s+({NUM}){PRICE_WORDS}\s+(?:and|n|&|to|-)\s+({NUM})", t) or \
        re.search(rf"\bfrom\s+({NUM}){PRICE_WORDS}\s+(?:to|-)\s+({NUM})", t) or \
        re.search(r"(\$\s*\d+(?:\.\d+)?)\s*(?:-|to)\s*(\$?\s*\d+(?:\.\d+)?)", t) or \
        re.search(r"\b(\d+(?:\.\d+)?)\s*(?:-|to)\s*(\d+(?:\.\d+)?)\s*(?:dollars?|bucks|usd|quid|\$|price range|range)", t) or \
        re.search(r"\b(?:budget|spend|price|pay|paying|costing)\b[a-z' ]{0,12}?\b(\d+(?:\.\d+)?)\s*(?:-|to)\s*(\d+(?:\.\d+)?)\b", t)
    if m:
        low, high = parse_number(m.group(1)), parse_number(m.group(2))
        if low is not None and high is not None:
            reading.set["price_min"], reading.set["price_max"] = min(low, high), max(low, high)
            return
    # "don't want to spend over $50", "nothing above 50": a minimum said negatively is a maximum.
    negated = re.search(rf"\b(?:(?:(?:i'?d )?rather not|don'?t (?:really )?want to|do not (?:really )?want to|won'?t|can'?t|"
                        rf"cannot|not looking to|shouldn'?t|should not|mustn'?t|must not|"
                        rf"not trying to|(?:don'?t|dont|do not) wanna|not)\s+(?:really\s+|even\s+|afford\s+to\s+|want\s+to\s+)?"
                        rf"(?:spend|spending|pay|paying|go|going|be|cost|costing)\s+|not |nothing |nowt |none )"
                        rf"(?:over|above|more than|beyond)\s*"
                        rf"({NUM}){PRICE_WORDS}", t)
    if negated and parse_number(negated.group(1)) is not None:
        reading.set["price_max"] = parse_number(negated.group(1))
        t = blank(t, *negated.span())
    # "no less than $30" is a minimum and "no more than $30" a maximum; "$30 or more" likewise.
    m = re.search(rf"\b(?:under|below|(?<!no )(?<!not )less than|cheaper than|lower than|max(?:imum)?|up to|"
                  rf"no more than|not more than|at most|within|<=?|(?:budget|limit|max)(?:,? (?:of|is|is now|to|up to|say|around|about|"
                  rf"now|goes up to|can go to|can stretch to))?)\s*(?:(?:about|around|roughly|like|say)\s+)?({NUM}){PRICE_WORDS}", t) or \
        re.search(rf"(?<![\d.])(\$?\s*\d[\d,]*(?:\.\d+)?|{NUM_WORDS}(?:[\s-]?(?:{NUM_WORDS}|{SMALL_WORDS}))*)"
                  rf"{PRICE_WORDS}\s+or (?:less|under|below|cheaper)\b", t) or \
        re.search(rf"(?<![a-z\d])({NUM}){PRICE_WORDS}\s+(?:is|'s|would be|will be)\s+(?:my|the|our|his|her|their)\s+"
                  rf"(?:(?:absolute|total|upper|top|hard|very)\s+)*(?:limit|max(?:imum)?|ceiling|cap)\b", t) or \
        re.search(rf"(?<![a-z\d])({NUM}){PRICE_WORDS}\s*(?:max(?:imum)?|tops|at most)\b", t)  # "50 max"
    if m and parse_number(m.group(1)) is not None:
        reading.set["price_max"] = parse_number(m.group(1))
        if re.match(r"(?:cheaper|lower) than", m.group(0)):  # "cheaper than the 92 quid one": not that one
            reading.set["price_max"] = round(reading.set["price_max"] - 0.01, 2)
    m = m or negated
    m2 = re.search(rf"\b(?:over|above|(?<!no )(?<!not )more than|no less than|not less than|at least|"
                   rf"min(?:imum)?|starting at|>=?)\s*({NUM}){PRICE_WORDS}", t) or \
        re.search(rf"{PRICED}{PRICE_WORDS}\s+(?:or|and) (?:more|above|over|up)\b", t) or \
        re.search(r"(\$?\s*\d[\d,]*(?:\.\d+)?)\s*\+", t)  # "60+"
    if m2 and parse_number(m2.group(1)) is not None:
        reading.set["price_min"] = parse_number(m2.group(1))
    # "about 50", "around 40 for a hoodie"; "he owns about twenty black ones" counts things, no price.
    m3 = re.search(rf"\b(?:around|about|roughly|approximately|~)\s*({NUM}){PRICE_WORDS}(?!\s*(?:[a-z]+\s+)?(?:ones?|of|"
                   rf"times|pairs?|items|things|people|kids|years?|days?|weeks?|months?|hours?|mins?|minutes|miles|km|k)\b)", t)
    if m3 and parse_number(m3.group(1)) is not None and not (m or m2):
        value = parse_number(m3.group(1))
        reading.set["price_min"], reading.set["price_max"] = round(value * 0.8, 2), round(value * 1.2, 2)
        if re.search(r"\b(?:(?:not|no|nothing) (?:over|above|more|higher|beyond)\b(?!\s*\$?\s*\d)|"
                     r"at (?:the )?(?:very )?most\b|max(?:imum)?\b|tops\b|or (?:less|under)\b)", t[m3.end():]):
            reading.set["price_max"] = value  # "around the 50 mark but not over", "around 50 at the very most"
    if not (m or m2 or m3):
        m4 = re.search(r"(-?\$\s*-?\d[\d,]*(?:\.\d+)?|-?\d[\d,]*(?:\.\d+)?\s*(?:dollars?|bucks|usd)\b)", t) or \
            re.search(rf"((?:{NUM_WORDS}|{SMALL_WORDS})(?:[\s-]?(?:{NUM_WORDS}|{SMALL_WORDS}))*)(?=\s*(?:dollars?|bucks|usd)\b)", t)
        if m4 and parse_number(m4.group(1)) is not None:
            reading.set["price_max"] = parse_number(m4.group(1).replace("$", ""))
            if "-" in m4.group(1):
                reading.set["price_max"] = -abs(reading.set["price_max"])


def check_prices(reading, vocab: Vocabulary) -> None:
    """Prices read are mapped as the fields map them: an absurd price is refused here, never stored,
    and so is a lowest price above the highest, or a highest of $0. A refused price refuses the
    turn's search (`price_refused`): a list outside the budget the shopper meant would be wrong."""
    for name in [n for n, f in FIELDS.items() if f.reads == "price" and n in reading.set]:
        try:
            reading.set[name] = FIELDS[name].to_catalog(vocab, reading.set[name]).value
        except VocabularyError as exc:
            reading.errors.append(str(exc))
            del reading.set[name]
            reading.price_refused = True
    if reading.set.get("price_max") == 0:
        reading.errors.append("nothing in the store is free: tell me a budget above $0")
        del reading.set["price_max"]
        reading.price_refused = True
    if error := drop_crossed_prices(reading.set):
        reading.errors.append(error)
        reading.price_refused = True


def replace_passed_bounds(reading, state) -> None:
    """A new price bound past the held other one replaces it ("60+" after "under $45"): the
    shopper changed their mind, which is not an impossible range."""
    held = state.constraints
    for bound, other, sign in (("price_min", "price_max", 1), ("price_max", "price_min", -1)):
        if (bound in reading.set and other not in reading.set and other not in reading.unset
                and held.get(other) is not None and sign * (reading.set[bound] - held.get(other)) > 0):
            reading.unset.append(other)
