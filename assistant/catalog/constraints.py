"""The constraint fields, each declared once: a shopper's hard requirement from word to SQL to explanation.

A constraint ("women's", "in blue", "under $60", "made of cotton") is one entry of FIELDS. The
entry says how a shopper's (or the chat model's) word becomes a catalog value, how the catalog
tests it (SQL over `products p`, and the same test in Python as a guard on every result), how an
explanation says it was met, whether it survives a change of category, which words the
dialogue-state tracker reads for it, which catalog values the tuned decoder may write, how a
reply's lead line says it, and which tools take it as an argument. The Constraints record, the
tools' argument schemas, the filter, the tracker and the decoder's value lists are all derived
from this table, so adding a field is adding an entry here.
"""
from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field as dataclass_field, make_dataclass
from typing import Annotated, Callable, Optional, Union

from assistant.catalog.vocabulary import CATEGORY_SYNONYMS, Normalised, Vocabulary

ALL_TOOLS = ("search", "catalog_filter", "recommend")
FILTER_TOOLS = ("search", "catalog_filter")


# -- how the catalog tests a value -------------------------------------------------------------

# The SQL runs on SQLite and on PostgreSQL (assistant/storage.py), so it is written in what both
# read alike: case is ignored by comparing lower() of both sides (SQLite's NOCASE and LIKE are
# case-blind, PostgreSQL's = and LIKE are not).

def _attribute_sql(name: str, value: str, partial: bool = False) -> tuple[str, list]:
    """A row of product_attrs (multi-valued attributes and flags) with this value, in any case."""
    op = "LIKE" if partial else "="
    return ("EXISTS (SELECT 1 FROM product_attrs a WHERE a.product_id = p.id AND a.field = ? "
            f"AND lower(a.value) {op} lower(?))", [name, f"%{value}%" if partial else value])


class Predicate:
    """How the catalog tests one field's value: a parameterised SQL clause over `products p`, the
    same test in Python, and the evidence that a product meets it (the rule as said, and the
    product's own value, so an explanation quotes the product rather than the request)."""

    def applies(self, value) -> bool:
        return bool(value)  # None, "", [] and False ask for nothing

    def sql(self, value) -> tuple[str, list]:
        raise NotImplementedError

    def holds(self, product, value) -> bool:
        raise NotImplementedError

    def evidence_field(self, name: str) -> str:
        """The field its evidence names (both price bounds are about "price")."""
        return name

    def fact(self, product, value) -> tuple[str, object]:
        """(the rule as said, the product's own value)."""
        return str(value), self.product_value(product)

    def product_value(self, product):
        raise NotImplementedError

    def phrase(self, field: str, rule: str, value) -> str:
        """The clause of an explanation: "color Blue", "size M, M/L"."""
        if isinstance(value, (list, tuple)):  # sizes, materials: name the ones the rule asked for
            shown = [v for v in value if rule.lower() in v.lower()] or value
            return f"{field} {', '.join(shown)}"
        return f"{field} {value}"

    def brief(self, field: str, rule: str, value) -> str:
        """The same fact in the few words of a shopper-facing sentence: "red", "size M"; "" when
        the product's name already says it (its category)."""
        if isinstance(value, (list, tuple)):
            shown = [v for v in value if rule.lower() in v.lower()] or list(value)[:1]
            return f"{field} {shown[0]}" if field == "size" else shown[0].lower()
        return str(value).lower()


@dataclass(frozen=True)
class Equals(Predicate):
    """A product column equals the value; `anyway` is a column value that always qualifies."""
    column: str
    nocase: bool = False
    anyway: str | None = None
    possessive: bool = False   # said as "women's" in a sentence

    def brief(self, field, rule, value):
        own = str(value).lower()
        return f"{own}'s" if self.possessive and value in ("Men", "Women") else own

    def sql(self, value):
        if self.anyway is not None:
            return f"p.{self.column} IN (?, '{self.anyway}')", [value]
        return (f"lower(p.{self.column}) = lower(?)" if self.nocase else f"p.{self.column} = ?"), [value]

    def holds(self, product, value):
        own = getattr(product, self.column)
        if self.nocase:
            return (own or "").lower() == value.lower()
        return own == value or (self.anyway is not None and own == self.anyway)

    def product_value(self, product):
        return getattr(product, self.column)


@dataclass(frozen=True)
class Contains(Predicate):
    """A text column contains the value, in any case ("striped" in "Striped")."""
    column: str

    def sql(self, value):
        return f"lower(p.{self.column}) LIKE lower(?)", [f"%{value}%"]

    def holds(self, product, value):
        return value.lower() in (getattr(product, self.column) or "").lower()

    def product_value(self, product):
        return getattr(product, self.column)


@dataclass(frozen=True)
class InList(Predicate):
    """A multi-valued attribute (a Product list, mirrored as rows of product_attrs) holds the value;
    `partial`: or a value containing it ("cotton" is in "Organic Cotton")."""
    attribute: str
    partial: bool = False

    def sql(self, value):
        return _attribute_sql(self.attribute, value, self.partial)

    def holds(self, product, value):
        values = getattr(product, self.attribute)
        if self.partial:
            return any(value.lower() in v.lower() for v in values)
        return value in values

    def product_value(self, product):
        return tuple(getattr(product, self.attribute))


@dataclass(frozen=True)
class InCategory(Predicate):
    """The category path has one of the categories (a shopper's word may stand for several)."""

    def sql(self, value):
        return ("(" + " OR ".join("lower('/' || p.category_path || '/') LIKE lower(?)" for _ in value) + ")",
                [f"%/{category}/%" for category in value])

    def holds(self, product, value):
        return any(category in product.category_path.split("/") for category in value)

    def fact(self, product, value):
        return " or ".join(value), product.category_path

    def product_value(self, product):
        return product.category

    def phrase(self, field, rule, value):
        return f"category {value.replace('/', ' > ')}"

    def brief(self, field, rule, value):
        return ""  # the product's name says what it is


@dataclass(frozen=True)
class PriceBound(Predicate):
    """A lowest (">=") or highest ("<=") price; $0 is a bound too."""
    op: str

    def applies(self, value):
        return value is not None

    def sql(self, value):
        return f"p.price {self.op} ?", [value]

    def holds(self, product, value):
        return product.price >= value if self.op == ">=" else product.price <= value

    def evidence_field(self, name):
        return "price"

    def product_value(self, product):
        return product.price

    def fact(self, product, value):
        return f"{self.op} ${value:.2f}", product.price

    def phrase(self, field, rule, value):
        return f"${value:.2f} ({rule.replace('<=', 'at most').replace('>=', 'at least')})"

    def brief(self, field, rule, value):
        limit = rule.split()[-1]
        return f"${value:.2f} " + (f"within your {limit}" if rule.startswith("<=") else f"above your {limit} minimum")


@dataclass(frozen=True)
class Flag(Predicate):
    """A yes/no property of the product, stored as a product_attrs row "yes" or (`column`) a 0/1 column."""
    attribute: str
    label: str           # how an explanation says it: "eco collection"
    column: bool = False

    def sql(self, value):
        return (f"p.{self.attribute} = 1", []) if self.column else _attribute_sql(self.attribute, "yes")

    def holds(self, product, value):
        return bool(getattr(product, self.attribute))

    def product_value(self, product):
        return "yes" if self.holds(product, True) else "no"

    def fact(self, product, value):
        return "yes", True

    def phrase(self, field, rule, value):
        return self.label

    def brief(self, field, rule, value):
        return self.label


@dataclass(frozen=True)
class Mentions(Predicate):
    """The product's name or style names the word ("hood" in "Hooded", "zip" in "Full-Zip")."""

    def sql(self, value):
        clauses, params = [], []
        for spelling in FEATURE_SPELLINGS.get(value.lower(), (value,)):
            style, style_params = _attribute_sql("style", spelling, partial=True)
            clauses.append(f"lower(p.name) LIKE lower(?) OR {style}")
            params += [f"%{spelling}%", *style_params]
        return "(" + " OR ".join(clauses) + ")", params

    def holds(self, product, value):
        return any(spelling.lower() in text.lower() for spelling in FEATURE_SPELLINGS.get(value.lower(), (value,))
                   for text in (product.name, *product.style))

    def product_value(self, product):
        return product.name


@dataclass(frozen=True)
class Excludes(Predicate):
    """None of the values: "not black", "no hoodies", "without the zip". It wraps the field's own
    test, so an exclusion is tested exactly as the value it leaves out would be."""
    of: Predicate
    takes_list: bool = False   # the wrapped test takes all values at once (categories)
    says_own: bool = True      # the explanation quotes the product's own value ("not black (Blue)")

    def _tests(self, values):
        return [values] if self.takes_list else values

    def sql(self, values):
        parts = [self.of.sql(v) for v in self._tests(values)]
        # COALESCE: a product with no value (a bag has no colour) is not that value, so it stays.
        return "NOT COALESCE((" + " OR ".join(c for c, _ in parts) + "), FALSE)", [a for _, args in parts for a in args]

    def holds(self, product, values):
        return not any(self.of.holds(product, v) for v in self._tests(values))

    def fact(self, product, values):
        return "not " + " or ".join(values), self.of.product_value(product)

    def product_value(self, product):
        return self.of.product_value(product)

    def phrase(self, field, rule, value):
        own = f" ({value})" if self.says_own and isinstance(value, str) and value else ""
        return f"{rule.lower()}{own}, as you asked"

    def brief(self, field, rule, value):
        return rule.lower()


def as_list(value) -> list:
    """One value or several, as a list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


# -- how a value is read and said ---------------------------------------------------------------

@dataclass(frozen=True)
class ByVocabulary:
    """Maps a shopper's value to the catalog's with the Vocabulary method of this name ("navy" -> Blue)."""
    method: str

    def __call__(self, vocab: Vocabulary, raw) -> Normalised:
        return getattr(vocab, self.method)(raw)


def yes_no(vocab: Vocabulary, raw) -> Normalised:
    """A flag as the chat model may write it: true, "yes", "1"."""
    return Normalised(raw if isinstance(raw, bool) else str(raw).lower() in ("true", "yes", "1"))


@dataclass(frozen=True)
class Said:
    """How a reply's lead line says a field ("women's red jackets under $60"): its words go
    "before" the noun, are the "noun", or go "after" it; None says nothing."""
    where: str
    words: Callable[["Constraints"], str | None]


@dataclass(frozen=True)
class Field:
    """One constraint field; see the module docstring for what each part is used for."""
    name: str
    value_type: object                       # the catalog value's type: str, list[str], float or bool
    to_catalog: Callable[[Vocabulary, object], Normalised]  # raises VocabularyError for a value that maps to nothing
    predicate: Predicate
    description: str                         # the tool argument's description (a tool's docstring may reword it)
    _: KW_ONLY
    carries_over: bool                       # kept when the shopper moves on to another category
    tools: tuple[str, ...] = FILTER_TOOLS    # the tools that take it as an argument
    arg_type: object = None                  # the argument's type in the tools' schemas; None: Optional[value_type]
    words: tuple[str, ...] = ()              # words that name the field: "any colour", "forget the price"
    reads: str | dict | None = None          # the tracker's grammar reader for it (by name), or phrases it
                                             # reads as values (the first phrase found wins); None: not read
    options: Callable[[Vocabulary], list[str]] | None = None  # the values the tuned decoder may write
    said: Said | None = None                 # how a reply's lead line says it; None: not said
    several: bool = False                    # takes a list meaning any of them ("green or blue", "M or L")
    excludable: bool = False                 # has a not_<name> companion ("not black"); see `exclusion`

    @property
    def argument(self):
        """The tool argument's annotation: its type, described (langchain reads the description)."""
        default = Union[self.value_type, list[self.value_type], None] if self.several else Optional[self.value_type]
        return Annotated[self.arg_type or default, self.description]

    @property
    def is_list(self) -> bool:
        return self.value_type == list[str]

    def _any_of(self, value) -> bool:
        return self.several and isinstance(value, (list, tuple))

    def sql(self, value) -> tuple[str, list]:
        """The catalog test of a value; several values of a one-value field: any of them."""
        if self._any_of(value):
            parts = [self.predicate.sql(v) for v in value]
            return "(" + " OR ".join(c for c, _ in parts) + ")", [a for _, args in parts for a in args]
        return self.predicate.sql(value)

    def holds(self, product, value) -> bool:
        if self._any_of(value):
            return any(self.predicate.holds(product, v) for v in value)
        return self.predicate.holds(product, value)

    def evidence(self, product, value) -> tuple[str, str, object]:
        """(field, rule, the product's own value) of the fact that `product` meets `value`."""
        if self._any_of(value):  # said as the value it has ("color Green" for "green or blue")
            value = next((v for v in value if self.predicate.holds(product, v)), value[0])
        return (self.predicate.evidence_field(self.name), *self.predicate.fact(product, value))


def _categories(vocab: Vocabulary) -> list[str]:
    """Catalog categories, and the pairs one word stands for (tank tops for men and women as
    "Tanks/Bras & Tanks", as the tuned model writes them)."""
    return list(vocab.categories) + sorted({"/".join(v) for v in CATEGORY_SYNONYMS.values() if len(v) > 1})


MATERIALS = ("organic cotton", "cotton", "wool", "fleece", "nylon", "polyester", "hemp", "spandex", "lycra", "mesh",
             "linen", "rayon", "microfiber", "jersey", "tencel", "canvas", "leather", "cooltech", "lumatech",
             "heattec", "evercool", "cocona", "plastic", "silicone", "rubber", "metal", "stainless steel", "steel",
             "suede", "foam", "synthetic")  # "organic cotton" before "cotton": the first found wins
PATTERNS = {"graphic": "Graphic Print", "colour-blocked": "Color-Blocked", "color-blocked": "Color-Blocked",
            "plaid": "Checked", "checked": "Checked", "solid": "Solid", "stripes": "Striped",
            "striped": "Striped"}  # the first found wins: "solid graphic tee" is Graphic Print
PRICE_WORDS = ("price", "budget", "cost", "money")

FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("gender", str, ByVocabulary("gender"), Equals("gender", anyway="Unisex", possessive=True), "Men, Women or Unisex.",
          carries_over=True, tools=ALL_TOOLS, words=("gender",), reads="gender",
          options=lambda vocab: list(vocab.genders),
          said=Said("before", lambda c: f"{c.gender.lower()}'s" if c.gender in ("Men", "Women") else None)),
    Field("category", list[str], ByVocabulary("category"), InCategory(), "e.g. Jackets, Tees, Pants, Shorts, Bags.",
          carries_over=True, tools=ALL_TOOLS, arg_type=Union[str, list[str], None], words=("category", "type"),
          reads="category", options=_categories, excludable=True,
          said=Said("noun", lambda c: " / ".join(x.lower() for x in c.category))),
    Field("color", str, ByVocabulary("color"), Equals("color", nocase=True), "e.g. Red, Blue, Black.",
          carries_over=False, tools=ALL_TOOLS, words=("colour", "color"), reads="colour",
          options=lambda vocab: list(vocab.colors), several=True, excludable=True,
          said=Said("before", lambda c: " or ".join(v.lower() for v in as_list(c.color)))),
    Field("size", str, ByVocabulary("size"), InList("sizes"), "e.g. S, M, L, 32.",
          carries_over=False, words=("size",), reads="size", options=lambda vocab: list(vocab.sizes), several=True),
    Field("material", str, ByVocabulary("material"), InList("material", partial=True), "e.g. Cotton, Wool.",
          carries_over=False, words=("material", "fabric"), reads={**{m: m for m in MATERIALS}, "merino": "wool"},
          options=lambda vocab: list(vocab.materials), several=True, excludable=True),
    Field("pattern", str, ByVocabulary("pattern"), Contains("pattern"), "e.g. Solid, Striped.",
          carries_over=False, words=("pattern",), reads=PATTERNS, options=lambda vocab: list(vocab.patterns),
          excludable=True),
    Field("activity", str, ByVocabulary("activity"), InList("activity", partial=True),
          "e.g. Yoga, Running, Gym (gear).", carries_over=True, tools=("catalog_filter",),
          options=lambda vocab: list(vocab.activities)),
    Field("price_min", float, ByVocabulary("price"), PriceBound(">="), "lowest price in dollars.",
          carries_over=False, words=PRICE_WORDS, reads="price",
          said=Said("after", lambda c: f"over ${c.price_min:.0f}" if c.price_max is None else None)),
    Field("price_max", float, ByVocabulary("price"), PriceBound("<="), "highest price in dollars.",
          carries_over=False, tools=ALL_TOOLS, words=PRICE_WORDS, reads="price",
          said=Said("after", lambda c: f"under ${c.price_max:.0f}" if c.price_min is None
                    else f"between ${c.price_min:.0f} and ${c.price_max:.0f}")),
    Field("eco", bool, yes_no, Flag("eco_collection", "eco collection"), "only eco-collection products.",
          carries_over=True, words=("eco",),
          reads=dict.fromkeys(("eco", "eco-friendly", "sustainable", "environmentally"), True)),
    Field("on_sale", bool, yes_no, Flag("sale", "on sale"), "only products on sale.",
          carries_over=True, words=("sale",), reads=dict.fromkeys(("on sale", "discounted", "in the sale"), True)),
    Field("in_stock", bool, yes_no, Flag("in_stock", "in stock", column=True), "only products in stock.",
          carries_over=True, reads={"in stock": True}),
)}


def exclusion(f: Field) -> Field:
    """The not_<name> companion of an excludable field: values to leave out, tested as the field
    tests them, kept when the shopper moves to another category (a colour they dislike stays
    disliked), dropped with the field's own words ("any colour")."""
    def to_catalog(vocab, raw):
        return Normalised(as_list(f.to_catalog(vocab, raw).value))
    name = f"not_{f.name}"
    return Field(name, list[str], to_catalog, Excludes(f.predicate, takes_list=f.is_list),
                 f"{f.name} values to leave out, " + f.description, carries_over=True, tools=ALL_TOOLS,
                 words=f.words, options=f.options, said=_said_not(name))


def _said_not(name: str) -> Said:
    return Said("after", lambda c: "not " + " or ".join(v.lower() for v in getattr(c, name)))


# Features named only to be left out: "no hoods", "without the zip" (the name or style names them).
FEATURE_WORDS = {"hood": "hood", "hoods": "hood", "hooded": "hood", "zip": "zip", "zips": "zip", "zipper": "zip",
                 "zippers": "zip", "zipped": "zip", "pocket": "pocket", "pockets": "pocket", "sleeves": "sleeve",
                 "sleeve": "sleeve", "logo": "logo", "logos": "logo", "hoodie": "hood", "hoodies": "hood", "hoody": "hood"}
# The ways product names write one feature: "v-neck" is also Luma's "V-Tee".
FEATURE_SPELLINGS = {"v-neck": ("v-neck", "v-tee", "vneck"), "crew-neck": ("crew-neck", "crewneck")}
FIELDS.update({e.name: e for e in (exclusion(f) for f in list(FIELDS.values()) if f.excludable)})
FIELDS["not_feature"] = Field(
    "not_feature", list[str], lambda vocab, raw: Normalised(as_list(str(raw).lower())),
    Excludes(Mentions(), says_own=False), "features to leave out, e.g. hood, zip.", carries_over=True,
    tools=ALL_TOOLS, words=("feature",), said=_said_not("not_feature"),
    options=lambda vocab: sorted(set(FEATURE_WORDS.values())))
EXCLUSIONS = tuple(name for name in FIELDS if name.startswith("not_"))


# -- the record --------------------------------------------------------------------------------

class ConstraintValues:
    """What a Constraints record does; its fields (one per entry of FIELDS, None = unset) are
    generated below. Records are immutable: a change makes a new one.

    The order values were set in is kept: the dialogue state persists it (`to_dict`), and the tuned
    model's prompt lists the constraints in that order (its training dialogues were rendered from
    the same state, folded by the same tracker)."""

    def __post_init__(self):
        for name in FIELDS:  # a list given is copied, so the caller's later edits cannot reach it
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, list(getattr(self, name)))
        object.__setattr__(self, "_order", tuple(n for n in FIELDS if getattr(self, n) is not None))

    @classmethod
    def from_dict(cls, values: dict) -> "Constraints":
        """From the JSON form, keeping its order; None is unset; an unknown name raises TypeError."""
        record = cls(**values)
        object.__setattr__(record, "_order", tuple(n for n, v in values.items() if v is not None))
        return record

    def to_dict(self) -> dict:
        """The values set, in the order they were set (the JSON form)."""
        return {name: getattr(self, name) if not isinstance(getattr(self, name), list) else list(getattr(self, name))
                for name in self._order}

    def active(self) -> dict:
        """The values that ask for something (not None, [] or False), in table order."""
        return {name: value for name in FIELDS if (value := getattr(self, name)) not in (None, [], False)}

    def get(self, name: str):
        return getattr(self, name) if name in FIELDS else None

    def __contains__(self, name: str) -> bool:
        return name in self._order

    def updated(self, values: dict) -> "Constraints":
        """New values win; a name not set before goes last (as a dict update does)."""
        return type(self).from_dict({**self.to_dict(), **values})

    def without(self, *names: str) -> "Constraints":
        return type(self).from_dict({k: v for k, v in self.to_dict().items() if k not in names})

    def __repr__(self) -> str:
        return f"Constraints({', '.join(f'{k}={v!r}' for k, v in self.to_dict().items())})"


Constraints = make_dataclass(
    "Constraints", [(f.name, Optional[f.value_type], dataclass_field(default=None)) for f in FIELDS.values()],
    bases=(ConstraintValues,), frozen=True, repr=False,
    namespace={"__module__": __name__, "__doc__": "The shopper's hard constraints in catalog terms, one "
               "attribute per entry of FIELDS; None means no constraint."})


def drop_crossed_prices(values: dict) -> str | None:
    """A lowest price above the highest is never searched for: both bounds leave `values` (a dict
    of field -> value) and the error to say back to the shopper is returned."""
    low, high = values.get("price_min"), values.get("price_max")
    if low is None or high is None or low <= high:
        return None
    del values["price_min"], values["price_max"]
    return f"the minimum price ${low:.2f} is above the maximum ${high:.2f}"


def _said_by(field: str) -> Predicate:
    """The predicate of a ConstraintMet fact's evidence field; a field no longer in the table (a
    session saved before it went) is said plainly."""
    return next((f.predicate for f in FIELDS.values() if f.predicate.evidence_field(f.name) == field), Predicate())


def constraint_phrase(field: str, rule: str, value) -> str:
    """The evidence clause of a ConstraintMet fact (tools/evidence.py): "color Blue"."""
    return _said_by(field).phrase(field, rule, value)


def constraint_brief(field: str, rule: str, value) -> str:
    """The same in a shopper-facing sentence: "blue"."""
    return _said_by(field).brief(field, rule, value)


def describe(c: "Constraints", topic: str) -> str:
    """The reply's lead line from the active constraints: "women's red jackets under $60"."""
    words = {"before": [], "noun": [], "after": []}
    for f in FIELDS.values():
        if f.said is not None and f.predicate.applies(getattr(c, f.name)) and (said := f.said.words(c)):
            words[f.said.where].append(said)
    return " ".join(words["before"] + (words["noun"] or [topic or "products"]) + words["after"])
