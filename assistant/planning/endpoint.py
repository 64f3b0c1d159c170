"""The endpoint planner: the controller's chat model behind an OpenAI-compatible server.

vLLM, llama.cpp's server (`python -m llama_cpp.server --chat_format chatml-function-calling`) or a
hosted model, chosen by SHOPASSIST_CHAT_ENDPOINT (its base URL), SHOPASSIST_CHAT_ENDPOINT_MODEL and
SHOPASSIST_CHAT_ENDPOINT_KEY. The server gets what the prompted planner's model reads (the system prompt
with the tools' descriptions and demonstrations, the last turns, the nearest demonstrations, the
dialogue state, the message, the calls run this turn and their results), as text, and the registry's
tool schemas through the API's own `tools`, so the model answers with the API's tool calls, not text in
the local model's tags. What it proposes goes through the same controller as every planner's:
arguments grounded in what the shopper said (tools/grounding.py), validated and repaired by the
registry, and replaced by the fallback policy when the first step misses what the shopper asked
for. A server that fails or answers with something that is not a step raises PlannerError: the
controller logs why and plans the turn from the dialogue state.

Unlike the local planners, the first decision is not calibrated (an API returns no probabilities
over the choices) and nothing is decoded under the project's grammar: llama.cpp's
chatml-function-calling and vLLM's guided decoding constrain a call to the schema on the server.
"""
from __future__ import annotations

import logging
import os
from typing import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant.planning.planner import Observation, PlannerError, Step, Turn, step_of
from assistant.planning.prompted import AnswerFormat, PromptedPlanner, render_example

log = logging.getLogger(__name__)

# Demonstrations as the API's calls read (a name and its JSON arguments), not the local model's tags.
FUNCTION_CALLING = AnswerFormat(
    calling="To call a tool, call one of the tools you are given (one call per turn).\n"
            "To answer, write one short sentence.",
    call=lambda call: f"{call['name']}({', '.join(f'{k}={v!r}' for k, v in call['arguments'].items())})",
    reply=lambda text: text)
# A call's JSON arguments must fit: a reply is one sentence, a search call with five constraints about 60 tokens.
MAX_TOKENS = 160
# After a tool has answered, the model only decides whether to call another (the reply for items is
# composed from evidence, as with the prompted planner): words it writes instead are never shown.
FOLLOW_UP_TOKENS = 80


def chat_endpoint_model(settings):
    """langchain-openai's ChatOpenAI on the settings' endpoint, greedy, one retry."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # a dependency of the project; only a broken install lacks it
        raise RuntimeError("SHOPASSIST_CHAT_ENDPOINT needs langchain-openai (pip install langchain-openai)") from exc
    key = settings.chat_endpoint_key or os.environ.get("OPENAI_API_KEY") or "none"  # llama.cpp, vLLM: any key
    return ChatOpenAI(base_url=settings.chat_endpoint, model=settings.chat_endpoint_model, api_key=key,
                      temperature=0, max_tokens=MAX_TOKENS, timeout=settings.chat_endpoint_timeout, max_retries=1)


class EndpointPlanner(PromptedPlanner):
    """The prompted planner's conversation, asked of any langchain chat model with tool calling
    (ChatOpenAI on a server by default: `from_settings`); where: what the log names on a failure."""

    def __init__(self, chat_model, registry, settings, embedder=None, where: str = ""):
        super().__init__(chat_model, registry, settings, embedder, FUNCTION_CALLING)
        # "auto" said outright: llama.cpp's chatml-function-calling offers no tools without a tool_choice.
        self.llm = chat_model.bind_tools(registry.offered(), tool_choice="auto")
        self.tool_names_offered = tuple(registry.names)
        self.where = where or settings.chat_endpoint or type(chat_model).__name__
        self._failed_turn: Turn | None = None  # the last turn whose request failed (not asked again)

    @classmethod
    def from_settings(cls, settings, registry, embedder=None) -> "EndpointPlanner":
        return cls(chat_endpoint_model(settings), registry, settings, embedder,
                   where=f"{settings.chat_endpoint} ({settings.chat_endpoint_model})")

    def warm_up(self) -> None:
        """One request with the system prompt and tools, so that the server has the model loaded
        and the prompt's prefix cached before the first shopper waits; a failure is only logged
        (every turn falls back until the server answers)."""
        try:
            self.llm.invoke([self.system, HumanMessage(content="[dialogue]\nlooking for: -\nconstraints: none\n"
                                                                "[shopper]\nhello")])
        except Exception as exc:
            log.warning("the chat endpoint %s did not answer the warm-up request: %s", self.where, exc)

    def messages(self, turn: Turn, observations: Sequence[Observation] = ()) -> list[BaseMessage]:
        """The system prompt and one message: the last turns, the nearest demonstrations, the
        dialogue state, the shopper's message, then each call run this turn and its result, all as
        text, calls written as the demonstrations write them. Every server takes that: llama.cpp's
        server refuses an assistant message with a tool call and no text, its chatml-function-calling
        template drops a tool message's content, and OpenAI's API refuses a call without its result."""
        said = lambda call: self.answer_format.call({"name": call["name"], "arguments": call["args"]})  # noqa: E731
        earlier = []
        for entry in turn.state.history[-2 * self.history_turns:]:
            if entry.role == "user":
                earlier.append(f"Shopper: {entry.text[:300]}")
            elif entry.tool_calls:  # what the model did, not the templated reply (as the prompted planner)
                call = entry.tool_calls[0]
                earlier.append(f"Assistant: {said({'name': call['name'], 'args': call['arguments']})}")
            else:
                earlier.append(f"Assistant: {entry.text.split(chr(10))[0][:200]}")
        similar = [render_example(e, self.answer_format) for e in self.selector.nearest(turn.said)]
        parts = (["[similar requests]\n" + "\n\n".join(similar)] if similar else []) + (
            ["[earlier]\n" + "\n".join(earlier)] if earlier else []) + [
            f"[dialogue]\n{turn.state.compact()}", f"[shopper]\n{turn.said}"]
        if observations:
            parts.append("[done this turn]\n" + "\n".join(f"Assistant: {said(seen.call)}\nResult: {seen.result}"
                                                          for seen in observations))
        return [self.system, HumanMessage(content="\n".join(parts))]

    def propose(self, turn: Turn, observations: Sequence[Observation]) -> Step | None:
        if observations and self._failed_turn is turn:
            return None  # the server failed this turn: the fallback's call is the turn's only one
        try:
            message = self.llm.invoke(self.messages(turn, observations),
                                      **({"max_tokens": FOLLOW_UP_TOKENS} if observations else {}))
        except Exception as exc:  # unreachable, timed out, refused: the controller falls back
            self._failed_turn = turn
            raise PlannerError(f"the chat endpoint {self.where} failed: {type(exc).__name__}: {exc}") from exc
        return self.step(message)

    def step(self, message: AIMessage) -> Step:
        """The server's answer as a step, or PlannerError when it is none: a call whose arguments
        are not a JSON object, or to a tool the planner was not offered. Arguments are checked
        later, by the controller's grounding and the registry's validation."""
        if not message.tool_calls and getattr(message, "invalid_tool_calls", None):
            bad = message.invalid_tool_calls[0]
            raise PlannerError(f"the chat endpoint {self.where} answered a malformed tool call "
                               f"{bad.get('name')!r} ({bad.get('error') or 'arguments are not a JSON object'}): "
                               f"{str(bad.get('args'))[:120]!r}")
        if message.tool_calls and message.tool_calls[0]["name"] not in self.tool_names_offered:
            raise PlannerError(f"the chat endpoint {self.where} called the unknown tool "
                               f"{message.tool_calls[0]['name']!r}; offered: {', '.join(self.tool_names_offered)}")
        if not message.tool_calls and not isinstance(message.content, str):
            raise PlannerError(f"the chat endpoint {self.where} answered neither a tool call nor text")
        return step_of(message)
