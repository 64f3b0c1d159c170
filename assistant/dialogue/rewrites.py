"""Words rewritten before a message is read: shorthand and slips the readers would misread.

As the catalog's names write them ("v-neck"), a hyphenated typo the speller cannot see whole
("t-shrt"), a feature with "-less" as what is left out, chat shorthand and dictation slips, shades
named by a thing ("bottle green"), a price limit said with "tops", and clauses that ask for nothing:
what someone owns or what would happen, what a garment is worn with or does to its wearer, what it
is compared with, a condition ("if there's no wool tee").
"""
from __future__ import annotations

import re

REWRITTEN = ((r"\bv\s?neck", "v-neck"), (r"\bt[- ]?shrts?\b", "t-shirt"),
             (r"\b(hood|zip|zipper|pocket)less\b", r"no \1"),
             (r"(?<=\s)w(?=\s+[a-z])", "with"),  # "the ones w a hood" (not "w 32", a waist)
             (r"\b(she|he|i|you|they|we) sweats?\b", r"\1 perspires"),  # not sweatpants
             (r"\bin blew\b", "in blue"), (r"\bin read\b", "in red"),  # dictation
             (r"\b(?:nuthin|nuffin|nothin)\b", "nothing"), (r"\bfourty\b", "forty"),
             (r"\b(a|plain|basic|gym|running|sports?|workout|cotton|white|black|grey|gray|navy|blue|red|green|yellow|orange|"
              r"purple|pink|brown) t\b(?![-'])", r"\1 tee"),  # "a plain white t", "a gym t"
             (r"\b(?:for|in|into) (?:my|his|her|their|your|the) (?:gym |sports? )?bag\b", " "),  # what goes in it: no bag asked for
             # what it is worn with, no request: "a cami to wear under a cardi", "would go with the cardi"
             # ("what goes with the jacket?" asks for a recommendation: kept)
             (r"\b(?:to wear|wear(?:s|ing)?|worn|(?:would |will |'d |to )?go(?:es)?) (?:it |them )?(?:under|over|beneath|with) "
              r"(?:a|an|my|his|her|their|the) [a-z]+\b", lambda m: m.group(0) if re.search(r"\bwhat\b", m.string) else " "),
             # what a garment does to someone, no request: "they make my legs look short"
             (r"\bmakes? (?:my|his|her|me|him|them) (?:[a-z]+ )?(?:look|feel|seem) [a-z]+\b", " "),
             # the colour it is compared with, no request: "black or grey would suit me better than light blue"
             (r"\b(?:better|nicer|rather) than (?:the )?(?:(?:light|dark|pale|bright) )?[a-z]+\b", " "),
             (r"\bnot (?:the )?cheapest(?: ones?| stuff)?\b(?!\s+(?:first|at the top|on top|up top))", "nicer ones"),
             (r"\bcheapest[- ]?ish\b", "cheapish"),  # roughly the cheap ones, no order
             # a shade named by a thing: "bottle green" is green, not a water bottle
             (r"\b(?:bottle|forest|olive|lime|emerald|mint|sage|army|hunter|racing|kelly|jade) (?=green\b)", ""),
             (r"\b(?:sky|baby|royal|cobalt|electric|powder|ice) (?=blue\b)", ""),
             (r"\b(?:whatever|which(?:ever)?|what) tops the (ratings|reviews|charts)\b", r"best rated"),
             # a condition, no exclusion: "if there's no wool tee then a wool hoodie"
             (r"\bif (?:there'?s|theres|there is|there are|you'?ve got|you have|u have) no [a-z]+(?: [a-z]+)?,?(?: then)?\b", " "),
             # a middling price, or "nothing top end": no premium, the cheaper half (not the category Tops)
             (r"\b(?:middle of the road|mid[- ]?range|mid[- ]?priced|moderately priced|(?:nothing|not|no)\s+(?:too\s+)?"
              r"(?:top|high)[- ]end)\b", "not too expensive"),
             (r"\bwoo?ll?(?:y|ie|en)\b", "wool"), (r"\b(crew ?neck|crew|a|plain|grey|gray) sweat\b", r"\1 sweatshirt"),
             # "50 quid tops" is a limit, not the category Tops
             (r"\b(\d+(?:\.\d+)?\s*(?:quid|dollars?|bucks|pounds?|euros?)?|(?:twenty|thirty|forty|fifty|sixty|seventy|"
              r"eighty|ninety|hundred)(?:[\s-]?\w+)?\s*(?:quid|dollars?|bucks|pounds?|euros?))(?:\s*-?ish|\s+or so)?\s+tops\b",
              r"\1 max"),
             # What would happen to it, no colour asked for: "nothing white, it'd be grey within a week".
             (r"\b(it'?d|it would|it will|it'?ll|they'?d|they would|they will|they'?ll) (be|go|turn|end up|look)(?: all)? [a-z]+",
              r"\1 \2"),
             # The colour of what someone owns already: "my sister has it in green", "everything i own is black".
             (r"\b((?:i|i'?ve|he(?:'?s)?|she(?:'?s)?|we|we'?ve|they|they'?ve|(?:my|his|her) \w+(?:'?s)?)(?: already)? (?:has|have|got|owns?|bought)"
              r"(?: got)?) (it|this|that|one|them|these|those)(?: one)?(?: already)? in (?:a |the )?[a-z]+", r"\1 \2"),
             (r"\b(?:everything|every \w+|all (?:my|his|her|our) \w+) (?:(?:i|he|she|we|they) "
              r"(?:own|owns|have|has|wear|wears|got) )?(?:is|are)(?: all)? [a-z]+\b", " "))


def rewrite(text: str) -> str:
    """The message (lower case, padded with spaces) with every rewrite applied in order."""
    for pattern, written in REWRITTEN:
        text = re.sub(pattern, written, text)
    return text
