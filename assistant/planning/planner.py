"""The planner: what proposes each step of a turn to the controller (assistant/controller.py).

A planner reads the turn (the dialogue state, the shopper's message, the tracker's reading of it,
the photos) and proposes a step: a tool call, or a reply. The controller grounds the call in what
the shopper said, runs it, and shows the planner the result (an Observation) before asking for
the next step; a planner that plans one call per turn answers None then. Two planners wrap the
local chat model (a langchain-core BaseChatModel): the LoRA-tuned one (`tuned.py`) and the
prompted base model (`prompted.py`); a third asks a chat model behind an OpenAI-compatible
server (`endpoint.py`); tests script one (tests/conftest.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.messages import AIMessage

    from assistant.dialogue.state import DialogueState
    from assistant.dialogue.tracker import Reading


@dataclass(frozen=True)
class Turn:
    """One shopper turn as a planner and the controller read it."""
    state: DialogueState           # the dialogue state, with this message's reading applied
    text: str                      # the shopper's message
    reading: Reading               # the dialogue-state tracker's reading of it
    before: dict                   # {"topic", "constraints"} as they were before the message
    sent: tuple[str, ...] = ()     # names of the photos sent with the message ("photo 2")
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # photo name -> image embedding

    @property
    def said(self) -> str:
        """The message as the shopper's words, the photos sent with it named first."""
        return f"(sent {', '.join(self.sent)}) {self.text}".strip() if self.sent else self.text


@dataclass(frozen=True)
class Step:
    """A proposed step: a tool call, or else a reply (the model's words, or a kind of reply whose
    words are the assistant's templates; neither: the assistant's fallback reply)."""
    call: dict | None = None       # {"name", "args", "id"}, as langchain's ToolCall
    reply: str = ""
    reply_kind: str | None = None  # "chit_chat", "out_of_scope", "clarify"


@dataclass(frozen=True)
class Observation:
    """A call the controller ran this turn (its arguments as grounded) and what it returned."""
    call: dict
    result: str                    # the tool result's summary, as the chat model reads it


class PlannerError(Exception):
    """A planner's model could not be asked, or answered with something that is not a step (a
    server down, a call to a tool it was not offered, arguments that are not JSON). The controller
    says so in the log and plans the turn from the dialogue state, as after any planner failure."""


class Planner(Protocol):
    def propose(self, turn: Turn, observations: Sequence[Observation]) -> Step | None:
        """The turn's next step after the calls already run (none at first), or None when this
        planner plans no more steps this turn."""

    def warm_up(self) -> None:
        """Load what the first turn would otherwise wait for (weights, a cached prompt prefix)."""


def offers(planner, tool: str) -> bool:
    """Whether the planner lists `tool` among those it may propose (`tool_names`). One that lists
    none is offered only the registry's planned tools (`ToolRegistry.offered`), never a routed one
    such as render."""
    return tool in getattr(planner, "tool_names", ())


def step_of(message: AIMessage) -> Step:
    """A chat model's answer as a step: its first tool call, or its reply."""
    if message.tool_calls:
        call = message.tool_calls[0]
        return Step(call={"name": call["name"], "args": dict(call.get("args") or {}), "id": call.get("id")})
    return Step(reply=message.content if isinstance(message.content, str) else "",
                reply_kind=message.additional_kwargs.get("reply_kind"))
