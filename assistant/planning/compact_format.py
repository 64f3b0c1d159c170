"""The tuned controller's prompt and answer format, shared by training, inference and evaluation.

The LoRA-tuned model reads a compact view of the dialogue *before* the turn (what the shopper is
looking for, the constraints so far, the photos, how many items are on screen) and the shopper's
message, and writes the turn's tool call with every constraint that now holds. (Those values are
proposals: the controller keeps the dialogue-state tracker's wherever it holds one; see
assistant/controller.py.) Photos enter as soft tokens from the projector (placeholders in the
text, replaced by embeddings) or, without a projector, as the words the photo reader predicts.

A call is tokenised piece by piece exactly as the grammar-constrained decoder
(`assistant/models/decoding.py`, driven by `chat_model.py`) builds it (tool name, then each
argument key in schema order, then its value), and the prompt is the one the tuned planner
(`tuned.py`) renders, so what the model is trained on is token for token what it is asked to
continue at inference.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

SYSTEM = "Plan the shopping assistant's next step: one tool call with every constraint that holds now, or a reply."
IMAGE_TOKEN = "<empty_output>"   # a special token SmolLM2 never sees in chat; its embedding is replaced
TOOL_OPEN, REPLY_OPEN = "<tool_call>", "<reply>"
REPLY_KINDS = ("chit_chat", "out_of_scope", "clarify")
MAX_PHOTOS = 3                   # photos the prompt shows (the latest ones)
TRAINING_RECORD = "controller.json"  # beside a tuned adapter: what it was trained on ("tools_trained", ...)


def _value(v) -> str:
    if isinstance(v, list):
        return "/".join(map(str, v))
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def render_turn(context: dict, text: str, sent: list[str], photos: dict[str, str | None], n_tokens: int) -> str:
    """The user message the tuned model reads.

    context: {"topic", "constraints", "photos" (names sent before), "shown" (items on screen)};
    sent: names of the photos sent with this message; photos: name -> predicted words (text mode)
    or None (soft-token mode, `n_tokens` placeholders each)."""
    constraints = ", ".join(f"{k}={_value(v)}" for k, v in context.get("constraints", {}).items())
    lines = [f"looking for: {context.get('topic') or '-'}", f"constraints: {constraints or 'none'}"]
    names = (list(context.get("photos", [])) + list(sent))[-MAX_PHOTOS:]
    if names:
        shown = [f"{n} ({photos[n]})" if photos.get(n) else f"{n} {IMAGE_TOKEN * n_tokens}" for n in names]
        lines.append("photos: " + "; ".join(shown))
    if context.get("shown"):
        lines.append(f"on screen: {context['shown']} items")
    said = f"(sent {', '.join(sent)}) {text}".strip() if sent else text
    lines.append(f"shopper: {said}")
    return "\n".join(lines)


def photo_words(reading) -> str:
    """A photo as the reader's top guesses, for prompts without image tokens: 'Jackets, White, Women'."""
    return ", ".join(pairs[0][0] for pairs in (reading.category, reading.color, reading.gender) if pairs)


def chatml(system: str, user: str) -> str:
    """The prompt as `LocalChatModel.render` writes it for a system and a user message."""
    return (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            "<|im_start|>assistant\n")


def property_kind(spec: dict) -> tuple[str, list | None]:
    """("enum", values) or (json type, None) for one argument's schema (the decoder's view)."""
    for option in spec.get("anyOf", [spec]):
        if "enum" in option:
            return "enum", option["enum"]
        if option.get("type") in ("string", "number", "integer", "boolean"):
            return option["type"], None
    return "string", None


def takes_list(spec: dict) -> bool:
    """Whether an argument's schema accepts a list of values only, not a single string (the
    exclusions): the decoder's one written value then goes back as a list."""
    types = {option.get("type") for option in spec.get("anyOf", [spec])} - {"null"}
    return types == {"array"}


def value_options(vocab) -> dict[str, list[str]]:
    """The catalog values each constraint argument may take, as the tuned model writes them
    (a category pair such as tank tops for men and women as "Tanks/Bras & Tanks"): the decoder
    picks among these instead of spelling a value freely, so no call names a colour or category
    the catalog lacks. Each field's values are the constraint table's `options`."""
    from assistant.catalog.constraints import FIELDS
    return {name: f.options(vocab) for name, f in FIELDS.items() if f.options is not None}


def words_of(text: str) -> set[str]:
    """The words of a text as a query may reuse them: lower case, hyphens and apostrophes kept."""
    return set(re.findall(r"[a-z0-9][a-z0-9'&-]*", text.lower()))


def query_words(vocab, catalog) -> frozenset[str]:
    """Words a search query may use besides the shopper's own: the catalog's names, categories,
    styles and the shopper words the vocabulary knows (a typo in the message still finds "joggers")."""
    from assistant.catalog.vocabulary import CATEGORY_SYNONYMS, COLOUR_SYNONYMS
    words = set(CATEGORY_SYNONYMS) | set(COLOUR_SYNONYMS)
    for values in (vocab.categories, vocab.styles, vocab.materials, vocab.patterns, vocab.activities, vocab.colors):
        words |= {w for v in values for w in words_of(v)}
    words |= {w for p in catalog.all() for w in words_of(p.name)}
    return frozenset(words)


def parse_value(text: str, as_list: bool = False):
    """A value as written back to its argument: "A/B" is a list (see `_value`); `as_list`: one
    value is a list of one too."""
    return text.split("/") if "/" in text or as_list else text


def tools_trained(adapter_dir, registry) -> list[str]:
    """The tools a tuned adapter was trained to call, in the registry's order: those its
    TRAINING_RECORD lists. An adapter without one (the shipped adapter, trained before the render
    tool) knows the planned tools only, so it is offered nothing else."""
    path = Path(adapter_dir) / TRAINING_RECORD if adapter_dir is not None else None
    named = json.loads(path.read_text()).get("tools_trained") if path is not None and path.exists() else None
    return [name for name in registry.tools if name in (named or registry.names)]


def tool_schemas(registry, names) -> dict[str, dict]:
    """name -> schema of each tool named (planned or routed): what `answer_pieces` writes calls with."""
    return {name: registry.schema(name) for name in names}


def answer_pieces(gold: dict, schemas: dict[str, dict]) -> list[str]:
    """The text pieces the constrained decoder emits for a gold answer, in order.
    gold: {"tool": name or None, "arguments": {...}, "reply_kind": ...}."""
    if not gold.get("tool"):
        return [REPLY_OPEN, f"{gold.get('reply_kind') or 'chit_chat'}\n"]
    name, args = gold["tool"], gold.get("arguments", {})
    properties = schemas[name]["parameters"]["properties"]
    unknown = set(args) - set(properties)
    if unknown:
        raise ValueError(f"{name} has no argument {sorted(unknown)}")
    return [TOOL_OPEN + '\n{"name": "', f'{name}"', ', "arguments": {'] + argument_pieces(args, properties)


def argument_pieces(args: dict, properties: dict, first: bool = True) -> list[str]:
    """The pieces of a call's arguments in schema order and the closing brace; `first`: no argument
    was written before them."""
    pieces = []
    for key, spec in properties.items():
        if key not in args:
            continue
        pieces.append(f'{"" if first else ", "}"{key}": ')
        first = False
        kind, _ = property_kind(spec)
        value = args[key]
        if kind in ("number", "integer"):
            pieces.append(json.dumps(float(value)))
        elif kind == "boolean":
            pieces.append("true" if value else "false")
        elif kind == "enum":
            pieces.append(json.dumps(value))
        else:
            text = _value(value)
            pieces += ['"', json.dumps(text)[1:]]
    return pieces + ["}"]


def answer_ids(encode, gold: dict, schemas: dict[str, dict]) -> list[int]:
    return [i for piece in answer_pieces(gold, schemas) for i in encode(piece)]
