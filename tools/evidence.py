"""Evidence: the facts a tool records for each item it returns, one frozen dataclass per kind.

Each fact says itself twice: `phrase()` is the full clause of the evidence a shopper can open
(scores included), `brief()` the few words the item's one-sentence explanation uses
(assistant/explain.py composes it; "" when the sentence leaves the fact out). It carries its `kind` as a field, so `dataclasses.asdict` (the dialogue state, the
`--json` reply) keeps the tag and `from_dict` can rebuild the fact from its JSON form.
Facts are never edited: a tool that needs a different fact makes a new one (`dataclasses.replace`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from assistant.catalog.constraints import constraint_brief, constraint_phrase


class Evidence:
    """Base of every fact; `kind` is the tag of its JSON form."""
    kind: str

    def __post_init__(self) -> None:
        # A list a producer passes (a product's sizes, the photos) is kept as a tuple: facts never change.
        for f in dataclasses.fields(self):
            if isinstance(value := getattr(self, f.name), list):
                object.__setattr__(self, f.name, tuple(value))

    def phrase(self) -> str:
        """The clause this fact contributes to the item's evidence ("" for none)."""
        raise NotImplementedError

    def brief(self) -> str:
        """The fact in a shopper-facing sentence ("" to leave it out)."""
        return ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, **dataclasses.asdict(self)}


MAX_QUOTED_WORDS = 3


def _tag(kind: str):
    """The `kind` field: set by the class, not by the caller."""
    return dataclasses.field(default=kind, init=False)


@dataclass(frozen=True)
class ConstraintMet(Evidence):
    """The product meets one constraint the shopper stated; `value` is the product's own value."""
    field: str
    rule: str
    value: object
    kind: str = _tag("constraint")

    def phrase(self) -> str:
        return constraint_phrase(self.field, self.rule, self.value)  # each field's own (the constraint table)

    def brief(self) -> str:
        return constraint_brief(self.field, self.rule, self.value)


@dataclass(frozen=True)
class PhotoCategory(Evidence):
    """The category was read from the shopper's photos, not stated by them: surely enough to
    filter on (`probability` None), or only as a likely reading that ranked the item higher."""
    value: str
    photos: tuple[str, ...]
    probability: float | None = None
    kind: str = _tag("photo_category")

    def phrase(self) -> str:
        category, photos = self.value.split('/')[-1], ' and '.join(self.photos)
        if self.probability is None:
            return f"{category}, the kind of item {photos} shows"
        return f"{category}, the kind of item {photos} may show ({self.probability:.0%} likely)"

    def brief(self) -> str:
        photos = " and ".join(self.photos)
        return f"the kind of item {photos} shows" if self.probability is None else f"likely the kind {photos} shows"


@dataclass(frozen=True)
class Match(Evidence):
    """Where the query's retrieval placed the product, and the words of the query it contains."""
    query: str
    rank: int
    matched_terms: tuple[str, ...] = ()
    text_similarity: float | None = None
    keyword_rank: int | None = None
    kind: str = _tag("match")

    def phrase(self) -> str:
        bits = []
        if self.matched_terms:
            bits.append("mentions " + ", ".join(f"'{t}'" for t in self.matched_terms))
        if self.text_similarity is not None:
            bits.append(f"text similarity {self.text_similarity:.2f}")
        return f"ranked #{self.rank} for \"{self.query}\" ({'; '.join(bits)})" if bits else ""

    def brief(self) -> str:
        # A query the shopper could recognise is quoted; a long one is their words, not a quote.
        words = f"\u201c{self.query}\u201d" if len(self.query.split()) <= MAX_QUOTED_WORDS else "your words"
        return f"{_place(self.rank, 'best match', 'match')} for {words}"


@dataclass(frozen=True)
class PhotoMatch(Evidence):
    """The product's image compared with the shopper's photos (cosine of the image embeddings)."""
    photos: tuple[str, ...]
    rank: int
    image_similarity: float
    kind: str = _tag("photo")

    def phrase(self) -> str:
        photos = " and ".join(self.photos)
        # A likeness is claimed only when the score supports one: a cosine at or below zero
        # means the images are no closer than unrelated ones, so the fact says so instead.
        if self.image_similarity > 0:
            return f"looks like {photos} (image similarity {self.image_similarity:.2f})"
        return f"not a visual match for {photos} (image similarity {self.image_similarity:.2f})"

    def brief(self) -> str:
        photos = " and ".join(self.photos)
        if self.image_similarity > 0:
            return f"{_place(self.rank, 'closest')} look-alike of {photos}"
        return f"not a close look-alike of {photos}"


@dataclass(frozen=True)
class Anchored(Evidence):
    """A fact about the product's relation to another item, the anchor (a sku and its name)."""
    anchor: str
    anchor_name: str


LINK_BRIEFS = {"cross-sell": "the store pairs it with the {anchor}", "related": "related to the {anchor}",
               "up-sell": "a step up from the {anchor}"}
LINK_PHRASES = {"cross-sell": "goes with {anchor} (the store pairs them: cross-sell)",
                "related": "related to {anchor} (store link)",
                "up-sell": "a step up from {anchor} (up-sell)"}


@dataclass(frozen=True)
class Link(Anchored):
    """A merchandising link the store set from the anchor to the product."""
    type: str  # one of LINK_PHRASES
    kind: str = _tag("link")

    def phrase(self) -> str:
        return LINK_PHRASES[self.type].format(anchor=self.anchor_name)

    def brief(self) -> str:
        return LINK_BRIEFS[self.type].format(anchor=self.anchor_name)


@dataclass(frozen=True)
class Similar(Anchored):
    """A text-embedding neighbour of the anchor."""
    text_similarity: float
    kind: str = _tag("similar")

    def phrase(self) -> str:
        return f"similar to {self.anchor_name} (text similarity {self.text_similarity:.2f})"

    def brief(self) -> str:
        return f"similar to the {self.anchor_name}"


@dataclass(frozen=True)
class SessionSignal(Anchored):
    """Close to an item the shopper liked or asked about in this session (the anchor)."""
    signal: str  # "liked" | "asked"
    text_similarity: float
    kind: str = _tag("session")

    def phrase(self) -> str:
        why = "because you liked" if self.signal == "liked" else "close to what you asked about,"
        return f"{why} {self.anchor_name} (text similarity {self.text_similarity:.2f})"

    def brief(self) -> str:
        return f"like the {self.anchor_name} you {'liked' if self.signal == 'liked' else 'asked about'}"


@dataclass(frozen=True)
class SameProduct(Anchored):
    """A variant of the item the shopper pointed at ("the first one in purple"): listed first."""
    kind: str = _tag("same_product")

    def phrase(self) -> str:
        return f"the same product as the {self.anchor_name} you pointed at"

    def brief(self) -> str:
        return f"the {self.anchor_name} you pointed at"


@dataclass(frozen=True)
class OftenBoughtWith(Anchored):
    """The retailer's interaction log pairs the product with the anchor."""
    kind: str = _tag("often_bought_with")

    def phrase(self) -> str:
        return f"often bought with {self.anchor_name} (the store's interaction log)"

    def brief(self) -> str:
        return f"often bought with the {self.anchor_name}"


@dataclass(frozen=True)
class Popular(Evidence):
    """Chosen for a shopper with no reactions yet: by the log's shoppers, or by reviews."""
    source: str  # "log" | "reviews"
    shoppers: int | None = None
    mean: float | None = None
    count: int | None = None
    kind: str = _tag("popular")

    def phrase(self) -> str:
        if self.source == "log":
            return f"popular: {self.shoppers} shopper{'s' * (self.shoppers != 1)} in the store's log chose it"
        if self.count:
            return "among the best reviewed in the store"
        return "not reviewed yet (listed after the reviewed products)"

    def brief(self) -> str:
        if self.source == "log":
            return f"chosen by {self.shoppers} shopper{'s' * (self.shoppers != 1)} in the store"
        return "among the best reviewed" if self.count else ""


SORT_NAMES = {"rating": "rating", "price_asc": "lowest price", "price_desc": "highest price"}
SORT_SUPERLATIVES = {"rating": "best rated", "price_asc": "cheapest", "price_desc": "priciest"}


@dataclass(frozen=True)
class SortRank(Evidence):
    """The product's place in the catalog sorted by `by` (one of SORT_NAMES)."""
    by: str
    rank: int
    of: int
    kind: str = _tag("rank")

    def phrase(self) -> str:
        return f"#{self.rank} of {self.of} by {SORT_NAMES[self.by]}"

    def brief(self) -> str:
        return f"{_place(self.rank, SORT_SUPERLATIVES[self.by])} of {self.of}"


@dataclass(frozen=True)
class Rating(Evidence):
    """The product's review score."""
    mean: float
    count: int
    kind: str = _tag("rating")

    @classmethod
    def of(cls, product) -> list[Rating]:
        """The rating fact of `product`, or none when it has no reviews."""
        return [cls(product.rating, product.review_count)] if product.rating is not None else []

    def phrase(self) -> str:
        return f"rated {self.mean:.1f}/5 in {self.count} review{'s' * (self.count != 1)}"

    def brief(self) -> str:
        return f"rated {self.mean:.1f}/5 ({self.count} review{'s' * (self.count != 1)})"


@dataclass(frozen=True)
class SoldInColour(Evidence):
    """The shopper asked to see a product in a colour it is sold in: this is the real variant."""
    color: str
    kind: str = _tag("sold_in_colour")

    def phrase(self) -> str:
        return f"sold in {self.color.lower()}: this is the real product photo, not a render"

    def brief(self) -> str:
        return f"sold in {self.color.lower()} (a real photo)"


@dataclass(frozen=True)
class LooksLikeRender(Evidence):
    """A real product close to a generated render (cosine of image embeddings): generate-then-retrieve."""
    render: str              # what the render shows, e.g. "the Juno Jacket in teal"
    rank: int
    image_similarity: float
    kind: str = _tag("looks_like_render")

    def phrase(self) -> str:
        return (f"the real product #{self.rank} closest to the generated preview of {self.render} "
                f"(image similarity {self.image_similarity:.2f})")

    def brief(self) -> str:
        return f"{_place(self.rank, 'closest')} real product to the preview"


@dataclass(frozen=True)
class PlacedInPhoto(Evidence):
    """The product was placed into the shopper's photo as an approximate preview."""
    photo: str
    kind: str = _tag("placed_in_photo")

    def phrase(self) -> str:
        return f"placed into {self.photo} as an approximate preview"

    def brief(self) -> str:
        return f"shown in {self.photo} (a generated preview)"


@dataclass(frozen=True)
class Relaxed(Evidence):
    """No product met every constraint: this one meets all but `field` (tools/relaxation.py)."""
    field: str
    asked: str       # what the shopper asked for there: "Gray", "50.00", "Black" (left out)
    value: object    # the product's own value
    kind: str = _tag("relaxed")

    def phrase(self) -> str:
        differs = "the only thing that differs from your request"
        if self.field == "price_max":
            return f"${self.value:.2f}, ${self.value - float(self.asked):.2f} over your limit: {differs}"
        if self.field == "price_min":
            return f"${self.value:.2f}, ${float(self.asked) - self.value:.2f} under your minimum: {differs}"
        if self.field.startswith("not_"):
            return f"{self.value}, which you had left out: {differs}"
        if self.field == "size":
            return f"not sold in size {self.asked} (sizes {self.value}): {differs}"
        return f"not {self.asked.lower()} (it is {self.value}): {differs}"

    def brief(self) -> str:
        if self.field == "price_max":
            differs = f"${self.value:.2f}, over your ${float(self.asked):.2f}"
        elif self.field == "price_min":
            differs = f"${self.value:.2f}, under your ${float(self.asked):.2f}"
        elif self.field.startswith("not_"):
            differs = f"{str(self.value).lower()}, which you had left out"
        elif self.field == "size":
            differs = f"not sold in size {self.asked}"
        else:
            differs = f"{str(self.value).lower()}, not {self.asked.lower()}"
        return differs + ": the one difference from your request"

    def covers(self, fact: ConstraintMet) -> bool:
        """Whether `fact` is about the relaxed field (its met form would contradict this one)."""
        return fact.field == ("price" if self.field.startswith("price") else self.field)


@dataclass(frozen=True)
class ProductFact(Evidence):
    """Something true and specific about the product itself, from its catalog record: a feature
    its description lists, its material, its activity (tools/product_facts.py picks it)."""
    source: str   # "description" | "material" | "activity"
    text: str
    kind: str = _tag("product_fact")

    def phrase(self) -> str:
        return f"from its catalog {self.source}: {self.text}"

    def brief(self) -> str:
        return self.text


@dataclass(frozen=True)
class StandsOut(Evidence):
    """What sets the product apart from the others shown with it ("why the second one?"),
    compared on the shown list's own facts (tools/contrast.py)."""
    aspect: str   # "price" | "rating" | "photo" | "match" | "colour" | "material" | "category" | ...
    text: str     # "the cheapest", "the only red one"
    of: int       # how many items were shown
    kind: str = _tag("stands_out")

    def phrase(self) -> str:
        return f"{self.text} of the {self.of} shown"

    def brief(self) -> str:
        return ""  # said once for all contrasts, as the explanation's lead


KINDS: dict[str, type[Evidence]] = {cls.kind: cls for cls in (
    ConstraintMet, PhotoCategory, Match, PhotoMatch, Link, Similar, SessionSignal, OftenBoughtWith,
    Popular, SortRank, Rating, SoldInColour, LooksLikeRender, PlacedInPhoto, Relaxed, SameProduct, ProductFact,
    StandsOut)}


def _place(rank: int, superlative: str, later: str | None = None) -> str:
    """"the cheapest" for the first, "#3 cheapest" after it (or "#3 <later>")."""
    return f"the {superlative}" if rank == 1 else f"#{rank} {later or superlative}"


def from_dict(data: dict) -> Evidence:
    """A fact from its JSON form. Keys the class does not have are left out, so sessions saved
    by an older version still load."""
    cls = KINDS[data["kind"]]
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{k: v for k, v in data.items() if k in names})
