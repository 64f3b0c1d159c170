"""The bounded plan-act loop: a planner proposes steps, the controller grounds and runs them.

The dialogue-state tracker owns the constraints: a tool's constraint argument is the tracker's
value whenever the tracker holds one, and the model's proposal only fills a field the tracker left
empty, with a value the shopper said in so many words (each tool declares this beside it, with
`@grounded` in tools/registry.py; the filtering tools never take the model's price). So the model
chooses the tool and phrases, but cannot invent a filter. When the model's first step does not
give the shopper what they plainly asked for, one policy (`fallback`) decides the call instead.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from assistant.catalog.constraints import FIELDS as CONSTRAINT_FIELDS
from assistant.catalog.vocabulary import CATEGORY_SYNONYMS, COLOUR_SYNONYMS, GENDER_SYNONYMS, singular
from assistant.dialogue.exclusions import says_no
from assistant.dialogue.pointing import ASKS_TO_SEE
from assistant.dialogue.spelling import edit_distance, english_words
from assistant.planning.compact_format import words_of
from assistant.planning.planner import Observation, Planner, PlannerError, Step, Turn, offers
from tools.base import ToolContext, ToolResult
from tools.grounding import Source
from tools.registry import ToolRegistry
from tools.retriever import query_terms

log = logging.getLogger(__name__)
FILTER_TOOLS = ("search", "catalog_filter")


@dataclass
class TurnOutcome:
    calls: list[dict] = field(default_factory=list)        # {"name", "arguments", "planned_by"} as run
    results: list[ToolResult] = field(default_factory=list)
    reply: str = ""                                        # the model's own words, if any
    reply_kind: str | None = None                          # the kind of reply the planner chose (chit_chat, ...)
    proposed: list = field(default_factory=list)           # the planner's own choice per step

    @property
    def final(self) -> ToolResult | None:
        """The last result that carries items (or the last error when none does). A list in the
        order the shopper asked for ("cheapest first") stays: a later unordered step does not replace it."""
        with_items = [r for r in self.results if r.hits]
        ordered = [r for r, c in zip(self.results, self.calls) if r.hits and c["arguments"].get("sort")]
        return (ordered or with_items)[-1] if with_items else (self.results[-1] if self.results else None)


def fallback(step: Step, reading, sort: str | None = None) -> dict | None:
    """The call a turn's first step is replaced by, or None to keep it (marked "fallback"):
    "what else would I like?" / "what goes with it?" gets the recommender; a turn that states a
    constraint and gets only chat or a recommendation it did not ask for, or points at a photo
    ("like photo 1") and gets no search with it, gets a search; while the shopper wants an order
    (`sort`: "cheapest first") a search becomes the sorted filter; a question about a shown item
    ("why #2?") gets the explanation. A turn that asks for products gets them. A render request
    the tracker read gets the render (with a planner that is offered render; others never plan that turn)."""
    called = step.call["name"] if step.call else None
    if reading.render and called != "render":
        return {"name": "render", "args": dict(reading.render), "id": "fallback"}
    if reading.explain and called != "explain":
        return {"name": "explain", "args": {"item": reading.explain}, "id": "fallback"}
    if wants_recommendation(reading) and called != "recommend":
        return {"name": "recommend", "args": {"relation": reading.recommend}, "id": "fallback"}
    if sort and not reading.photo and called in (None, "search") and not reading.reference:
        # An order ("cheapest first") is the filter's: search ranks by relevance, not by price.
        return {"name": "catalog_filter", "args": {"sort": sort}, "id": "fallback"}
    if (called is None and reading.set) or (reading.photo and called not in FILTER_TOOLS):
        return {"name": "search", "args": {}, "id": "fallback"}
    if called == "recommend" and not reading.recommend and reading.set:
        return {"name": "search", "args": {}, "id": "fallback"}  # "show me the fancier ones": no "goes with" asked
    return None


def wants_recommendation(reading) -> bool:
    """A recommendation request, unless it names a new kind of product with no item
    ("recommend a jacket under $50" is a search)."""
    return bool(reading.recommend) and not reading.photo and (bool(reading.reference) or "category" not in reading.set)


class Controller:
    def __init__(self, planner: Planner, registry: ToolRegistry, settings):
        self.planner, self.registry, self.settings = planner, registry, settings

    def run(self, turn: Turn, ctx: ToolContext) -> TurnOutcome:
        """At most max_steps calls: each proposed step is grounded (the first may fall back), run,
        and shown to the planner, until it replies, repeats a call or has no more to plan."""
        outcome, observations = TurnOutcome(), []
        if turn.reading.price_refused:  # the shopper is told why (the reading's errors) and asked again
            return outcome
        if turn.reading.small_talk and not turn.reading.photo:  # "cheers mate, that's me sorted"
            outcome.reply_kind = "chit_chat"
            return outcome
        if turn.reading.render and not offers(self.planner, "render"):
            # routed by the dialogue-state reading: this planner was not trained with the render tool
            self._run(outcome, {"name": "render", "args": turn.reading.render}, "tracker", ctx)
            return outcome
        for number in range(self.settings.max_steps):
            step = self.propose(turn, observations)
            if step is None:
                break
            outcome.proposed.append(step.call["name"] if step.call else None)
            call = self.ground_call(step.call, turn, ctx.catalog) if step.call else None
            if step.call and call is None:  # e.g. "explain" with no item the shopper pointed at
                step = Step()
            planned_by = "model"
            if number == 0 and (rescue := fallback(step, turn.reading, turn.state.sort)) is not None:
                if (grounded := self.ground_call(rescue, turn, ctx.catalog)) is not None:
                    call, planned_by = grounded, "fallback"
            if call is None:
                outcome.reply, outcome.reply_kind = step.reply, step.reply_kind
                break
            if any(c["name"] == call["name"] and c["arguments"] == call["args"] for c in outcome.calls):
                break  # the same call again would return the same thing
            result = self._run(outcome, call, planned_by, ctx)
            observations.append(Observation(call, result.summary(ctx.catalog)))
        return outcome

    def _run(self, outcome: TurnOutcome, call: dict, planned_by: str, ctx: ToolContext) -> ToolResult:
        result = self.registry.run(call["name"], call["args"], ctx)
        outcome.calls.append({"name": call["name"], "arguments": call["args"], "planned_by": planned_by})
        outcome.results.append(result)
        return result

    def propose(self, turn: Turn, observations: list[Observation]) -> Step | None:
        try:
            return self.planner.propose(turn, observations)
        except PlannerError as exc:  # an answer that is no step, or no answer: said plainly
            log.warning("planner failed, planning from the dialogue state instead: %s", exc)
            return Step()
        except Exception:  # a model failure must not end the turn: fall back to the state
            log.exception("planner failed")
            return Step()

    def ground_call(self, call: dict, turn: Turn, catalog) -> dict | None:
        args = self.ground(call["name"], dict(call.get("args") or {}), turn, catalog)
        return None if args is None else {**call, "args": args}

    # -- grounding ----------------------------------------------------------------------

    def ground(self, name: str, proposed: dict, turn: Turn, catalog=None) -> dict | None:
        """The arguments the shopper's words support, by each argument's declared source
        (tools/grounding.py), or None when the call cannot be grounded."""
        said = f"{turn.text} {turn.reading.text}"  # as typed, and with its typos corrected
        negated = says_no(said)  # a value left out by the model needs words that leave it out
        args = {k: v for k, v in proposed.items() if k not in CONSTRAINT_FIELDS
                or (shopper_said(v, said) and (negated or not k.startswith("not_")))}
        try:
            for key, source in self.registry.grounding(name).items():
                SOURCES[source](args, key, turn, catalog)
        except NotGrounded:
            return None
        drop_contradictions(args, turn.state.constraints)
        return args


def drop_contradictions(args: dict, held) -> None:
    """A model value that says the opposite of the dialogue state goes: "no synthetics, cotton only"
    holds cotton as wanted, so the model's "leave out cotton" (the word was said) is not the shopper's."""
    lower = lambda values: {str(v).lower() for v in (values if isinstance(values, (list, tuple)) else [values])}  # noqa: E731
    for key in [k for k in args if k.startswith("not_")]:
        wanted, left_out = key[len("not_"):], lower(args[key])
        if held.get(wanted) is not None and held.get(key) is None and lower(held.get(wanted)) & left_out:
            kept = [v for v in (args[key] if isinstance(args[key], list) else [args[key]])
                    if str(v).lower() not in lower(held.get(wanted))]
            _put(args, key, kept or None)


class NotGrounded(Exception):
    """The call needs what the shopper did not give (an item they pointed at)."""


def shopper_said(value, text: str) -> bool:
    """The shopper said this value: as a whole word, plural allowed ("C" is not in "coral"), a
    number, a word the catalog's synonyms map to it ("hoody": Hoodies & Sweatshirts), or a word
    one typo away from it ("jakets": Jackets, not "plants": Pants). Several values: each of them."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(shopper_said(v, text) for v in value)
    words, word = text.lower(), str(value).lower().rstrip("s")
    if re.search(rf"\b{re.escape(word)}(?:s|es)?\b", words) or (
            isinstance(value, (int, float)) and re.search(rf"\b{int(value)}\b", words)):
        return True
    if not isinstance(value, str):
        return False
    for said in set(re.findall(r"[a-z][a-z'-]*", words)):
        if value in (COLOUR_SYNONYMS.get(said), GENDER_SYNONYMS.get(said)) or value in CATEGORY_SYNONYMS.get(
                singular(said), ()):
            return True
        if (len(word) >= 4 and said[0] == word[0] and said not in english_words()
                and edit_distance(said.rstrip("s"), word, 1) <= 1):
            return True
    return False


# -- the sources of tools/grounding.py: each sets or drops args[key] in place ----------------------

def _put(args: dict, key: str, value) -> None:
    if value is None:
        args.pop(key, None)
    else:
        args[key] = value  # where the model put it, else last


def _tracker(args, key, turn, catalog):
    if key in turn.state.constraints:
        args[key] = turn.state.constraints.get(key)
    elif key in turn.reading.unset:
        args.pop(key, None)


def _tracker_only(args, key, turn, catalog):
    _put(args, key, turn.state.constraints.get(key) if key in turn.state.constraints else None)


def _this_turn(args, key, turn, catalog):
    _put(args, key, turn.reading.set[key] if key in turn.reading.set else None)


def _topic(args, key, turn, catalog):
    """The topic so far plus the descriptive words of the model's query that the shopper said
    (prices and constraint words are filters, not search words)."""
    topic = query_terms(turn.state.topic)
    heard = set(turn.reading.topic_words) | set(topic)
    args[key] = " ".join(dict.fromkeys(topic + [w for w in query_terms(args.get(key, "")) if w in heard]))


def _photo(args, key, turn, catalog):
    args.pop(key, None)  # never the model's choice: searched with only when the words or upload point at it
    _put(args, key, turn.reading.photo)


def _item_pointed_at(args, key, turn, catalog):
    item = turn.reading.reference or item_named(str(args.get(key, "")), turn, catalog)
    if item is None and not turn.reading.recommend:
        raise NotGrounded
    _put(args, key, item)  # no item: recommendations for the session ("what else would I like?")


def _sort(args, key, turn, catalog):
    if turn.state.sort:
        args[key] = turn.state.sort


def _render(args, key, turn, catalog):
    """A render's argument (tools/grounding.py Source.RENDER)."""
    request = turn.reading.render
    if request is None and not re.search(ASKS_TO_SEE, f"{turn.text} {turn.reading.text}".lower()):
        raise NotGrounded  # the shopper asked to see nothing
    if request is not None:  # the tracker read the request: its item (a sku), colour, photo or words
        _put(args, key, request.get(key))
    elif key == "item":
        _put(args, key, turn.reading.reference or item_named(str(args.get(key, "")), turn, catalog))
    elif key == "photo":
        _photo(args, key, turn, catalog)
    elif key == "description":  # the model's words that the shopper said
        said = words_of(turn.text) | words_of(turn.reading.text)
        _put(args, key, " ".join(w for w in str(args.get(key, "")).lower().split() if w in said) or None)
    # ("color": the model's, kept by Controller.ground only when the shopper said it)
    if key == "description" and not (args.get("item") or args.get("description")):
        raise NotGrounded  # nothing to show


def _item_on_screen(args, key, turn, catalog):
    item = turn.reading.reference or item_named(str(args.get(key, "")), turn, catalog)
    if item is None or turn.state.shown_item(item) is None:
        raise NotGrounded
    args[key] = item


def item_named(proposed: str, turn: Turn, catalog) -> str | None:
    """The model's item argument, if every word of it is in the shopper's message (a position
    counts as a word: "2" for "item 2", "#2", "option 2")."""
    terms = lambda t: set(query_terms(t)) | set(re.findall(r"\b\d+\b", t.lower()))  # noqa: E731
    words = terms(proposed)
    if not words or not words <= terms(turn.text):
        return None
    return turn.state.resolve(proposed, catalog)


SOURCES = {Source.TRACKER: _tracker, Source.TRACKER_ONLY: _tracker_only, Source.THIS_TURN: _this_turn,
           Source.TOPIC: _topic, Source.PHOTO: _photo, Source.ITEM_POINTED_AT: _item_pointed_at,
           Source.ITEM_ON_SCREEN: _item_on_screen, Source.SORT: _sort, Source.RENDER: _render}
