"""The catalog_filter tool: structured constraints to parameterised SQL, with evidence per item."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from tools.base import Hit, ToolContext, ToolResult
from tools.evidence import ConstraintMet, Rating, SortRank
from assistant.catalog.vocabulary import Vocabulary, VocabularyError

SORTS = {"rating": "COALESCE(p.rating, 0) DESC, p.review_count DESC, p.price ASC",
         "price_asc": "p.price ASC", "price_desc": "p.price DESC"}


@dataclass
class Constraints:
    """The shopper's hard constraints in catalog terms; None means 'no constraint'."""
    gender: str | None = None
    category: list[str] | None = None
    color: str | None = None
    size: str | None = None
    material: str | None = None
    pattern: str | None = None
    activity: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    eco: bool | None = None
    on_sale: bool | None = None
    in_stock: bool | None = None

    def active(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], False)}

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def normalise(raw: dict, vocab: Vocabulary) -> tuple[Constraints, list[str], list[str]]:
    """Map raw values to catalog values. Returns (constraints, notes, errors)."""
    out, notes, errors = Constraints(), [], []
    mappers = {"gender": vocab.gender, "category": vocab.category, "color": vocab.color,
               "size": vocab.size, "material": vocab.material, "pattern": vocab.pattern,
               "activity": vocab.activity, "price_min": vocab.price, "price_max": vocab.price}
    for name, value in raw.items():
        if value in (None, "", [], "any", "none", "null"):
            continue
        if name in ("eco", "on_sale", "in_stock"):
            setattr(out, name, value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1"))
            continue
        if name not in mappers:
            continue
        if name == "category" and isinstance(value, list):
            cats = []
            for v in value:
                try:
                    cats += [c for c in mappers[name](v).value if c not in cats]
                except VocabularyError as exc:
                    errors.append(str(exc))
            out.category = cats or None
            continue
        try:
            mapped = mappers[name](value)
        except VocabularyError as exc:
            errors.append(str(exc))
            continue
        setattr(out, name, mapped.value)
        if mapped.note:
            notes.append(mapped.note)
    if out.price_min is not None and out.price_max is not None and out.price_min > out.price_max:
        errors.append(f"the minimum price ${out.price_min:.2f} is above the maximum ${out.price_max:.2f}")
        out.price_min = out.price_max = None
    return out, notes, errors


def to_sql(c: Constraints) -> tuple[str, list]:
    """WHERE clause over `products p`; every value is a bound parameter."""
    where, params = ["1=1"], []

    def attr(field_name: str, value: str, like: bool = False) -> None:
        op = "LIKE" if like else "="
        where.append(f"EXISTS (SELECT 1 FROM product_attrs a WHERE a.product_id = p.id "
                     f"AND a.field = ? AND a.value {op} ?)")
        params.extend([field_name, f"%{value}%" if like else value])

    if c.gender:
        where.append("p.gender IN (?, 'Unisex')")
        params.append(c.gender)
    if c.category:
        where.append("(" + " OR ".join("('/' || p.category_path || '/') LIKE ?" for _ in c.category) + ")")
        params += [f"%/{cat}/%" for cat in c.category]
    if c.color:
        where.append("p.color = ? COLLATE NOCASE")
        params.append(c.color)
    if c.size:
        attr("sizes", c.size)
    if c.material:
        attr("material", c.material, like=True)
    if c.pattern:
        where.append("p.pattern LIKE ?")
        params.append(f"%{c.pattern}%")
    if c.activity:
        attr("activity", c.activity, like=True)
    if c.price_min is not None:
        where.append("p.price >= ?")
        params.append(c.price_min)
    if c.price_max is not None:
        where.append("p.price <= ?")
        params.append(c.price_max)
    if c.eco:
        attr("eco_collection", "yes")
    if c.on_sale:
        attr("sale", "yes")
    if c.in_stock:
        where.append("p.in_stock = 1")
    return " AND ".join(where), params


def satisfies(product, c: Constraints) -> bool:
    """The same rules as to_sql, in Python: used by evaluation and as a guard on every result."""
    return not violations(product, c)


def violations(product, c: Constraints) -> list[str]:
    bad = []
    if c.gender and product.gender not in (c.gender, "Unisex"):
        bad.append("gender")
    if c.category and not any(cat in product.category_path.split("/") for cat in c.category):
        bad.append("category")
    if c.color and (product.color or "").lower() != c.color.lower():
        bad.append("color")
    if c.size and c.size not in product.sizes:
        bad.append("size")
    if c.material and not any(c.material.lower() in m.lower() for m in product.material):
        bad.append("material")
    if c.pattern and c.pattern.lower() not in (product.pattern or "").lower():
        bad.append("pattern")
    if c.activity and not any(c.activity.lower() in a.lower() for a in product.activity):
        bad.append("activity")
    if c.price_min is not None and product.price < c.price_min:
        bad.append("price_min")
    if c.price_max is not None and product.price > c.price_max:
        bad.append("price_max")
    if c.eco and not product.eco_collection:
        bad.append("eco")
    if c.on_sale and not product.sale:
        bad.append("on_sale")
    if c.in_stock and not product.in_stock:
        bad.append("in_stock")
    return bad


def constraint_evidence(product, c: Constraints) -> list[ConstraintMet]:
    """One fact per active constraint, with the product's own value."""
    facts = []
    for name, wanted in c.active().items():
        if name in ("price_min", "price_max"):
            rule = f">= ${wanted:.2f}" if name == "price_min" else f"<= ${wanted:.2f}"
            facts.append(ConstraintMet("price", rule, product.price))
        elif name == "category":
            facts.append(ConstraintMet("category", " or ".join(wanted), product.category_path))
        elif name in ("eco", "on_sale", "in_stock"):
            facts.append(ConstraintMet(name, "yes", True))
        else:
            value = getattr(product, {"size": "sizes"}.get(name, name))
            facts.append(ConstraintMet(name, str(wanted), tuple(value) if isinstance(value, list) else value))
    return facts


@dataclass
class Filtered:
    """Constraints applied to the catalog: the allowed ids (None = everything) or an error."""
    constraints: Constraints
    allowed: list[int] | None
    notes: list[str]
    error: str | None = None


def apply(ctx: ToolContext, raw: dict) -> Filtered:
    """Normalise raw constraints and select the product ids that meet them, in SQL."""
    constraints, notes, errors = normalise(raw, ctx.vocab)
    if errors:
        return Filtered(constraints, None, notes, "; ".join(errors))
    where, params = to_sql(constraints)
    allowed = ctx.catalog.select_ids(where, params) if constraints.active() else None
    return Filtered(constraints, allowed, notes)


def catalog_filter(ctx: ToolContext, raw: dict, sort: str = "rating", limit: int = 5) -> ToolResult:
    filtered = apply(ctx, raw)
    if filtered.error:
        return ToolResult("catalog_filter", error=filtered.error, notes=filtered.notes)
    constraints = filtered.constraints
    ids = filtered.allowed if filtered.allowed is not None else [p.id for p in ctx.catalog.all()]
    products = [ctx.catalog.by_id(i) for i in ids]
    key = {"price_asc": lambda p: p.price, "price_desc": lambda p: -p.price}.get(
        sort, lambda p: (-(p.rating or 0), -p.review_count, p.price))
    products.sort(key=key)
    hits = []
    for rank, p in enumerate(products[:limit], 1):
        evidence = [*constraint_evidence(p, constraints), SortRank(sort, rank, len(products)), *Rating.of(p)]
        hits.append(Hit(p.sku, score=1.0 / rank, evidence=evidence))
    notes = list(filtered.notes)
    if not products:
        notes.append("no product meets all these constraints")
    return ToolResult("catalog_filter", hits=hits, notes=notes, constraints=constraints.active(),
                      data={"total": len(products)})
