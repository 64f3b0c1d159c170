"""The prompted planner: the base chat model told what to do.

SmolLM2-135M without an adapter reads a long system prompt (the tools and their descriptions,
one fixed demonstration per kind of answer, `prompts/`), the last turns as chat messages, the
nearest demonstrations to the request, the dialogue state and the message. It may take several
steps a turn: each tool result is fed back as a tool message before the next decision. Its first
decision is calibrated (contextual calibration, Zhao et al., 2021), which the base model needs
to stop favouring whichever answer its prompt ends near.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Sequence

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.models.chat_model import Calibration
from assistant.planning.planner import Observation, Step, Turn, step_of

# A request with no content, in the prompt's format: the prior that calibration divides out.
CONTENT_FREE = "[dialogue]\nlooking for: -\nconstraints: none\n[shopper]\nN/A"


def load_examples() -> list[dict]:
    return json.loads(resources.files("prompts").joinpath("examples.json").read_text())


@dataclass(frozen=True)
class AnswerFormat:
    """How the prompt tells the model to answer, and writes the demonstrations' answers."""
    calling: str                   # the system prompt's lines on calling a tool or replying
    call: Callable[[dict], str]    # a demonstration's call {"name", "arguments"}, as the model should write it
    reply: Callable[[str], str]    # a demonstration's reply


# The local model writes its answer as text in its own tags (assistant/models/chat_model.py).
TAGGED = AnswerFormat(
    calling='To call a tool write <tool_call> and a JSON object {"name": ..., "arguments": {...}}.\n'
            'To answer write <reply> and one short sentence.',
    call=lambda call: f"<tool_call>\n{json.dumps(call)}\n</tool_call>",
    reply=lambda text: f"<reply>{text}")


def render_example(example: dict, answer_format: AnswerFormat = TAGGED) -> str:
    answer = answer_format.call(example["call"]) if "call" in example else answer_format.reply(example["reply"])
    return f"Shopper: {example['user']}\nAssistant: {answer}"


def system_prompt(registry, examples: list[dict], answer_format: AnswerFormat = TAGGED) -> str:
    template = resources.files("prompts").joinpath("system.txt").read_text().replace("{calling}", answer_format.calling)
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
            fixed.append(render_example(ex, answer_format))
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


class PromptedPlanner:
    """Planner over a chat model that reads tool descriptions and demonstrations (the base model);
    answer_format: how it is told to write a call (TAGGED: the local model's tags)."""

    def __init__(self, chat_model, registry, settings, embedder=None, answer_format: AnswerFormat = TAGGED):
        examples = load_examples()
        self.chat_model, self.answer_format = chat_model, answer_format
        self.system = SystemMessage(system_prompt(registry, examples, answer_format))
        self.selector = ExampleSelector(examples, embedder, settings.nearest_examples)
        self.history_turns = settings.history_turns
        self.calibration = Calibration(settings.calibrate, CONTENT_FREE)
        self.llm = chat_model.bind_tools(registry.offered())

    def warm_up(self) -> None:
        self.chat_model.warm_up([self.system])

    def messages(self, turn: Turn, observations: Sequence[Observation] = ()) -> list:
        """The system prompt, the last turns as messages, the nearest demonstrations, the dialogue
        state and the message; then each call run this turn and its result."""
        out = [self.system]
        # Past assistant turns are shown as the tool calls they made (what the model did), not
        # as the templated reply text, which the model would otherwise learn to copy.
        for entry in turn.state.history[-2 * self.history_turns:]:
            if entry.role == "user":
                out.append(HumanMessage(content=entry.text[:300]))
            elif entry.tool_calls:
                call = entry.tool_calls[0]
                out.append(AIMessage(content="", tool_calls=[{"name": call["name"], "args": call["arguments"],
                                                              "id": "h", "type": "tool_call"}]))
            else:
                out.append(AIMessage(content=entry.text.split("\n")[0][:200]))
        similar = [render_example(e, self.answer_format) for e in self.selector.nearest(turn.said)]
        parts = (["[similar requests]\n" + "\n\n".join(similar)] if similar else []) + [
            f"[dialogue]\n{turn.state.compact()}", f"[shopper]\n{turn.said}"]
        out.append(HumanMessage(content="\n".join(parts)))
        for seen in observations:
            out += [AIMessage(content="", tool_calls=[{**seen.call, "type": "tool_call"}]),
                    ToolMessage(content=seen.result, tool_call_id=seen.call.get("id") or seen.call["name"])]
        return out

    def propose(self, turn: Turn, observations: Sequence[Observation]) -> Step:
        messages = self.messages(turn, observations)
        if not observations:  # the first decision, in the context its prior was measured for
            return step_of(self.llm.invoke(messages, calibration=self.calibration))
        # After a tool has answered, the model only decides whether to call another: the reply
        # for items is composed from evidence, not free text.
        return step_of(self.llm.invoke(messages, reply_tokens=0))
