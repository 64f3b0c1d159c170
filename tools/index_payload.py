"""What a vector index stores beside each vector so that an engine can apply the shopper's
constraints itself (a payload filter), and the constraints as engine-neutral conditions.

Both are derived from the constraint table (assistant/catalog/constraints.py), by the kind of each
field's predicate: a field added there is stored and filtered here without another edit. Every
stored value is what the field's own Python test (`holds`) says of the product, so an engine's
filter agrees with the catalog's SQL by construction (the tests check it on the Luma catalog).

Conditions come in four kinds, and each engine translates only these (tools/index_faiss.py,
index_qdrant.py, index_milvus.py):
  any    the key holds one of `values`    (a keyword, or a list of keywords)
  none   the key holds none of `values`   (exclusions; a product without the key passes)
  range  gte <= key <= lte                (prices)
  true   the key is true                  (flags)
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.catalog.constraints import (FIELDS, Contains, Equals, Excludes, Flag, InCategory, InList, Mentions,
                                           PriceBound, Predicate, as_list)

KEYWORD, KEYWORDS, FLOAT, BOOL = "keyword", "keywords", "float", "bool"   # the kinds of payload value


class Unsupported(ValueError):
    """A constraint value the payload cannot test: a free word outside the field's stored values
    ("not v neck"). The caller falls back to the ids the catalog's SQL selects."""


@dataclass(frozen=True)
class Condition:
    key: str
    op: str                       # "any", "none", "range", "true"
    values: tuple = ()
    gte: float | None = None
    lte: float | None = None


@dataclass(frozen=True)
class Attribute:
    """One payload key: its kind, how a product's value is stored, how a constraint value tests it.
    `options` (fields matched by part of a word) stores the field's catalog values the product holds."""
    key: str
    kind: str
    predicate: Predicate
    field: str
    by_options: bool = False

    def value(self, product, options: list[str]):
        p = self.predicate
        if self.by_options:
            return sorted({o.lower() for o in options if p.holds(product, o)})
        if isinstance(p, Equals):
            return (getattr(product, p.column) or "").lower()   # "" is no value: it never matches
        if isinstance(p, InList):
            return [v.lower() for v in getattr(product, p.attribute)]
        if isinstance(p, InCategory):
            return [c.lower() for c in product.category_path.split("/")]
        if isinstance(p, PriceBound):
            return float(product.price)
        if isinstance(p, Flag):
            return bool(p.holds(product, True))
        raise TypeError(f"no payload for {type(p).__name__}")

    def matching(self, value, options: list[str]) -> tuple:
        """The stored values that mean `value` (one or several) holds."""
        wanted = [str(v).lower() for v in as_list(value)]
        if self.by_options:
            known = {o.lower() for o in options}
            if unknown := [v for v in wanted if v not in known]:
                raise Unsupported(f"{self.field}: {unknown} is not among the stored values")
        if isinstance(self.predicate, Equals) and self.predicate.anyway is not None:
            wanted.append(self.predicate.anyway.lower())   # Unisex is both men's and women's
        return tuple(dict.fromkeys(wanted))

    def conditions(self, value, options: list[str]) -> list[Condition]:
        p = self.predicate
        if isinstance(p, PriceBound):
            return [Condition(self.key, "range", gte=value if p.op == ">=" else None, lte=value if p.op == "<=" else None)]
        if isinstance(p, Flag):
            return [Condition(self.key, "true")]
        return [Condition(self.key, "any", self.matching(value, options))]


def _attribute(name: str, predicate: Predicate) -> Attribute | None:
    """The payload key a field's predicate tests, by the predicate's kind (the translation table)."""
    if isinstance(predicate, Equals):
        return Attribute(predicate.column, KEYWORD, predicate, name)
    if isinstance(predicate, Contains):
        return Attribute(predicate.column, KEYWORDS, predicate, name, by_options=True)
    if isinstance(predicate, InList):
        return Attribute(predicate.attribute, KEYWORDS, predicate, name, by_options=predicate.partial)
    if isinstance(predicate, InCategory):
        return Attribute("category", KEYWORDS, predicate, name)
    if isinstance(predicate, PriceBound):
        return Attribute("price", FLOAT, predicate, name)
    if isinstance(predicate, Flag):
        return Attribute(predicate.attribute, BOOL, predicate, name)
    if isinstance(predicate, Mentions):
        return Attribute("feature", KEYWORDS, predicate, name, by_options=True)
    return None


def _base(name: str) -> str:
    """The field whose values an exclusion leaves out (not_color -> color; not_feature has none)."""
    return name[4:] if name.startswith("not_") and name[4:] in FIELDS else name


ATTRIBUTES: dict[str, Attribute] = {}   # field name -> the payload key it tests (exclusions: their field's)
for _name, _field in FIELDS.items():
    _predicate = _field.predicate.of if isinstance(_field.predicate, Excludes) else _field.predicate
    if (_attr := _attribute(_base(_name), _predicate)) is not None:
        ATTRIBUTES[_name] = _attr
SCHEMA: dict[str, str] = {a.key: a.kind for a in ATTRIBUTES.values()}   # payload key -> kind


def field_options(vocab) -> dict[str, list[str]]:
    """The catalog values of each field that is stored by its options (materials, patterns, features)."""
    return {a.field: list(FIELDS[a.field].options(vocab)) if a.field in FIELDS and FIELDS[a.field].options
            else [] for a in ATTRIBUTES.values() if a.by_options}


def payload(product, options: dict[str, list[str]]) -> dict:
    """The filterable attributes of one product, keyed by payload key."""
    out = {}
    for attr in ATTRIBUTES.values():
        if attr.key not in out:
            out[attr.key] = attr.value(product, options.get(attr.field, []))
    return out


def catalog_payloads(catalog, ids) -> list[dict]:
    """The payload of each catalog product in `ids`, in that order."""
    from assistant.catalog.vocabulary import Vocabulary
    options = field_options(Vocabulary.from_catalog(catalog))
    return [payload(catalog.by_id(int(i)), options) for i in ids]


def conditions(constraints, options: dict[str, list[str]]) -> list[Condition]:
    """The constraints (a Constraints record) as engine-neutral conditions; raises Unsupported."""
    out = []
    for name, value in constraints.active().items():
        field, attr = FIELDS[name], ATTRIBUTES.get(name)
        if attr is None:
            raise Unsupported(f"{name} has no payload key")
        if isinstance(field.predicate, Excludes):
            wanted = [v for item in ([value] if field.predicate.takes_list else as_list(value))
                      for v in attr.matching(item, options.get(attr.field, []))]
            out.append(Condition(attr.key, "none", tuple(dict.fromkeys(wanted))))
        else:
            out += attr.conditions(value, options.get(attr.field, []))
    return out


@dataclass(frozen=True)
class Where:
    """What a search may return: items meeting `conditions`, only `ids` when given (an explicit
    candidate list), never `exclude`."""
    conditions: tuple[Condition, ...] = ()
    ids: tuple[int, ...] | None = None
    exclude: tuple[int, ...] = ()

    @classmethod
    def of(cls, constraints=None, options: dict | None = None, exclude=(), fallback_ids=None) -> "Where":
        """The constraints pushed into the engine; a value the payload cannot test makes the search
        use `fallback_ids` (what the catalog's SQL selected) instead."""
        try:
            found = tuple(conditions(constraints, options or {})) if constraints is not None else ()
        except Unsupported:
            return cls(ids=tuple(fallback_ids) if fallback_ids is not None else None, exclude=tuple(exclude))
        return cls(found, None, tuple(exclude))

    @classmethod
    def coerce(cls, where) -> "Where":
        """A Where, or a plain allowed-id list (None = everything) as older callers pass it."""
        if where is None or isinstance(where, Where):
            return where or cls()
        return cls(ids=tuple(int(i) for i in where))

    def empty(self) -> bool:
        """Nothing can match: an empty candidate list."""
        return self.ids is not None and len(self.ids) == 0

    def __bool__(self) -> bool:
        return bool(self.conditions) or self.ids is not None or bool(self.exclude)
