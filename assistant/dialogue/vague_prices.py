"""Prices said without a number, and the order asked for: "cheap", "not too expensive", "premium";
"cheapest first", "best rated".

The stated rule: "cheap" means the cheaper half of what the shopper is looking at (a price at most
the median price of the catalog products of the category and gender asked for), "premium" the
pricier half (at least that median). The reply says the bound and why ("under $55, the cheaper
half of men's jackets"). Comparatives ("cheaper ones?", "anything pricier?") go past the bound the
shopper set the other way ("over $30" or "$30 to $50", then "cheaper?": under $30), else past the
middle of the list on screen, and at least as far as the category's median (cheaper ones are cheap
ones too: "under 50", then "pricier ones": the pricier half, over $57 for men's jackets). A bound from the rule follows the shopper to another gender ("cheap shorts for women",
"now the same for men": the cheaper half of men's shorts).
"""
from __future__ import annotations

import re
import statistics

from assistant.catalog.constraints import FIELDS, Constraints, describe
from assistant.dialogue.pointing import photographed_product

CHEAP = (r"\b(?:cheap|cheapo|inexpensive|affordable|budget[- ]friendly|on a budget|(?:low|tight|small|limited)[- ]budget|(?<!the )(?<!my )(?<!a )(?<!your )(?<!our )(?<!more )(?<!bigger )(?<!higher )(?<!extra )budget(?![- ]?(?:of|is|was|for|to|up|now|,? ?say|:|\$|\d))|low[- ]cost|low[- ]priced|"
         r"bargains?|economical|reasonably priced|(?:not|nothing|nowt|none|isn'?t|aren'?t|wasn'?t) (?:[a-z]+ )?(?:expensive|pricey|pricy|costly|dear|spendy|spenny)|won'?t break the bank|"
         r"(?:don'?t|do not|dont) (?:want to|wanna|need to|have to) (?:spend|pay) (?:much|a lot|loads|too much)|"
         r"less (?:pricey|pricy|costly|spendy|dear)|cheapish|(?:easier|easy|kinder|kind|gentler) on the (?:wallet|pocket|purse)|"
         r"less (?:dosh|cash|dough|wonga)|reasonabl[ey](?: price(?:d|[- ]?wise)?)?|"
         r"(?:not|n'?t|never) (?:spend|spending|pay|paying) (?:a fortune|a lot|loads|the earth|much|too much)|(?:more of )?a budget (?:buy|pick|choice|one)|keep (?:it|the (?:price|cost)|costs?) (?:low|down)|"
         r"(?:(?:pay|spend|cost|costs) )?(?:more than|above|over) (?:the )?average|below (?:the )?average(?: price)?|(?:on|at) the (?:cheaper|lower|cheap) (?:side|end)|"
         r"(?:cheaper|lower|low|bottom|budget) end|(?:bottom|lower end|low end) of the (?:price )?range|entry[- ]level|wallet[- ]friendly|(?:good|great|best) value|"
         r"value for money|(?:on|with) a shoestring|skint|(?:i'?m |im )broke|(?:tight|short) on (?:money|cash)|money(?:'?s| is) (?:tight|short)|"
         r"(?:don'?t|do not|dont|doesn'?t|does not|won'?t|shouldn'?t|not) (?:want to |wanna |need to |have to |going to |gonna )?"
         r"(?:spend|pay|cost|costs?|break) (?:a fortune|an arm and a leg|the earth|silly money|the bank|big|loads|a lot|much|too much)|"
         r"(?:nothing|not) that costs? (?:a fortune|an arm and a leg|the earth|loads|a lot|much)|"
         r"(?:nothing|not|no) (?:silly|daft|crazy|mad|stupid) money|pocket money|"
         r"(?:don'?t|do not|dont|not) (?:want to |wanna )?pay (?:top whack|top dollar|over the odds|through the nose|full price)|"
         r"without (?:breaking|spending) (?:the bank|a fortune|much|loads|a lot)|as (?:little|cheap) as (?:possible|i can)|"
         r"(?:low|lower|modest|small) (?:prices?|priced)|cheaply|thrifty|frugal|save (?:some )?money)\b")
# Said first, because they contain a cheap word: "doesn't need to be cheap", "don't mind paying more".
NOT_CHEAP = (r"\b(?:(?:doesn'?t|does not|don'?t|do not|needn'?t|need not)\s+(?:need|have)?\s*(?:to\s+)?be\s+(?:the\s+)?cheap(?:est)?|"
             r"not (?:looking for |after )?(?:the )?cheap(?:est)? (?:ones?|stuff)|"
             r"(?:don'?t|do not) mind (?:paying|spending) (?:a (?:bit|little) |a lot |)more|"
             r"(?:slightly |a bit |a little |the |some )nicer(?: ones?)?|nicer ones?|something nicer|"
             r"(?:don'?t|do not|dont) (?:care|mind) if (?:it'?s|it is|they'?re|they are) (?:a bit )?(?:on the )?"
             r"(?:dear|pricey|expensive|pricier|spendy)(?: side)?)\b")
# (A price judged, "a bit pricey", "rather expensive", is a complaint: CHEAPER's, never a wish for premium.)
JUDGED = r"(?<!bit )(?<!rather )(?<!quite )(?<!touch )(?<!very )(?<!so )(?<!little )"
PREMIUM = (r"\b(?:premium|high[- ]end|luxury|luxurious|fancy|posh|deluxe|upmarket|classy|(?<!less )(?<!not )(?<!too )" + JUDGED + r"pricey|top[- ]of[- ]the[- ]line|"
           r"upscale|splurge|splash(?:ing)? out|money(?:'?s| is)? no (?:object|issue)|treat (?:myself|yourself|himself|herself|him|her)|"
           r"(?:top|higher|high|upper|pricier|dearer|premium|expensive) end|top[- ]shelf|top[- ]tier|designer|"
           r"(?:happy|willing|prepared|ready) to (?:spend|pay)(?: (?:a bit |a lot |a little )?more)?|"
           r"(?:can|could) (?:spend|pay|afford) (?:a bit more|more|a lot|loads)|"
           r"(?:pay|paying|spend|spending) (?:more )?for quality|the (?:good|best|nice) stuff|(?:good|high|top|better) quality|quality (?:ones?|stuff|gear)|"
           r"(?<!more )(?<!less )(?<!most )(?<!least )(?<!not )(?<!too )" + JUDGED + r"expensive)\b")
SORTS = {  # the catalog_filter tool's sort orders, by how shoppers ask for them
    "price_asc": r"\b(?:cheapest|least expensive|most affordable|least (?:pricey|dear|costly)|most budget|"
                 r"(?:start|begin)(?: me| us| it)? (?:at|from|with) the (?:bottom|lowest|cheap end)(?:,? price[- ]?wise)?|lowest up|cheapest up|lowest[- ]priced?|lowest price|price low to high|low to high|"
                 r"(?:from )?cheap(?:est)? to (?:expensive|pricey|dear)|lowest to highest|"
                 r"sort(?:ed)? by price|by price|price ascending|ascending price|"
                 r"(?:costs?|priced|pay) (?:the )?(?:least|lowest)|(?:least|lowest) (?:cost|money)|(?:in )?(?:order of|ordered by) price|"
                 r"price order|cheap(?:er|est)?(?: ones?)? (?:first|at the top|on top|up top|to the top))\b",
    "price_desc": r"\b(?:most expensive|priciest|dearest|most (?:premium|luxurious|upmarket|high[- ]end)|poshest|fanciest|most dear|highest[- ]priced?|highest price|high to low|price descending|"
                  r"(?:(?:sort|order)(?:ed)? )?by price,?\s+(?:from\s+)?(?:the\s+)?(?:highest|most expensive|priciest|dearest|high|descending)|"
                  r"(?:from )?expensive to cheap|highest to lowest|costs? (?:the )?most)\b",
    "rating": r"\b(?:best[- ]rated|top[- ]rated|highest[- ]rated|best reviewed|best reviews|top reviews|"
              r"(?:top|best|highest)[- ]scor(?:ing|ed)|"
              r"best ratings?|highest ratings?|by (?:rating|ratings|reviews?|stars|popularity|score)|most popular|best sellers?|best ones|"
              r"(?:highest|best|most|top)[- ](?:reviewed|scored|starred)|(?:most|best) (?:liked|loved)|"
              r"(?:rate|rates|rated|review|reviews|reviewed|score|scores|scored) (?:the )?(?:highest|best|top|most)|"
              r"(?:in )?(?:order of|ordered by|ranked by|rank by) (?:the )?(?:ratings?|reviews?|stars|scores?)|"
              r"(?:rating|review|star) order|(?:most|highest|best|top) stars|stars (?:first|up top|on top|at the top)|"
              r"(?:people|ppl|folks|customers|others|everyone) (?:actually |really )?(?:rate|rated|like|love|recommend))\b",
}


# Where an order puts things, right after it or anywhere in the message: "show that one up top".
ORDER_PLACE = r"\b(?:up top|on top|at the top|to the top|(?:at|on|to) the front)\b"


def read_sort(text: str) -> str | None:
    """The order asked for, or None ("cheapest first" -> price_asc)."""
    found = sort_phrase(text)
    return found[0] if found else None


def sort_phrase(text: str) -> tuple[str, int, int] | None:
    """(the order, where its words start and end): "cheapest first" and "top rated ones first" are
    all order, so "first" points at no item and "top" names no category."""
    found = [(m.start(), -m.end(), sort) for sort, pattern in SORTS.items() if (m := re.search(pattern, text))]
    if not found:
        return None
    start, end, sort = min(found)  # the first said, the longest there ("by price, highest first")
    end = -end
    end += re.match(rf"(?:\s+(?:ones?|items?|products?))?(?:\s+(?:first|{ORDER_PLACE}))?", text[end:]).end()
    return sort, start, end


# "Dearer than I'd like", "more than I remember paying": a complaint about the price, asking for cheaper.
TOO_DEAR = (r"\b(?:dearer|pricier|more expensive|more|higher|steeper) than (?:i'?d (?:like|want|hoped)|i (?:would like|wanted|want|"
            r"expected|thought|hoped|remember(?:ed)?|can afford|planned|usually pay|normally pay)|expected|planned)")
CHEAPER = (r"\b(?:cheaper|less expensive|lower price|more affordable|budget option|less money|for less|steep|"
           r"less than (?:those|that|them|these|this)(?: lot| ones)?\b|(?<!not )too (?:expensive|pricey|pricy|dear)|"
           r"(?:rather|quite|a (?:bit|touch|little)|bit|very|so|touch) (?:costly|expensive|pricey|pricy|dear|steep)\b|"
           r"a step down|under what (?:those|they|that|it|these) cost|"
           r"costs? less|costing less|more modest(?: in price)?|less costly|lower[- ]priced)|" + TOO_DEAR)
PRICIER = rf"(?!{TOO_DEAR})\b(?:more expensive|pricier|costlier|dearer|higher[- ]priced|posher|fancier|classier|a step up)\b"


def read_comparative(text: str, reading, state, catalog) -> None:
    """"cheaper ones?" / "anything pricier?": the bound the rule above gives, unless a number was said."""
    if state is None:
        return
    shown = [s.price for s in state.shown]
    for words, bound, other, pick in ((CHEAPER, "price_max", "price_min", min), (PRICIER, "price_min", "price_max", max)):
        if not re.search(words, text) or bound in reading.set:
            continue
        passed = state.constraints.get(other) is not None and other not in reading.set
        if passed:  # "between 50 and 70" -> under 50
            candidates = [state.constraints.get(other)]
            reading.unset.append(other)
        elif shown:
            step = -0.01 if bound == "price_max" else 0.01
            candidates = [round(statistics.median(shown) + step, 2)]
        else:
            continue
        if (median := _median(catalog, _looking_at(reading, state))) is not None:
            candidates.append(median)
        reading.set[bound] = pick(candidates)
        reading.comparative.append(bound)
        if reading.set[bound] == median and not passed:  # the category's middle: the cheap (premium) rule's bound
            reading.price_rule = "cheap" if bound == "price_max" else "premium"


def read_photo_price(text: str, reading, state, catalog, new_photos) -> None:
    """"like this but cheaper" with the photo of a catalog product just sent: cheaper (or pricier)
    than that product and than the middle of its kind's prices."""
    if state is None or catalog is None or reading.photo not in new_photos:
        return
    product = photographed_product(state, reading.photo, catalog)
    said = set(reading.set) - set(reading.comparative)
    if product is None or {"price_min", "price_max"} & said:
        return
    kind = Constraints(category=[product.category], **({"gender": product.gender} if product.gender in ("Men", "Women") else {}))
    for words, bound, step, pick in ((CHEAPER, "price_max", -0.01, min), (PRICIER, "price_min", 0.01, max)):
        if re.search(words, text):
            for name in ("price_min", "price_max"):
                reading.set.pop(name, None)
            # Cheaper than it, and at least the cheaper half of its kind (as "cheaper ones?" is).
            reading.set[bound] = pick(round(product.price + step, 2), _median(catalog, kind))
            reading.price_rule, reading.comparative = None, [bound]
            return


# A price said by an item on screen: "same price as that one or less", "cheaper than the second one".
ITEM_PRICE = {"half": r"\bhalf (?:that|the|its|of (?:that|its|the)) price\b",
              "at_most": r"\bsame price(?: as \w+(?: \w+)?)?,? or (?:less|under|lower|cheaper|below)\b|"
                         r"\b(?:no more|not more|no dearer|no pricier) than\b",
              "below": r"\b(?:cheaper|less|lower|under)(?: in price)? than\b|\bunder the price of\b",
              "above": rf"(?!{TOO_DEAR})\b(?:pricier|dearer|more expensive|more|over|above)(?: in price)? than\b",
              "around": r"\b(?:same|similar) price\b"}


def read_item_price(text: str, reading, state) -> None:
    """A bound from the price of the shown item the message points at, over any other reading of
    the comparative ("cheaper than the second one" is cheaper than $45, not the cheaper half). A bare
    "cheaper than that" is about the list, not an item."""
    item = state.shown_item(reading.reference or "") if state is not None else None
    said = next((how for how, pattern in ITEM_PRICE.items() if re.search(pattern, text)), None)
    if item is None or said is None or {"price_min", "price_max"} & set(reading.set) - set(reading.comparative):
        return
    if said in ("below", "above") and not re.search(rf"(?:{ITEM_PRICE[said]})\s+(?!(?:that|it|this|those|them)\b)\S", text) \
            and not re.search(r"\b(?:that|this) one\b", text):
        return  # "cheaper than that?": than the list or the bound held (read_comparative), not its first item
    for name in ("price_min", "price_max"):
        reading.set.pop(name, None)
    reading.price_rule = None
    bounds = {"half": {"price_max": round(item.price / 2, 2)}, "at_most": {"price_max": item.price}, "below": {"price_max": round(item.price - 0.01, 2)},
              "above": {"price_min": round(item.price + 0.01, 2)},
              "around": {"price_min": round(item.price * 0.8, 2), "price_max": round(item.price * 1.2, 2)}}[said]
    reading.set.update(bounds)
    reading.unset += [n for n in ("price_min", "price_max") if n not in bounds and n not in reading.unset]


def _median(catalog, looking_at: Constraints) -> float | None:
    if catalog is None or not looking_at.active():
        return None
    prices = [p.price for p in catalog.all() if all(FIELDS[n].holds(p, v) for n, v in looking_at.active().items())]
    return round(statistics.median(prices), 2) if prices else None


def read_vague_price(text: str, reading, state, catalog) -> None:
    """Sets price_max ("cheap") or price_min ("premium") to the median price of the category and
    gender asked for, when no number was said, and notes the rule for the reply."""
    if catalog is None or {"price_min", "price_max"} & set(reading.set):
        return
    # The first reading found, in this order: "doesn't need to be cheap" also holds "cheap".
    rule = next((name for name, words in (("premium", NOT_CHEAP), ("cheap", CHEAP), ("premium", PREMIUM))
                 if re.search(words, text)), None)
    if rule is None and {"price_min", "price_max"} & set(reading.unset):
        return  # "the price doesn't matter" with no rule of its own ("the nicer ones, price isn't an issue" has one)
    cheap, premium = rule == "cheap", rule == "premium"
    if not (cheap or premium) or reading.sort:  # "lowest price first, christmas is expensive enough"
        held = state.price_rule if state is not None and not {"price_min", "price_max"} & set(reading.unset) else None
        if not (held and "gender" in reading.set and "category" not in reading.set):
            return
        cheap = held == "cheap"  # the same rule for whom the shopper now asks about
    reading.price_rule = "cheap" if cheap else "premium"
    looking_at = _looking_at(reading, state)
    median = _median(catalog, looking_at) if looking_at.active() else round(
        statistics.median(p.price for p in catalog.all()), 2)
    if median is None:
        return
    what = describe(looking_at, "products")
    reading.unset = [n for n in reading.unset if n != ("price_max" if cheap else "price_min")]
    if cheap:
        reading.set["price_max"] = median
        reading.notes.append(f"under ${median:.0f}: the cheaper half of {what}")
    else:
        reading.set["price_min"] = median
        reading.notes.append(f"over ${median:.0f}: the pricier half of {what}")


def _looking_at(reading, state) -> Constraints:
    """The category and gender the price is relative to: this message's, else the dialogue's, else
    (a photo search names none) the category most of the items on screen are in."""
    held = state.constraints if state is not None else Constraints()
    values = {}
    for name in ("gender", "category"):
        value = reading.set.get(name, held.get(name))
        if value and name not in reading.unset:
            values[name] = [value] if name == "category" and isinstance(value, str) else value
    if "category" not in values and "category" not in reading.unset and state is not None and state.shown:
        values["category"] = [statistics.mode(s.category for s in state.shown)]
    return Constraints(**values)
