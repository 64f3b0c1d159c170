"""Normalising what shoppers (and the LLM) say into the catalog's own values.

A near miss still lands: "navy" -> Blue, "hoodies" -> Hoodies & Sweatshirts, "fifty bucks" -> 50.
A value that maps to nothing is rejected with the list of valid values, never guessed silently.
"""
from __future__ import annotations

import colorsys
import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property

# Common colour words the catalog does not use, mapped to the catalog colour a shopper means.
COLOUR_SPELLINGS = {"grey", "offwhite"}  # synonyms that are the catalog colour itself, spelled otherwise
COLOUR_SYNONYMS = {
    "grey": "Gray", "charcoal": "Gray", "silver": "Gray", "slate": "Gray", "heather": "Gray",
    "navy": "Blue", "teal": "Blue", "turquoise": "Blue", "cyan": "Blue", "aqua": "Blue",
    "sky": "Blue", "cobalt": "Blue", "denim": "Blue", "royal": "Blue", "indigo": "Blue",
    "crimson": "Red", "maroon": "Red", "burgundy": "Red", "scarlet": "Red", "wine": "Red",
    "cherry": "Red", "pink": "Red", "rose": "Red", "magenta": "Purple", "violet": "Purple",
    "lilac": "Lavender", "mauve": "Lavender", "plum": "Purple", "olive": "Green", "lime": "Green",
    "mint": "Green", "khaki": "Green", "emerald": "Green", "forest": "Green", "sage": "Green",
    "gold": "Yellow", "mustard": "Yellow", "lemon": "Yellow", "amber": "Orange", "coral": "Orange",
    "peach": "Orange", "rust": "Orange", "tan": "Brown", "beige": "Brown", "chocolate": "Brown",
    "camel": "Brown", "cream": "White", "ivory": "White", "offwhite": "White", "ebony": "Black",
    "jet": "Black", "onyx": "Black", "eggplant": "Purple", "aubergine": "Purple", "periwinkle": "Lavender",
}
# Colours that lie between two catalog colours: the shopper may mean either ("teal" is blue or green).
# Read as both where the catalog has both; the synonym above is the one value where a single one is needed.
BETWEEN_COLOURS = {"teal": ("Blue", "Green"), "turquoise": ("Blue", "Green"), "aqua": ("Blue", "Green"),
                   "lilac": ("Lavender", "Purple"), "mauve": ("Lavender", "Purple"),
                   "magenta": ("Purple", "Red"), "khaki": ("Green", "Brown"), "tan": ("Brown", "Orange")}
# Colour names with no catalog counterpart: mapped to the nearest catalog colour in RGB.
CATALOG_RGB = {"Black": (0, 0, 0), "Blue": (30, 80, 200), "Brown": (139, 69, 19), "Gray": (128, 128, 128),
               "Green": (0, 140, 0), "Lavender": (181, 126, 220), "Orange": (255, 140, 0),
               "Purple": (128, 0, 128), "Red": (210, 20, 40), "White": (255, 255, 255), "Yellow": (255, 225, 0)}
NAMED_RGB = {
    "chartreuse": (127, 255, 0), "salmon": (250, 128, 114), "fuchsia": (255, 0, 255),
    "orchid": (218, 112, 214), "tomato": (255, 99, 71), "aquamarine": (127, 255, 212),
    "azure": (240, 255, 255), "ochre": (204, 119, 34),
    "sienna": (160, 82, 45), "sapphire": (15, 82, 186), "ruby": (224, 17, 95), "copper": (184, 115, 51),
    "bronze": (205, 127, 50), "sand": (194, 178, 128), "taupe": (72, 60, 50), "vermilion": (227, 66, 52),
    "cerulean": (0, 123, 167), "ultramarine": (18, 10, 143), "jade": (0, 168, 107),
    "seafoam": (159, 226, 191), "fawn": (229, 170, 112), "auburn": (165, 42, 42), "cinnamon": (210, 105, 30),
    "midnight": (25, 25, 112), "pewter": (150, 168, 161),
}
# Words for categories; a word may mean several catalog categories (tanks for men and women).
CATEGORY_SYNONYMS = {
    "jacket": ["Jackets"], "coat": ["Jackets"], "parka": ["Jackets"], "windbreaker": ["Jackets"],
    "outerwear": ["Jackets"], "shell": ["Jackets"], "anorak": ["Jackets"], "cagoule": ["Jackets"], "timepiece": ["Watches"],
    "jeans": ["Pants"], "outwear": ["Jackets"], "gilet": ["Jackets"],
    "body warmer": ["Jackets"], "wind breaker": ["Jackets"], "rain mac": ["Jackets"], "mac": ["Jackets"],
    "hoodie": ["Hoodies & Sweatshirts"], "hoody": ["Hoodies & Sweatshirts"],
    "sweatshirt": ["Hoodies & Sweatshirts"], "sweater": ["Hoodies & Sweatshirts"],
    "pullover": ["Hoodies & Sweatshirts"], "jumper": ["Hoodies & Sweatshirts"],
    "tee": ["Tees"], "t-shirt": ["Tees"], "tshirt": ["Tees"], "t shirt": ["Tees"], "shirt": ["Tees"],
    "longsleeve": ["Tees"], "tank": ["Tanks", "Bras & Tanks"], "tank top": ["Tanks", "Bras & Tanks"],
    "singlet": ["Tanks", "Bras & Tanks"], "bra": ["Bras & Tanks"], "sports bra": ["Bras & Tanks"],
    "pant": ["Pants"], "trouser": ["Pants"], "legging": ["Pants"], "tights": ["Pants"],  # ("money is tight": no tights)
    "jogger": ["Pants"], "sweatpant": ["Pants"], "capri": ["Pants"], "short": ["Shorts"],
    "top": ["Tops"], "bottom": ["Bottoms"], "bag": ["Bags"], "backpack": ["Bags"],
    "duffel": ["Bags"], "duffle": ["Bags"], "tote": ["Bags"], "messenger": ["Bags"],
    "rucksack": ["Bags"], "knapsack": ["Bags"], "daypack": ["Bags"], "satchel": ["Bags"], "holdall": ["Bags"],
    "gym bag": ["Bags"], "sweats": ["Pants"], "trackpant": ["Pants"], "track pant": ["Pants"],
    "trackie": ["Pants"], "tracky": ["Pants"], "track bottom": ["Pants"], "tracksuit bottom": ["Pants"],
    "vest": ["Tanks", "Bras & Tanks"], "gym vest": ["Tanks", "Bras & Tanks"], "puffer": ["Jackets"],
    "skipping rope": ["Fitness Equipment"], "jump rope": ["Fitness Equipment"], "rope": ["Fitness Equipment"],
    "tanktop": ["Tanks", "Bras & Tanks"], "stringer": ["Tanks"], "sleeveless top": ["Tanks", "Bras & Tanks"],
    "kecks": ["Pants"],
    "hoodi": ["Hoodies & Sweatshirts"], "crewneck": ["Hoodies & Sweatshirts"], "tee shirt": ["Tees"],
    "sweat shirt": ["Hoodies & Sweatshirts"], "cardigan": ["Hoodies & Sweatshirts", "Jackets"], "cardi": ["Hoodies & Sweatshirts", "Jackets"],
    "zip-up": ["Hoodies & Sweatshirts", "Jackets"], "zip up": ["Hoodies & Sweatshirts", "Jackets"],
    "half zip": ["Hoodies & Sweatshirts", "Jackets"], "quarter zip": ["Hoodies & Sweatshirts", "Jackets"],
    "windcheater": ["Jackets"], "raincoat": ["Jackets"], "rain coat": ["Jackets"], "camisole": ["Bras & Tanks"],
    "cami": ["Bras & Tanks"], "fanny pack": ["Bags"], "bum bag": ["Bags"], "waist pack": ["Bags"],
    "long sleeve": ["Tees"], "polo": ["Tees"], "short sleeve": ["Tees"], "short sleeved": ["Tees"],
    "short-sleeved": ["Tees"],
    "watch": ["Watches"], "gear": ["Gear"], "equipment": ["Fitness Equipment"],
    "yoga mat": ["Fitness Equipment"], "mat": ["Fitness Equipment"], "ball": ["Fitness Equipment"],
    "water bottle": ["Fitness Equipment"], "bottle": ["Fitness Equipment"],
    "kettlebell": ["Fitness Equipment"], "foam roller": ["Fitness Equipment"],
    "strap": ["Fitness Equipment"], "dumbbell": ["Fitness Equipment"],
    "muscle tee": ["Tanks"], "muscle vest": ["Tanks"], "muscle tank": ["Tanks"], "band": ["Fitness Equipment"],
    "resistance band": ["Fitness Equipment"], "fitness gear": ["Fitness Equipment"], "gym equipment": ["Fitness Equipment"],
    "clothes": ["Tops", "Bottoms"], "clothing": ["Tops", "Bottoms"], "hooded top": ["Hoodies & Sweatshirts"],
    "hooded jumper": ["Hoodies & Sweatshirts"], "hooded sweatshirt": ["Hoodies & Sweatshirts"], "jegging": ["Pants"],
    "sando": ["Tanks"], "undershirt": ["Tanks", "Bras & Tanks"], "half pant": ["Shorts"], "lowers": ["Pants"],
    "track suit bottom": ["Pants"], "jogging bottom": ["Pants"], "jogger bottom": ["Pants"], "boardie": ["Shorts"],
    "board short": ["Shorts"], "crop top": ["Bras & Tanks"], "track suit lower": ["Pants"], "tracksuit lower": ["Pants"],
    "full length": ["Pants"], "tracksuit top": ["Jackets", "Hoodies & Sweatshirts"],
    "track top": ["Jackets", "Hoodies & Sweatshirts"], "fitness kit": ["Fitness Equipment"], "ticker": ["Watches"], "wristwatch": ["Watches"], "pullie": ["Hoodies & Sweatshirts"], "gym kit": ["Fitness Equipment"], "track jacket": ["Jackets"],
}
GENDER_SYNONYMS = {
    "men": "Men", "man": "Men", "mens": "Men", "men's": "Men", "male": "Men", "guy": "Men",
    "guys": "Men", "gentlemen": "Men", "him": "Men", "husband": "Men", "boyfriend": "Men",
    "women": "Women", "woman": "Women", "womens": "Women", "women's": "Women", "female": "Women",
    "ladies": "Women", "lady": "Women", "her": "Women", "wife": "Women", "girlfriend": "Women",
    "gf": "Women", "bf": "Men", "hubby": "Men", "wifey": "Women", "missus": "Women", "mrs": "Women",
    "dad": "Men", "father": "Men", "mom": "Women", "mum": "Women", "mother": "Women", "brother": "Men",
    "sister": "Women", "son": "Men", "daughter": "Women", "boy": "Men", "boys": "Men", "girl": "Women",
    "girls": "Women", "gal": "Women", "gals": "Women", "dude": "Men", "fella": "Men", "lad": "Men",
    "lads": "Men", "grandpa": "Men", "grandma": "Women", "uncle": "Men", "aunt": "Women", "auntie": "Women",
    "nephew": "Men", "niece": "Women", "fiance": "Men", "fiancee": "Women", "menswear": "Men",
    "womenswear": "Women", "gentleman": "Men", "madam": "Women", "nan": "Women", "nana": "Women",
    "granny": "Women", "grandmother": "Women", "grandfather": "Men", "grandad": "Men", "granddad": "Men",
    "bloke": "Men", "blokes": "Men", "chap": "Men", "unisex": "Unisex", "ladys": "Women", "lady's": "Women",
    "gents": "Men", "gent": "Men", "boyf": "Men", "girlf": "Women",
}
SIZE_SYNONYMS = {"extra small": "XS", "xsmall": "XS", "x-small": "XS", "small": "S", "sml": "S", "lrg": "L",
                 "medium": "M", "med": "M", "large": "L", "extra large": "XL", "xlarge": "XL",
                 "x-large": "XL"}
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100,
}
MAX_PRICE = 10_000.0


class VocabularyError(ValueError):
    """A value that cannot be mapped; the message lists the valid values."""


@dataclass
class Normalised:
    value: object
    note: str | None = None   # set when the value was mapped from something else


def nearest_colour(rgb: tuple, candidates: list[str]) -> str:
    """Nearest catalog colour by hue for chromatic colours, by lightness for greys."""
    h, sat, v = colorsys.rgb_to_hsv(*(x / 255 for x in rgb))

    def distance(name: str) -> float:
        ch, cs, cv = colorsys.rgb_to_hsv(*(x / 255 for x in CATALOG_RGB[name]))
        if sat < 0.2 or cs < 0.2:  # greys match greys, by lightness
            return abs(v - cv) + (0 if (sat < 0.2) == (cs < 0.2) else 2)
        hue = min(abs(h - ch), 1 - abs(h - ch))
        return 6 * hue + abs(sat - cs) + 0.2 * abs(v - cv)
    return min(candidates, key=distance)


def singular(word: str) -> str:
    word = word.strip().lower()
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("xes", "x"), ("ches", "ch"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


def parse_number(text: str) -> float | None:
    """'$49.99', '50 bucks', 'fifty', 'sixty five', '1,200', '80k'? -> a float, or None."""
    text = str(text).lower().replace(",", "").strip()
    match = re.search(r"-?\d+(?:\.\d+)?", text)
    if match:
        value = float(match.group())
        if re.search(r"\d\s*k\b", text):
            value *= 1000
        return value
    total, seen = 0, False
    for word in re.findall(r"[a-z]+", text):
        if word in NUMBER_WORDS:
            n = NUMBER_WORDS[word]
            total = total * n if n == 100 and total else total + n
            seen = True
        elif seen and word not in ("and", "dollars", "dollar", "bucks", "usd"):
            break
    return float(total) if seen else None


@dataclass
class Vocabulary:
    """Catalog values per field, with the mapping from shopper words to them."""
    colors: list[str]
    categories: list[str]          # every component of every category path
    genders: list[str]
    sizes: list[str]
    materials: list[str]
    patterns: list[str]
    activities: list[str]
    styles: list[str] = field(default_factory=list)

    @classmethod
    def from_catalog(cls, catalog) -> "Vocabulary":
        genders = set(catalog.values("gender"))  # "Men/..." paths: gender is its own field
        parts = sorted({part for p in catalog.all() for part in p.category_path.split("/")} - genders)
        return cls(colors=catalog.values("color"), categories=parts, genders=catalog.values("gender"),
                   sizes=catalog.values("sizes"), materials=catalog.values("material"),
                   patterns=catalog.values("pattern"), activities=catalog.values("activity"),
                   styles=catalog.values("style"))

    # -- single fields --------------------------------------------------------------

    def color(self, raw: str) -> Normalised:
        word = re.sub(r"[^a-z]", "", str(raw).lower())
        for colour in self.colors:
            if word == colour.lower() or singular(word) == colour.lower():
                return Normalised(colour)
        if word in COLOUR_SYNONYMS and COLOUR_SYNONYMS[word] in self.colors:
            target = COLOUR_SYNONYMS[word]
            if word in COLOUR_SPELLINGS:  # the same colour spelled another way: nothing to say
                return Normalised(target)
            return Normalised(target, f"'{raw}' is not a catalog colour; using the nearest, {target}")
        if word in NAMED_RGB and any(c in CATALOG_RGB for c in self.colors):
            target = nearest_colour(NAMED_RGB[word], [c for c in self.colors if c in CATALOG_RGB])
            return Normalised(target, f"'{raw}' is not a catalog colour; using the nearest, {target}")
        # Only synonyms of colours this catalog has: another retailer's may lack Blue (no "navy").
        landing = [w for w, target in COLOUR_SYNONYMS.items() if target in self.colors]
        close = difflib.get_close_matches(word, [c.lower() for c in self.colors] + landing, 1, 0.8)
        if close:
            return self.color(close[0])
        raise VocabularyError(f"unknown colour '{raw}'; valid colours: {', '.join(self.colors)}")

    def category(self, raw: str) -> Normalised:
        """One or more catalog categories (a list) for a shopper's word. The synonym table was
        written for the Luma catalog: a synonym counts only for the categories this catalog has,
        so another retailer's own "Shirts" is not read as Luma's Tees."""
        if str(raw).strip() in self.categories:  # a catalog value stays itself ("Tanks" is not also "Bras & Tanks")
            return Normalised([str(raw).strip()])
        text = str(raw).strip().lower().replace("’", "'")
        synonyms = self._category_synonyms
        if singular(text) in synonyms:  # "tanks" means men's Tanks and women's Bras & Tanks
            return Normalised(synonyms[singular(text)])
        for cat in self.categories:
            if text in (cat.lower(), singular(cat)) or singular(text) == singular(cat):
                return Normalised([cat])
        key = singular(text.replace("-", " ")) if text.replace("-", " ") not in synonyms else text.replace("-", " ")
        for candidate in (text, key, singular(text)):
            if candidate in synonyms:
                return Normalised(synonyms[candidate])
        kin = self._kindred_categories(text)
        if kin:  # "jacket" in a catalog whose jackets are its "Outerwear"
            return Normalised(kin, f"'{raw}' read as {', '.join(kin)}")
        close = difflib.get_close_matches(singular(text), [c.lower() for c in self.categories] + list(synonyms), 1, 0.8)
        if close:
            mapped = self.category(close[0])
            return Normalised(mapped.value, f"'{raw}' read as {', '.join(mapped.value)}")
        raise VocabularyError(f"unknown category '{raw}'; valid categories: {', '.join(self.categories)}")

    @cached_property
    def _category_synonyms(self) -> dict[str, list[str]]:
        """CATEGORY_SYNONYMS narrowed to this catalog's categories (all of it for Luma's)."""
        mine = set(self.categories)
        narrowed = {word: [c for c in cats if c in mine] for word, cats in CATEGORY_SYNONYMS.items()}
        return {word: cats for word, cats in narrowed.items() if cats}

    def _kindred_categories(self, text: str) -> list[str]:
        """This catalog's categories named by another word of the same synonym group as `text`:
        "jacket" and "outerwear" both mean Luma's Jackets, so "jacket" finds an "Outerwear"."""
        words = {w for w in (text, singular(text), text.replace("-", " "), singular(text.replace("-", " ")))}
        meant = {c for w in words for c in CATEGORY_SYNONYMS.get(w, [])}
        if not meant:
            return []
        group = {w for w, cats in CATEGORY_SYNONYMS.items() if meant & set(cats)} | {c.lower() for c in meant}
        return [cat for cat in self.categories if singular(cat.lower()) in group or cat.lower() in group]

    def gender(self, raw: str) -> Normalised:
        word = str(raw).strip().lower()
        if word in GENDER_SYNONYMS:
            return Normalised(GENDER_SYNONYMS[word])
        raise VocabularyError(f"unknown gender '{raw}'; valid values: {', '.join(self.genders)}")

    def size(self, raw: str) -> Normalised:
        text = str(raw).strip().lower()
        for size in self.sizes:
            if text == size.lower():
                return Normalised(size)
        if text in SIZE_SYNONYMS:
            return Normalised(SIZE_SYNONYMS[text])
        raise VocabularyError(f"unknown size '{raw}'; valid sizes: {', '.join(self.sizes)}")

    def one_of(self, raw: str, values: list[str], what: str) -> Normalised:
        """A value of a catalog list: exact, singular, contained ("cotton"), or a close spelling."""
        text = str(raw).strip().lower()
        for value in values:
            if text == value.lower() or singular(text) == singular(value):
                return Normalised(value)
        hits = [v for v in values if text and text in v.lower()]
        if hits:
            return Normalised(text)  # substring match: 'cotton' matches Cotton and Organic Cotton
        close = difflib.get_close_matches(text, [v.lower() for v in values], 1, 0.8)
        if close:
            value = next(v for v in values if v.lower() == close[0])
            return Normalised(value, f"'{raw}' read as {value}")
        raise VocabularyError(f"unknown {what} '{raw}'; valid values: {', '.join(values)}")

    def material(self, raw: str) -> Normalised:
        return self.one_of(raw, self.materials, "material")

    def pattern(self, raw: str) -> Normalised:
        return self.one_of(raw, self.patterns, "pattern")

    def activity(self, raw: str) -> Normalised:
        return self.one_of(raw, self.activities, "activity")

    @staticmethod
    def price(raw) -> Normalised:
        value = raw if isinstance(raw, (int, float)) else parse_number(str(raw))
        if value is None:
            raise VocabularyError(f"could not read a price from '{raw}'")
        value = float(value)
        if value < 0:
            raise VocabularyError(f"a price cannot be negative ({raw})")
        if value > MAX_PRICE:
            raise VocabularyError(f"{raw} is far above any catalog price (the maximum we accept is ${MAX_PRICE:,.0f})")
        return Normalised(round(value, 2))
