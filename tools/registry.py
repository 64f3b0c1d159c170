"""The tool registry: typed functions with docstrings, wrapped as langchain-core tools.

The LLM sees each tool's JSON schema (built from type hints and the docstring); the registry
validates and repairs arguments, injects the per-turn context, and turns any exception into a
ToolResult with an error, so a broken call or a failing tool never ends a turn.
"""
from __future__ import annotations

import inspect
import json
import logging
from typing import Annotated, Literal, Optional

from langchain_core.tools import InjectedToolArg, StructuredTool
from pydantic import ValidationError

from tools.base import ToolContext, ToolResult
from tools.catalog_filter import apply as run_filter_apply, catalog_filter as run_filter
from tools.explainer import explain_shown
from tools.grounding import Source, grounded, sources
from tools.recommend import recommend_for
from tools.renderer import render_for
from tools.retriever import hybrid_search
from assistant.catalog.constraints import EXCLUSIONS, FIELDS
from assistant.catalog.vocabulary import parse_number

log = logging.getLogger(__name__)
Ctx = Annotated[Optional[ToolContext], InjectedToolArg]


def takes_constraints(after: str | None = None):
    """Give a tool the constraint arguments that the constraint table (assistant/catalog/constraints.py)
    lists it for, in table order, after its own argument `after` (first when None). The function
    receives them as **constraints. Each is described as the table says unless the tool's
    docstring rewords it (the wording the tuned model was trained on)."""
    def add_arguments(fn):
        signature = inspect.signature(fn)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        taken = {f.name: f.argument for f in FIELDS.values() if fn.__name__ in f.tools}
        added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=annotation)
                 for name, annotation in taken.items()]
        at = [p.name for p in own].index(after) + 1 if after else 0
        fn.__signature__ = signature.replace(parameters=own[:at] + added + own[at:])
        fn.__annotations__ = {**fn.__annotations__, **taken}
        return fn
    return add_arguments


def _item_sku(ctx: ToolContext, item: str | None) -> str | None:
    """The sku an item argument names: against the list on screen, else a sku or a name; None if none."""
    if not item:
        return None
    sku = ctx.state.resolve(item, ctx.catalog) if ctx.state is not None else None
    return sku or (item if ctx.catalog.get(item) else None)


def _categories_meeting(ctx: ToolContext, constraints: dict) -> set[str] | None:
    """The categories of the products that meet `constraints`; None when they narrow nothing down
    (no constraints, or no product meets them all)."""
    allowed = run_filter_apply(ctx, constraints, relax=False).allowed
    return {ctx.catalog.by_id(i).category for i in allowed} if allowed else None


def _photo_guess(ctx: ToolContext, name: str | None) -> str | None:
    """The category a session photo was read as surely enough to filter (Photo.category_guess)."""
    return next((p.category_guess for p in ctx.state.photos if p.name == name), None) if ctx.state is not None else None


def _exclude(ctx: ToolContext) -> set[str]:
    return set(ctx.state.rejected) if ctx.state is not None else set()


@grounded(constraints=Source.TRACKER, price_min=Source.TRACKER_ONLY, price_max=Source.TRACKER_ONLY,
          query=Source.TOPIC, photo=Source.PHOTO)
@takes_constraints(after="query")
def search(query: str = "", photo: Optional[str] = None, ctx: Ctx = None, **constraints) -> ToolResult:
    """Find catalog products that match a description, a photo and constraints.

    Args:
        query: what the shopper wants in words, e.g. "waterproof hiking jacket".
        category: e.g. Jackets, Tees, Pants, Shorts, Hoodies & Sweatshirts, Bags, Watches.
        size: e.g. XS, S, M, L, XL, 32.
        material: e.g. Cotton, Wool, Polyester.
        photo: a photo the shopper sent, e.g. "photo 1", to find products that look like it.
    """
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
    guess, leanings = None, {}
    if names and ctx.state is not None:  # the category the photo was read as filters; a likely one ranks
        reading, stated = ctx.photo_readings.get(names[0]), constraints.get("category") not in (None, "", [])
        if not stated:
            guess = _photo_guess(ctx, names[0])
        if guess is None and reading is not None:
            # Read again knowing what the shopper said: "these in black, womens 29" is no jacket,
            # and "a top like this" is the top the photo most likely shows.
            guess = reading.category_guess(ctx.settings.photo_category_min, _categories_meeting(ctx, constraints))
        if guess is None and reading is not None and not stated:
            leanings = reading.likely_categories(ctx.settings.photo_category_boost_min)
    return hybrid_search(ctx, query, constraints, ctx.settings.top_k, exclude=_exclude(ctx), photos=photos,
                         avoid=avoid if photos else [], photo_names=names, photo_category=guess,
                         photo_leanings=leanings, sort=ctx.state.sort if ctx.state is not None else None)


@grounded(constraints=Source.TRACKER, price_min=Source.TRACKER_ONLY, price_max=Source.TRACKER_ONLY,
          sort=Source.SORT)
@takes_constraints()
def catalog_filter(sort: Literal["rating", "price_asc", "price_desc"] = "rating", ctx: Ctx = None,
                   **constraints) -> ToolResult:
    """List catalog products that meet structured constraints, sorted.

    Args:
        sort: rating, price_asc (cheapest first) or price_desc.
    """
    guess = _photo_guess(ctx, ctx.state.search_photo) if ctx.state is not None else None
    if guess and constraints.get("category") in (None, "", []):  # "plain ones like this, cheapest first"
        constraints = {**constraints, "category": guess}
    return run_filter(ctx, constraints, sort=sort, limit=ctx.settings.top_k)


# Recommendations keep who they are for, the budget and what the shopper left out, not the
# anchor's category or colour.
@grounded(item=Source.ITEM_POINTED_AT, gender=Source.TRACKER, price_max=Source.TRACKER,
          category=Source.THIS_TURN, color=Source.THIS_TURN, **dict.fromkeys(EXCLUSIONS, Source.TRACKER))
@takes_constraints(after="relation")
def recommend(item: Optional[str] = None, relation: Literal["goes_with", "similar", "any"] = "any",
              ctx: Ctx = None, **constraints) -> ToolResult:
    """Recommend products that go with or are similar to an item, or, with no item, what this shopper may like.

    Args:
        item: the item: a position in the last list ("2"), "the red one", a name or a sku; leave out for "what else would I like?".
        relation: goes_with (complete the look), similar, or any.
        category: limit to a category, e.g. Shorts.
        color: limit to a colour.
    """
    sku = _item_sku(ctx, item)
    if item and sku is None:
        return ToolResult("recommend", error=f"could not tell which item '{item}' means")
    return recommend_for(ctx, sku, relation, constraints, ctx.settings.top_k, exclude=_exclude(ctx))


@grounded(item=Source.ITEM_ON_SCREEN)
def explain(item: str, ctx: Ctx = None) -> ToolResult:
    """Explain why an item in the last list was shown: the facts that ranked it.

    Args:
        item: a position in the last list ("2"), "the red one", a name or a sku.
    """
    return explain_shown(ctx, item)


@grounded(item=Source.RENDER, color=Source.RENDER, photo=Source.RENDER, description=Source.RENDER)
def render(item: Optional[str] = None, color: Optional[str] = None, photo: Optional[str] = None,
           description: Optional[str] = None, ctx: Ctx = None) -> ToolResult:
    """Show an item in another colour or in the shopper's photo, or render a description, then find real products like it.

    Args:
        item: the item: a position in the last list ("2"), "the red one", a name or a sku.
        color: the colour to show it in, e.g. Green.
        photo: the shopper's photo to place the item in, e.g. "photo 1".
        description: words to render when there is no item, e.g. "a teal hooded running jacket".
    """
    sku = _item_sku(ctx, item)
    if item and sku is None:
        return ToolResult("render", error=f"could not tell which item '{item}' means")
    return render_for(ctx, sku, color, photo, description, ctx.settings.top_k)


PLANNED = (search, catalog_filter, recommend, explain)
# Tools the controller runs when the dialogue-state reading asks for them, offered to a planner only
# when its adapter was trained to call them (its controller.json: assistant/planning/compact_format.py
# `tools_trained`): the shipped adapter was trained on PLANNED's schemas, and a tool it has never seen
# would change what it decodes (tests/fixtures/tool_schemas.json pins them).
ROUTED = (render,)


class ToolRegistry:
    def __init__(self, functions=PLANNED, routed=ROUTED):
        self.tools: dict[str, StructuredTool] = {}
        self._schemas: dict[str, dict] = {}
        for fn in (*functions, *routed):
            self.tools[fn.__name__] = StructuredTool.from_function(fn, parse_docstring=True)
        self.planned = [fn.__name__ for fn in functions]

    @property
    def names(self) -> list[str]:
        """The tools the planner is offered."""
        return list(self.planned)

    def offered(self) -> list[StructuredTool]:
        """The planner's tools, to bind to a chat model."""
        return [self.tools[name] for name in self.planned]

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

    def grounding(self, name: str) -> dict[str, Source]:
        """Where each argument of a call to `name` comes from (tools/grounding.py), in the order
        the controller applies them; nothing for an unknown tool."""
        if name not in self.tools:
            return {}
        properties = self.schema(name)["parameters"]["properties"]
        return sources(self.tools[name].func, [f for f in FIELDS if f in properties])

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
            if key in FIELDS and FIELDS[key].value_type is float and isinstance(value, str):  # "fifty bucks" -> 50.0
                value = parse_number(value) if parse_number(value) is not None else value
            try:
                self.tools[name].tool_call_schema.model_validate({**clean, key: value})
                clean[key] = value
            except ValidationError:
                problems.append(f"invalid value for {key!r} dropped: {value!r}")
        return clean, problems

    def run(self, name: str, arguments, ctx: ToolContext) -> ToolResult:
        if name not in self.tools:
            return ToolResult(name, error=f"unknown tool {name!r}; tools are: {', '.join(self.tools)}")
        args, problems = self.repair(name, arguments)
        try:
            result = self.tools[name].invoke({**args, "ctx": ctx})
        except Exception as exc:  # a failing tool must not end the conversation
            log.exception("tool %s failed", name)
            missing = [r for r in self.schema(name)["parameters"]["required"] if r not in args]
            # The error reaches the shopper: what was missing, never the exception's text (the log has it).
            reason = f"missing {', '.join(missing)}" if missing else "an error on my side"
            return ToolResult(name, error=f"the {name} tool could not run ({reason})")
        result.notes = problems + result.notes
        result.data["arguments"] = args
        return result
