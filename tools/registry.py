"""The tool registry: typed functions with docstrings, wrapped as langchain-core tools.

The LLM sees each tool's JSON schema (built from type hints and the docstring); the registry
validates and repairs arguments, injects the per-turn context, and turns any exception into a
ToolResult with an error, so a broken call or a failing tool never ends a turn.
"""
from __future__ import annotations

import json
import logging
from typing import Annotated, Literal, Optional, Union

from langchain_core.tools import InjectedToolArg, StructuredTool
from pydantic import ValidationError

from tools.base import ToolContext, ToolResult
from tools.catalog_filter import catalog_filter as run_filter
from tools.explainer import explain_shown
from tools.recommend import recommend_for
from tools.retriever import hybrid_search
from assistant.catalog.vocabulary import parse_number

log = logging.getLogger(__name__)
Ctx = Annotated[Optional[ToolContext], InjectedToolArg]
Category = Union[str, list[str], None]  # a word, or the several categories it stands for
CONSTRAINT_ARGS = ("gender", "category", "color", "size", "material", "pattern", "activity", "price_min",
                   "price_max", "eco", "on_sale", "in_stock")


def _exclude(ctx: ToolContext) -> set[str]:
    return set(ctx.state.rejected) if ctx.state is not None else set()


def search(query: str = "", gender: Optional[str] = None, category: Category = None,
           color: Optional[str] = None, size: Optional[str] = None, material: Optional[str] = None,
           pattern: Optional[str] = None, price_min: Optional[float] = None,
           price_max: Optional[float] = None, eco: Optional[bool] = None,
           on_sale: Optional[bool] = None, in_stock: Optional[bool] = None, photo: Optional[str] = None,
           ctx: Ctx = None) -> ToolResult:
    """Find catalog products that match a description, a photo and constraints.

    Args:
        query: what the shopper wants in words, e.g. "waterproof hiking jacket".
        gender: Men, Women or Unisex.
        category: e.g. Jackets, Tees, Pants, Shorts, Hoodies & Sweatshirts, Bags, Watches.
        color: e.g. Red, Blue, Black.
        size: e.g. XS, S, M, L, XL, 32.
        material: e.g. Cotton, Wool, Polyester.
        pattern: e.g. Solid, Striped.
        price_min: lowest price in dollars.
        price_max: highest price in dollars.
        eco: only eco-collection products.
        on_sale: only products on sale.
        in_stock: only products in stock.
        photo: a photo the shopper sent, e.g. "photo 1", to find products that look like it.
    """
    raw = {k: v for k, v in locals().items() if k in CONSTRAINT_ARGS}
    names = []
    if photo:
        name = ctx.state.resolve_photo(photo) if ctx.state is not None else None
        if name is None or name not in ctx.photo_vectors:
            return ToolResult("search", error=f"there is no usable photo '{photo}' in this conversation")
        names = [name]
    photos = [ctx.photo_vectors[n] for n in names]
    avoid = [ctx.photo_vectors[n] for n in (ctx.state.avoid_photos if ctx.state else []) if n in ctx.photo_vectors]
    if photos and ctx.image_index is not None:  # items the shopper rejected push the photo query away too
        avoid += [ctx.image_index.vector(ctx.catalog.get(s).id) for s in _exclude(ctx) if ctx.catalog.get(s)]
    guess = None
    if names and ctx.state is not None:
        guess = next((p.get("category_guess") for p in ctx.state.photos if p["name"] == names[0]), None)
    return hybrid_search(ctx, query, raw, ctx.settings.top_k, exclude=_exclude(ctx), photos=photos,
                         avoid=avoid if photos else [], photo_names=names, photo_category=guess)


def catalog_filter(gender: Optional[str] = None, category: Category = None,
                   color: Optional[str] = None, size: Optional[str] = None,
                   material: Optional[str] = None, pattern: Optional[str] = None,
                   activity: Optional[str] = None, price_min: Optional[float] = None,
                   price_max: Optional[float] = None, eco: Optional[bool] = None,
                   on_sale: Optional[bool] = None, in_stock: Optional[bool] = None,
                   sort: Literal["rating", "price_asc", "price_desc"] = "rating", ctx: Ctx = None) -> ToolResult:
    """List catalog products that meet structured constraints, sorted.

    Args:
        gender: Men, Women or Unisex.
        category: e.g. Jackets, Tees, Pants, Shorts, Bags.
        color: e.g. Red, Blue, Black.
        size: e.g. S, M, L, 32.
        material: e.g. Cotton, Wool.
        pattern: e.g. Solid, Striped.
        activity: e.g. Yoga, Running, Gym (gear).
        price_min: lowest price in dollars.
        price_max: highest price in dollars.
        eco: only eco-collection products.
        on_sale: only products on sale.
        in_stock: only products in stock.
        sort: rating, price_asc (cheapest first) or price_desc.
    """
    raw = {k: v for k, v in locals().items() if k in CONSTRAINT_ARGS}
    return run_filter(ctx, raw, sort=sort, limit=ctx.settings.top_k)


def recommend(item: Optional[str] = None, relation: Literal["goes_with", "similar", "any"] = "any",
              gender: Optional[str] = None, category: Category = None,
              color: Optional[str] = None, price_max: Optional[float] = None, ctx: Ctx = None) -> ToolResult:
    """Recommend products that go with or are similar to an item, or, with no item, what this shopper may like.

    Args:
        item: the item: a position in the last list ("2"), "the red one", a name or a sku; leave out for "what else would I like?".
        relation: goes_with (complete the look), similar, or any.
        gender: Men, Women or Unisex.
        category: limit to a category, e.g. Shorts.
        color: limit to a colour.
        price_max: highest price in dollars.
    """
    sku = None
    if item:
        sku = ctx.state.resolve(item, ctx.catalog) if ctx.state is not None else None
        sku = sku or (item if ctx.catalog.get(item) else None)
        if sku is None:
            return ToolResult("recommend", error=f"could not tell which item '{item}' means")
    raw = {"gender": gender, "category": category, "color": color, "price_max": price_max}
    return recommend_for(ctx, sku, relation, raw, ctx.settings.top_k, exclude=_exclude(ctx))


def explain(item: str, ctx: Ctx = None) -> ToolResult:
    """Explain why an item in the last list was shown: the facts that ranked it.

    Args:
        item: a position in the last list ("2"), "the red one", a name or a sku.
    """
    return explain_shown(ctx, item)


class ToolRegistry:
    def __init__(self, functions=(search, catalog_filter, recommend, explain)):
        self.tools: dict[str, StructuredTool] = {}
        self._schemas: dict[str, dict] = {}
        for fn in functions:
            self.tools[fn.__name__] = StructuredTool.from_function(fn, parse_docstring=True)

    @property
    def names(self) -> list[str]:
        return list(self.tools)

    def schema(self, name: str) -> dict:
        """JSON schema of a tool's arguments as the LLM sees them (injected context excluded);
        built once per tool, since repair and grounding read it on every call."""
        if name not in self._schemas:
            schema = self.tools[name].tool_call_schema.model_json_schema()
            self._schemas[name] = {"name": name, "description": self.tools[name].description.split("\n")[0],
                                   "parameters": {"type": "object", "properties": schema.get("properties", {}),
                                                  "required": schema.get("required", [])}}
        return self._schemas[name]

    def schemas(self) -> list[dict]:
        return [self.schema(n) for n in self.names]

    def repair(self, name: str, arguments) -> tuple[dict, list[str]]:
        """Drop unknown or invalid arguments rather than fail; say what was dropped."""
        problems = []
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                return {}, [f"arguments were not JSON: {arguments[:80]!r}"]
        if not isinstance(arguments, dict):
            return {}, [f"arguments must be an object, got {type(arguments).__name__}"]
        properties = self.schema(name)["parameters"]["properties"]
        clean = {}
        for key, value in arguments.items():
            if key not in properties:
                problems.append(f"unknown argument {key!r} dropped")
                continue
            if value is None:
                continue
            if key.startswith("price") and isinstance(value, str):  # "fifty bucks" -> 50.0
                value = parse_number(value) if parse_number(value) is not None else value
            try:
                self.tools[name].tool_call_schema.model_validate({**clean, key: value})
                clean[key] = value
            except ValidationError:
                problems.append(f"invalid value for {key!r} dropped: {value!r}")
        return clean, problems

    def run(self, name: str, arguments, ctx: ToolContext) -> ToolResult:
        if name not in self.tools:
            return ToolResult(name, error=f"unknown tool {name!r}; tools are: {', '.join(self.names)}")
        args, problems = self.repair(name, arguments)
        try:
            result = self.tools[name].invoke({**args, "ctx": ctx})
        except Exception as exc:  # a failing tool must not end the conversation
            log.exception("tool %s failed", name)
            missing = [r for r in self.schema(name)["parameters"]["required"] if r not in args]
            reason = f"missing {', '.join(missing)}" if missing else f"{type(exc).__name__}: {exc}"
            return ToolResult(name, error=f"the {name} tool could not run ({reason})")
        result.notes = problems + result.notes
        result.data["arguments"] = args
        return result
