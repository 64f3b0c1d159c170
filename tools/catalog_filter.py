"""The catalog_filter tool: structured constraints to parameterised SQL, with evidence per item."""
from __future__ import annotations

from dataclasses import dataclass

from tools.base import Hit, ToolContext, ToolResult
from tools.evidence import ConstraintMet, Rating, SortRank
from tools.index_payload import Where, field_options
from tools.relaxation import Relaxation, closest
from assistant.catalog.constraints import FIELDS, Constraints, as_list, drop_crossed_prices
from assistant.catalog.vocabulary import Vocabulary, VocabularyError

NO_VALUE = (None, "", [], "any", "none", "null")  # what a chat model writes for "no constraint"
# The orders a shopper asks for, as keys over products (best rated: the unrated last, the most reviewed first).
SORT_KEYS = {"price_asc": lambda p: p.price, "price_desc": lambda p: -p.price,
             "rating": lambda p: (-(p.rating or 0), -p.review_count, p.price)}


def normalise(raw: dict, vocab: Vocabulary) -> tuple[Constraints, list[str], list[str]]:
    """Map raw values to catalog values (each field's own mapping, assistant/catalog/constraints.py).
    Returns (constraints, notes, errors); names that are not constraint fields are ignored."""
    values, notes, errors = {}, [], []
    for name, value in raw.items():
        if value in NO_VALUE or name not in FIELDS:
            continue
        field = FIELDS[name]
        if isinstance(value, (list, tuple)) and (field.is_list or field.several):
            # Several words: every catalog value they stand for ("tees or tanks", "green or blue").
            mapped = []
            for word in value:
                try:
                    mapped += [v for v in as_list(field.to_catalog(vocab, word).value) if v not in mapped]
                except VocabularyError as exc:
                    errors.append(str(exc))
            values[name] = (mapped if field.is_list or len(mapped) > 1 else mapped[0]) if mapped else None
            continue
        try:
            normalised = field.to_catalog(vocab, value)
        except VocabularyError as exc:
            errors.append(str(exc))
            continue
        values[name] = normalised.value
        if normalised.note:
            notes.append(normalised.note)
    if error := drop_crossed_prices(values):
        errors.append(error)
    return Constraints(**values), notes, errors


def to_sql(c: Constraints) -> tuple[str, list]:
    """WHERE clause over `products p`; every value is a bound parameter."""
    where, params = ["1=1"], []
    for name, field in FIELDS.items():
        value = getattr(c, name)
        if field.predicate.applies(value):
            clause, args = field.sql(value)
            where.append(clause)
            params += args
    return " AND ".join(where), params


def satisfies(product, c: Constraints) -> bool:
    """The same rules as to_sql, in Python: used by evaluation and as a guard on every result."""
    return not violations(product, c)


def violations(product, c: Constraints) -> list[str]:
    """The fields whose constraint `product` breaks."""
    return [name for name, field in FIELDS.items()
            if field.predicate.applies(value := getattr(c, name)) and not field.holds(product, value)]


def constraint_evidence(product, c: Constraints) -> list[ConstraintMet]:
    """One fact per active constraint, with the product's own value."""
    return [ConstraintMet(*FIELDS[name].evidence(product, wanted)) for name, wanted in c.active().items()]


@dataclass
class Filtered:
    """Constraints applied to the catalog: the allowed ids (None = everything) or an error; when
    no product met them all, the closest ones under one relaxed constraint (tools/relaxation.py)."""
    constraints: Constraints
    allowed: list[int] | None
    notes: list[str]
    error: str | None = None
    relaxed: Relaxation | None = None

    @property
    def met(self) -> Constraints:
        """The constraints every allowed product meets."""
        return self.relaxed.constraints if self.relaxed else self.constraints

    def evidence(self, product) -> list:
        """The facts of the constraints `product` meets, and of the one it does not, if relaxed."""
        return constraint_evidence(product, self.met) + ([self.relaxed.evidence(product)] if self.relaxed else [])

    def result_data(self) -> dict:
        return {"relaxed": self.relaxed.to_dict()} if self.relaxed else {}

    def where(self, vocab, exclude=()) -> Where | None:
        """The same selection for a vector index: the constraints go into the engine's payload
        filter, and the SQL's ids only for a value the payload cannot test (a free word after
        "not"); None: everything."""
        if self.allowed is None and not exclude:
            return None
        leave_out = set(exclude)
        ids = None if self.allowed is None else [i for i in self.allowed if i not in leave_out]
        return Where.of(self.met, field_options(vocab), tuple(sorted(leave_out)), fallback_ids=ids)


def select(ctx: ToolContext, constraints: Constraints) -> list[int]:
    where, params = to_sql(constraints)
    return ctx.catalog.select_ids(where, params)


def apply(ctx: ToolContext, raw: dict, relax: bool = True) -> Filtered:
    """Normalise raw constraints and select the product ids that meet them, in SQL; when none
    does (and `relax`), the closest products by the relaxation rule."""
    constraints, notes, errors = normalise(raw, ctx.vocab)
    if errors:
        return Filtered(constraints, None, notes, "; ".join(errors))
    allowed = select(ctx, constraints) if constraints.active() else None
    if allowed == [] and relax:
        relaxed = closest(lambda c: [ctx.catalog.by_id(i) for i in select(ctx, c)], constraints, ctx.settings.top_k)
        if relaxed is not None:
            notes.append(f"no product meets all of that; the closest ones: {relaxed.said}")
            return Filtered(constraints, select(ctx, relaxed.constraints), notes, relaxed=relaxed)
    return Filtered(constraints, allowed, notes)


def catalog_filter(ctx: ToolContext, raw: dict, sort: str = "rating", limit: int = 5) -> ToolResult:
    filtered = apply(ctx, raw)
    if filtered.error:
        return ToolResult("catalog_filter", error=filtered.error, notes=filtered.notes)
    constraints = filtered.met
    ids = filtered.allowed if filtered.allowed is not None else [p.id for p in ctx.catalog.all()]
    products = [ctx.catalog.by_id(i) for i in ids]
    products.sort(key=SORT_KEYS.get(sort, SORT_KEYS["rating"]))
    hits = []
    for rank, p in enumerate(products[:limit], 1):
        evidence = [*filtered.evidence(p), SortRank(sort, rank, len(products)), *Rating.of(p)]
        hits.append(Hit(p.sku, score=1.0 / rank, evidence=evidence))
    notes = list(filtered.notes)
    if not products:
        notes.append("no product meets all these constraints")
    return ToolResult("catalog_filter", hits=hits, notes=notes, constraints=constraints.active(),
                      data={"total": len(products), **filtered.result_data()})
