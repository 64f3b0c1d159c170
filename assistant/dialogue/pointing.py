"""What a shopper's words point at: an item on screen ("the second one", "it"), a reaction to it
("love it", "not that one"), a photo ("like photo 2", "nothing like this"), and a request to see
something rendered rather than searched ("show it in green", "imagine a teal running jacket").

Part of the dialogue-state tracker (assistant/dialogue/tracker.py), which calls these readers.
"""
from __future__ import annotations

import re

from assistant.catalog.constraints import as_list
from assistant.catalog.vocabulary import CATEGORY_SYNONYMS, NAMED_RGB, Vocabulary, VocabularyError, singular

LIKE = r"\b(i (?:really )?(?:like|love)|love|great|nice|perfect|thumbs up|keep)\b|\U0001F44D"
DISLIKE = r"\b(don'?t like|do not like|dislike|hate|not (?:that|this|the)\b.*\bone|no to|ugly|remove|hide)\b|\U0001F44E"
# "What else would I like?", "complete the look", "more like the ones I liked": the recommender's turn.
# ("What else is there in M", "what else have you got in orange" ask the search for more.)
RECOMMEND = (r"\b(would i (?:also )?(?:like|love)|recommend\w*|suggest\w*|goes? with|go well with|complete the look|"
             r"what else (?:would|could|should|might|will|do you (?:recommend|suggest)|goes|go)|similar to|more like (?:the ones|those|what|the items) i (?:liked|like|loved)|wear with|pair with|"
             r"match(?:es)? (?:it|this|that|them))\b")
# "Brown would be nice, goes with my walking boots": a reason given, not a request to match something.
GOES_WITH_MINE = r"\bgoes (?:well )?with (?:my|his|her|our|their)\b"

# A question about an item of the list ("why the second one?", "what makes #3 different?").
# ("something different from the first one" asks for other items: not a question about it.)
ASK_WHY = r"\b(why|what makes|what'?s (?:so )?(?:special|different|good)|how is|how's|what sets|reasons?|explain)\b"
# Phrases with "it" or "that" that point at nothing ("anything but purple, had enough of it").
IDIOM = (r"\b(?:(?:had |have )?enough|sick|tired|fed up|done|bored) (?:of|with) (?:it|that|them)\b|\bthat'?s (?:it|all)\b|"
         r"\b(?:that|it) (?:would be|is|'s) (?:fine|great|perfect|better|ok)\b|\bif that makes sense\b")
REFERENCE = (r"\b(first|second|third|fourth|fifth|last|number \d|\d(?:st|nd|rd|th)|that one|this one|it|that|"
             r"the (?:\w+ )?one|(?:item|option|no\.?)\s?\d+)\b|#\s?\d+\b")


PHOTO_WORD = r"(?:photo|picture|pic|image|snap)"
PHOTO_REF = rf"\b{PHOTO_WORD}s?\b"
PHOTO_NAME = (rf"{PHOTO_WORD}\s*#?\s*\d+|(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|\d+th)\s+{PHOTO_WORD}"
              rf"|(?:my|the|this|that)\s+{PHOTO_WORD}|this|that|it")
NOT_LIKE = rf"\b(?:not|nothing|never|don'?t want (?:anything|something)) like\s+(?:my\s+|the\s+)?({PHOTO_NAME})"


def read_photos(t: str, state, new_photos: list[str], reading) -> None:
    """Which photo the words search with, and which they push away from ("nothing like photo 2").
    A photo sent in this turn is the query unless the words point at another one."""
    if state is None or not state.photos:
        return
    negative = re.search(NOT_LIKE, t)
    if negative:
        reading.avoid_photo = state.resolve_photo(negative.group(1))
        t = t[: negative.start()] + t[negative.end():]
    explicit = re.search(rf"{PHOTO_WORD}\s*#?\s*\d+", t) or re.search(
        rf"\b(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|\d+th)\s+{PHOTO_WORD}", t)
    if explicit or re.search(PHOTO_REF, t):
        reading.photo = state.resolve_photo(explicit.group(0) if explicit else "last")
    elif new_photos:
        reading.photo = new_photos[-1]
    elif re.search(r"\blike (?:this|that|these|it)\b", t) and not negative:
        reading.photo = state.photos[-1].name
    if reading.photo == reading.avoid_photo:
        reading.photo = None


# What a follow-up may change and still be the same photo search ("this one in orange", then "and in a small?").
REFINING = {"color", "size", "price_min", "price_max", "gender", "material", "not_color", "not_size", "not_material",
            "not_pattern", "not_feature", "pattern", "feature"}


PRONOUN = r"\b(?:it|that|this|this one|that one)\b"


def names_a_kind(words) -> bool:
    """Whether any of these words names a kind of product ("joggers"; not "gym" or "sister")."""
    return any(w in CATEGORY_SYNONYMS or w.rstrip("s") in CATEGORY_SYNONYMS or singular(w) in CATEGORY_SYNONYMS
               for w in words)


def continue_photo_search(t: str, reading, state) -> None:
    """A follow-up that only refines (a colour, a size, a price, words that name no other kind of
    product: "its just for the gym"; no item pointed at) goes on searching with the photo the search
    was built on. There "it" is the photographed item ("what other colours does it come in"), not
    the first one shown."""
    pronoun = bool(reading.reference) and not re.sub(PRONOUN, " ", " ".join(
        m.group(0) for m in re.finditer(REFERENCE, t))).strip() and not re.search(f"{LIKE}|{DISLIKE}|{ASK_WHY}", t)
    if (state is None or reading.photo or not state.search_photo or reading.reset or names_a_kind(reading.topic_words)
            or (reading.reference and not pronoun) or reading.recommend or reading.render or reading.small_talk
            or not set(reading.set) <= REFINING
            or not any(p.name == state.search_photo for p in state.photos)):
        return
    reading.photo, reading.reference = state.search_photo, None
    kinds = {s.category for s in state.shown}
    if (state.constraints.get("category") is None and len(kinds) == 1
            and (reading.sort or {"price_min", "price_max", "size"} & set(reading.set))):
        # "and cheaper pls", "cheapest pair": the photo was not read surely enough to filter by its kind,
        # but every item it found is one kind: a cheaper or sorted list of that kind is what is meant.
        reading.set["category"], reading.category_on_screen = sorted(kinds), True


# Render requests (tools/renderer.py): "show it in green", "how would the second one look in red",
# "how would it look with my photo", "imagine a teal hooded running jacket".
SEE = r"\b(?:show|see|view|display|render|preview|picture|look|looks|looked)\b"
IN_COLOUR = rf"{SEE}[^.?!]*?\bin\s+(?:a\s+|the\s+)?([a-z]+)\b"
WITH_PHOTO = rf"\b(?:with|on|in|into|onto)\s+(?:my\s+|the\s+|this\s+|that\s+)?({PHOTO_WORD}\s*#?\s*\d*)"
# A message that asks to see something at all: a render the model plans for any other ("woolly jumper
# then", "nothing with cotton in it") is not the shopper's request.
ASKS_TO_SEE = rf"{SEE}|\b(?:imagine|imagining|envision|visuali[sz]e|dream(?:ing)? of|draw|sketch|how would|what would)\b"
IMAGINE = r"\b(?:imagine|imagining|envision|visuali[sz]e|dream(?:ing)? of|render|draw|sketch)\s+(?:me\s+)?((?:a|an|some)\s+[^.?!]+)"


def read_render(t: str, reading, state, vocab: Vocabulary, catalog) -> None:
    """A request to see something rather than to search: an item (pointed at or named) in a
    colour or in the shopper's photo, or a description to imagine. It sets no constraint."""
    words = re.search(IMAGINE, t)
    item = reading.reference
    # "how would the first one look with my photo": the photo is where, not which item; the colour
    # to show it in does not pick the item either ("show it in purple" is not "the purple one").
    rest = re.sub(WITH_PHOTO, " ", t)
    if colour := re.search(IN_COLOUR, rest):
        rest = rest[:colour.start(1)] + rest[colour.end(1):]
    if (item is None or colour) and state is not None:
        item = (state.resolve(rest, catalog) if state.shown and re.search(REFERENCE, rest)
                else state.by_name(rest.strip(), catalog) if catalog is not None else None)
    if words and item is None:
        reading.render = {"description": words.group(1).strip()}
    elif item is not None and state is not None and state.photos and re.search(SEE, t) and (
            photo := re.search(WITH_PHOTO, t)):
        reading.render = {"item": item, "photo": state.resolve_photo(photo.group(1))}
        reading.photo = None
    elif item is not None and (colour := re.search(IN_COLOUR, t)):
        try:
            vocab.color(colour.group(1))
        except VocabularyError:
            if colour.group(1) not in NAMED_RGB:
                return
        reading.render = {"item": item, "color": colour.group(1)}
    if reading.render:  # "show it in green" shows something; it does not change the search
        reading.set, reading.topic_words = {}, []
        reading.reference = reading.render.get("item")   # the item in focus for "it" next time


def photographed_product(state, photo_name: str | None, catalog):
    """The catalog product a photo of the session is a copy of, or None."""
    photo = next((p for p in (state.photos if state is not None else []) if p.name == photo_name), None)
    return catalog.get(photo.match_sku) if catalog is not None and photo is not None and photo.match_sku else None


def other_colour_than_photo(t: str, reading, state, catalog) -> None:
    """"i have this in blue already, want a different colour": a catalog product photographed is
    wanted in any colour but its own."""
    photo_name = reading.photo or (state.search_photo if state is not None else None)
    if catalog is None or not re.search(r"\b(?:different|another|other)\s+colou?rs?\b", t):
        return
    product = photographed_product(state, photo_name, catalog)
    if product is not None and product.color and set(as_list(reading.set.get("color") or [])) <= {product.color}:
        reading.set.pop("color", None)  # "i have this in blue already": the colour it is in, not one asked for
        held = list(state.constraints.get("not_color") or [])
        said = as_list(reading.set["not_color"]) if reading.set.get("not_color") else []
        reading.set["not_color"] = list(dict.fromkeys(held + said + [product.color]))


def photographed_product_gender(reading, state, catalog, new_photos) -> None:
    """A catalog product's photo just sent ("these but cheaper") asks for its kind, so for whom it is
    made too, unless the shopper says or has said who it is for ("same thing for a guy")."""
    if catalog is None or state is None or reading.photo not in new_photos or "gender" in reading.set \
            or "gender" in reading.unset or state.constraints.get("gender") is not None:
        return
    product = photographed_product(state, reading.photo, catalog)
    if product is not None and product.gender in ("Men", "Women"):
        reading.set["gender"] = product.gender


def narrow_to_photo(reading, state) -> None:
    """"same tank in orange" with a photo of a men's tank: of the categories the word may mean
    (Tanks, Bras & Tanks), the one the photo is surely read as."""
    category = reading.set.get("category")
    if not (reading.photo and state is not None and isinstance(category, list) and len(category) > 1):
        return
    guess = next((p.category_guess for p in state.photos if p.name == reading.photo), None)
    if guess in category:
        reading.set["category"] = [guess]
