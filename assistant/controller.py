"""The bounded plan-act loop: the chat model proposes tool calls, the registry runs them.

Arguments are grounded before a tool runs: constraints come from the dialogue state (what the
shopper actually said, across turns); a constraint value the model proposes is kept only when
the shopper's words contain it. So the model chooses and phrases, but cannot invent a filter.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from importlib import resources

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.catalog.constraints import FIELDS as CONSTRAINT_FIELDS
from assistant.planning.compact_format import MAX_PHOTOS, SYSTEM as PLANNING_SYSTEM, render_turn
from tools.base import ToolResult
from tools.registry import ToolRegistry
from tools.retriever import query_terms

log = logging.getLogger(__name__)
ITEM_TOOLS = ("search", "catalog_filter", "recommend")


def load_examples() -> list[dict]:
    return json.loads(resources.files("prompts").joinpath("examples.json").read_text())


def render_example(example: dict) -> str:
    answer = (f"<tool_call>\n{json.dumps(example['call'])}\n</tool_call>" if "call" in example
              else f"<reply>{example['reply']}")
    return f"Shopper: {example['user']}\nAssistant: {answer}"


def system_prompt(registry: ToolRegistry, examples: list[dict]) -> str:
    template = resources.files("prompts").joinpath("system.txt").read_text()
    tools = []
    for schema in registry.schemas():
        args = ", ".join(schema["parameters"]["properties"])
        tools.append(f"- {schema['name']}({args}): {schema['description']}")
    # One fixed example per kind of answer; the nearest ones are added to each turn.
    seen, fixed = set(), []
    for ex in examples:
        kind = ex["call"]["name"] if "call" in ex else "reply"
        if kind not in seen:
            seen.add(kind)
            fixed.append(render_example(ex))
    return template.replace("{tools}", "\n".join(tools)).replace("{examples}", "\n\n".join(fixed))


class ExampleSelector:
    """Nearest demonstrations by MiniLM similarity (k-NN in-context example selection):
    a small model copies a close example far more reliably than it follows instructions."""

    def __init__(self, examples: list[dict], embedder, k: int = 3):
        self.examples, self.embedder, self.k = examples, embedder, k
        self.vectors = embedder.encode([e["user"] for e in examples]) if embedder is not None else None

    def nearest(self, text: str) -> list[dict]:
        if self.vectors is None or self.k == 0:
            return []
        scores = self.vectors @ self.embedder.encode_one(text)
        return [self.examples[i] for i in scores.argsort()[::-1][: self.k]][::-1]  # closest last


@dataclass
class TurnOutcome:
    calls: list[dict] = field(default_factory=list)        # {"name", "arguments"} as run
    results: list[ToolResult] = field(default_factory=list)
    reply: str = ""                                        # the model's own words, if any
    reply_kind: str | None = None                          # the tuned model's kind of reply (chit_chat, ...)
    proposed: list = field(default_factory=list)           # the model's own choice per step

    @property
    def final(self) -> ToolResult | None:
        """The last result that carries items (or the last error when none does)."""
        with_items = [r for r in self.results if r.hits]
        return with_items[-1] if with_items else (self.results[-1] if self.results else None)


class Controller:
    def __init__(self, chat_model, registry: ToolRegistry, settings, embedder=None):
        self.registry = registry
        self.settings = settings
        self.tuned = bool(getattr(chat_model, "tuned", False))
        self.image_tokens = int(getattr(chat_model, "image_tokens", 0)) if self.tuned else 0  # 0: photos as words
        examples = load_examples()
        self.system = SystemMessage(PLANNING_SYSTEM if self.tuned else system_prompt(registry, examples))
        self.selector = ExampleSelector(examples, embedder, settings.nearest_examples)
        self.llm = chat_model.bind_tools(list(registry.tools.values()))

    def planning_messages(self, before: dict, text: str, state, new_photos: list[str], vectors: dict) -> list:
        """The tuned model's prompt: the dialogue before this turn, the photos (soft tokens when the
        model has a projector and the photo an embedding, else the reader's words), the message."""
        sent = set(new_photos)
        context = {**before, "photos": [p.name for p in state.photos if p.name not in sent], "shown": len(state.shown)}
        names = [p.name for p in state.photos][-MAX_PHOTOS:]
        words = {p.name: (None if self.image_tokens and p.name in vectors else p.looks or "not read")
                 for p in state.photos}
        content = render_turn(context, text, list(new_photos), words, self.image_tokens)
        pictured = [vectors[n] for n in names if words.get(n) is None]
        return [self.system, HumanMessage(content=content, additional_kwargs={"images": pictured} if pictured else {})]

    def messages(self, state, text: str) -> list:
        out = [self.system]
        # Past assistant turns are shown as the tool calls they made (what the model did), not
        # as the templated reply text, which the model would otherwise learn to copy.
        for turn in state.history[-2 * self.settings.history_turns:]:
            if turn.role == "user":
                out.append(HumanMessage(content=turn.text[:300]))
            elif turn.tool_calls:
                call = turn.tool_calls[0]
                out.append(AIMessage(content="", tool_calls=[{"name": call["name"], "args": call["arguments"],
                                                              "id": "h", "type": "tool_call"}]))
            else:
                out.append(AIMessage(content=turn.text.split("\n")[0][:200]))
        similar = [render_example(e) for e in self.selector.nearest(text)]
        parts = (["[similar requests]\n" + "\n\n".join(similar)] if similar else []) + [
            f"[dialogue]\n{state.compact()}", f"[shopper]\n{text}"]
        out.append(HumanMessage(content="\n".join(parts)))
        return out

    def run(self, state, text: str, reading, ctx, new_photos: list[str] = (), before: dict | None = None) -> TurnOutcome:
        """before: {"topic", "constraints"} as they were before this turn's message (the tuned model
        updates them itself)."""
        outcome = TurnOutcome()
        said = f"(sent {', '.join(new_photos)}) {text}".strip() if new_photos else text
        if self.tuned:
            before = before or {"topic": state.topic, "constraints": state.constraints.to_dict()}
            messages = self.planning_messages(before, text, state, list(new_photos), ctx.photo_vectors or {})
        else:
            messages = self.messages(state, said)
        for step in range(self.settings.max_steps):
            try:
                # After a tool has answered, the model only decides whether to call another:
                # the reply for items is composed from evidence, not free text.
                message = self.llm.invoke(messages, reply_tokens=0 if outcome.results else None)
            except Exception:  # a model failure must not end the turn: fall back to the state
                log.exception("chat model failed")
                message = AIMessage(content="")
            planned_by = "model"
            outcome.proposed.append(message.tool_calls[0]["name"] if message.tool_calls else None)
            if message.tool_calls:
                call = message.tool_calls[0]
                args = self.ground(call["name"], dict(call.get("args") or {}), state, text, reading, ctx.catalog)
                if args is None:  # e.g. "explain" with no item the shopper pointed at
                    message = AIMessage(content="")
            if step == 0 and self.wants_recommendation(reading) and (
                    not message.tool_calls or message.tool_calls[0]["name"] != "recommend"):
                # "What else would I like?" / "what goes with it?": the dialogue-state reading
                # asks for the recommender; marked, like the search fallback below.
                call = {"name": "recommend", "args": {"relation": reading.recommend}, "id": "fallback", "type": "tool_call"}
                args = self.ground("recommend", dict(call["args"]), state, text, reading, ctx.catalog)
                if args is not None:
                    message = AIMessage(content="", tool_calls=[call])
                    planned_by = "fallback"
            chats = not message.tool_calls
            if step == 0 and ((chats and reading.set) or (reading.photo and (
                    chats or message.tool_calls[0]["name"] not in ("search", "catalog_filter")))):
                # The shopper stated a constraint but the model chose to chat, or pointed at a photo
                # ("like photo 1") and the model did not search with it: a turn that asks for
                # products gets them. Marked, so evaluation can tell them apart.
                call = {"name": "search", "args": {}, "id": "fallback", "type": "tool_call"}
                message = AIMessage(content="", tool_calls=[call])
                args = self.ground("search", {}, state, text, reading, ctx.catalog)
                planned_by = "fallback"
            if not message.tool_calls:
                outcome.reply = message.content if isinstance(message.content, str) else ""
                outcome.reply_kind = message.additional_kwargs.get("reply_kind")
                break
            name = call["name"]
            if any(c["name"] == name and c["arguments"] == args for c in outcome.calls):
                break  # the same call again would return the same thing
            result = self.registry.run(name, args, ctx)
            outcome.calls.append({"name": name, "arguments": args, "planned_by": planned_by})
            outcome.results.append(result)
            if self.tuned:  # trained to plan one call per turn, which the gold dialogues always need
                break
            messages += [AIMessage(content="", tool_calls=[{**call, "args": args}]),
                         ToolMessage(content=result.summary(ctx.catalog), tool_call_id=call.get("id") or name)]
        return outcome

    # -- grounding ----------------------------------------------------------------------

    def ground(self, name: str, args: dict, state, text: str, reading, ctx_catalog=None) -> dict | None:
        """Arguments the shopper's words support, or None when the call cannot be grounded."""
        properties = self.registry.schema(name)["parameters"]["properties"] if name in self.registry.tools else {}
        words = text.lower()
        grounded = {}
        for key, value in args.items():
            if key in CONSTRAINT_FIELDS:
                said = str(value).lower().rstrip("s")  # a whole word, plural allowed: "C" is not in "coral"
                mentioned = re.search(rf"\b{re.escape(said)}(?:s|es)?\b", words) or (
                    isinstance(value, (int, float)) and re.search(rf"\b{int(value)}\b", words))
                if mentioned:
                    grounded[key] = value
            else:
                grounded[key] = value
        if name in ("search", "catalog_filter"):
            for key in ("price_min", "price_max"):  # "under 50" is not a minimum: the tracker's price grammar decides
                if key not in state.constraints:
                    grounded.pop(key, None)
            for key in CONSTRAINT_FIELDS:
                if key in properties and key in state.constraints:
                    grounded[key] = state.constraints.get(key)
                elif key in reading.unset:
                    grounded.pop(key, None)
        if name == "search":
            grounded["query"] = self.query(grounded.get("query", ""), state, reading)
            # A photo is searched with only when the shopper's words or upload point at it.
            grounded.pop("photo", None)
            if reading.photo:
                grounded["photo"] = reading.photo
        if name in ("recommend", "explain"):
            # The item must be one the shopper pointed at, in their own words; a recommendation
            # asked for with no item ("what else would I like?") is for the session instead.
            item = reading.reference or self.item_named(str(grounded.get("item", "")), state, text, ctx_catalog)
            if name == "recommend" and item is None and reading.recommend:
                grounded.pop("item", None)
            elif item is None or (name == "explain" and state.shown_item(item) is None):
                return None
            else:
                grounded["item"] = item
        if name == "recommend":
            # Recommendations keep who they are for and the budget, not the anchor's category.
            for key in ("gender", "price_max"):
                if key in state.constraints:
                    grounded[key] = state.constraints.get(key)
            for key in ("category", "color"):
                if key in reading.set:
                    grounded[key] = reading.set[key]
                else:
                    grounded.pop(key, None)
        return grounded

    @staticmethod
    def wants_recommendation(reading) -> bool:
        """A recommendation request, unless it names a new kind of product with no item
        ("recommend a jacket under $50" is a search)."""
        return bool(reading.recommend) and not reading.photo and (bool(reading.reference) or "category" not in reading.set)

    @staticmethod
    def item_named(proposed: str, state, text: str, catalog) -> str | None:
        """The model's item argument, if every word of it is in the shopper's message (a position
        counts as a word: "2" for "item 2", "#2", "option 2")."""
        terms = lambda t: set(query_terms(t)) | set(re.findall(r"\b\d+\b", t.lower()))  # noqa: E731
        words = terms(proposed)
        if not words or not words <= terms(text):
            return None
        return state.resolve(proposed, catalog)

    @staticmethod
    def query(proposed: str, state, reading) -> str:
        """The search words: the topic so far plus the descriptive words of the model's query
        that the shopper said (prices and constraint words are filters, not search words)."""
        said = set(reading.topic_words) | set(query_terms(state.topic))
        kept = [w for w in query_terms(proposed) if w in said]
        return " ".join(dict.fromkeys(query_terms(state.topic) + kept))
