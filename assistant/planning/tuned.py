"""The tuned planner: SmolLM2-135M with the LoRA adapter and image projector of
`assistant/training/controller.py`.

It reads the compact prompt it was trained on (`compact_format.py`: the dialogue before the
turn, the photos as projector soft tokens or the photo reader's words, the message) and plans one
call per turn, which the gold dialogues always need. Its constraint values are chosen among the
catalog's, its search query from the words of the prompt and the catalog, and a reply names its
kind (the words are the assistant's templates): all passed to the chat model with each call.
"""
from __future__ import annotations

from functools import cached_property
from typing import Sequence

from langchain_core.messages import HumanMessage, SystemMessage

from assistant.planning.compact_format import MAX_PHOTOS, REPLY_KINDS, SYSTEM, parse_value, query_words, \
    render_turn, tools_trained, value_options
from assistant.planning.planner import Observation, Step, Turn, step_of


class TunedPlanner:
    """Planner over the LoRA-tuned chat model; photos_as_tokens=False shows photos as words; tools:
    the tools it is offered (default: the registry's planned ones)."""

    def __init__(self, chat_model, registry, value_options: dict[str, list[str]], query_words: frozenset[str],
                 photos_as_tokens: bool = True, tools: list[str] | None = None):
        self.chat_model = chat_model
        self.system = SystemMessage(SYSTEM)
        self.value_options, self.query_words = value_options, query_words
        self.photos_as_tokens = photos_as_tokens
        self.tool_names = tuple(tools or registry.names)
        # A render's description, like a query, is written in the shopper's and the catalog's words.
        self.llm = chat_model.bind_tools([registry.tools[name] for name in self.tool_names], value_options=value_options,
                                         word_options={"query": query_words, "description": query_words},
                                         reply_kinds=REPLY_KINDS)

    @classmethod
    def for_catalog(cls, chat_model, registry, vocab, catalog, **kwargs) -> "TunedPlanner":
        """With the value and word lists of this catalog, offered the tools its adapter was trained
        to call (`tools_trained`: the shipped adapter, the planned four; a retrained one, render too)."""
        kwargs.setdefault("tools", tools_trained(getattr(chat_model, "adapter_dir", None), registry))
        return cls(chat_model, registry, value_options(vocab), query_words(vocab, catalog), **kwargs)

    @cached_property
    def image_tokens(self) -> int:
        """Soft tokens per photo in the prompt (0: photos as the reader's words)."""
        return self.chat_model.image_tokens if self.photos_as_tokens else 0

    def warm_up(self) -> None:
        self.chat_model.warm_up([self.system])

    def messages(self, turn: Turn) -> list:
        """The dialogue before this turn, the photos (soft tokens when the model has a projector
        and the photo an embedding, else the reader's words), the message."""
        state, vectors = turn.state, turn.vectors
        sent = set(turn.sent)
        context = {**turn.before, "photos": [p.name for p in state.photos if p.name not in sent],
                   "shown": len(state.shown)}
        names = [p.name for p in state.photos][-MAX_PHOTOS:]
        words = {p.name: (None if self.image_tokens and p.name in vectors else p.looks or "not read")
                 for p in state.photos}
        content = render_turn(context, turn.text, list(turn.sent), words, self.image_tokens)
        pictured = [vectors[n] for n in names if words.get(n) is None]
        return [self.system, HumanMessage(content=content, additional_kwargs={"images": pictured} if pictured else {})]

    def propose(self, turn: Turn, observations: Sequence[Observation]) -> Step | None:
        if observations:
            return None  # one call per turn
        step = step_of(self.llm.invoke(self.messages(turn), draft=expected_call(turn)))
        if step.call is None:
            return step
        # A pair of categories is written "Tanks/Bras & Tanks" (compact_format._value).
        args = {k: parse_value(v) if self.value_options.get(k) and isinstance(v, str) else v
                for k, v in step.call["args"].items()}
        return Step(call={**step.call, "args": args})


def expected_call(turn: Turn) -> dict:
    """The call the tracker's reading points to, written as the model was trained to write it
    (`compact_format.answer_pieces`): the chat model checks it as a draft in one pass. Only speed
    depends on it: where the model disagrees, it decodes its own call from there."""
    reading, state = turn.reading, turn.state
    if reading.render:
        return {"tool": "render", "arguments": dict(reading.render)}
    if reading.explain:
        return {"tool": "explain", "arguments": {}}  # the item as the model names it ("2", "it") is its own
    if reading.recommend:
        return {"tool": "recommend", "arguments": {"relation": reading.recommend}}
    constraints = state.constraints.to_dict()
    if reading.sort and not reading.photo:
        return {"tool": "catalog_filter", "arguments": {**constraints, "sort": reading.sort}}
    return {"tool": "search", "arguments": {**({"query": state.topic} if state.topic else {}), **constraints,
                                            **({"photo": reading.photo} if reading.photo else {})}}
