"""Grammar-constrained greedy decoding over a local causal LM, reusing the KV cache of the longest
prefix: the tool name, argument keys, enum values and numbers are chosen token by token from the
allowed set (a trie walk), strings are free text up to the closing quote, or words of a vocabulary.
`LocalChatModel` (chat_model.py) builds tool calls from these pieces."""
from __future__ import annotations

import copy
import json
from functools import lru_cache

import numpy as np
import torch

from assistant.planning.compact_format import IMAGE_TOKEN

MAX_STRING_TOKENS = 12
MAX_NUMBER_TOKENS = 4


@lru_cache(maxsize=4)
def _word_forms(words: frozenset) -> tuple[frozenset, frozenset]:
    """Words with their plurals, and every prefix of those (for `PrefixCachedDecoder.words`)."""
    forms = frozenset(words | {w + end for w in words for end in ("s", "es")})
    return forms, frozenset(w[:i] for w in forms for i in range(1, len(w) + 1))


class PrefixCachedDecoder:
    """Greedy decoding over a growing token sequence, reusing the KV cache of its longest prefix.
    Image placeholders in the sequence are fed as the projector's soft tokens (`set_images`).

    `speculate` feeds a guessed continuation (a draft) in the same pass as the prompt and keeps the
    next-token logits of each of its positions: a later `advance` to a sequence along the draft is
    answered from those without a forward pass. The decisions stay the model's own (every choice is
    still the argmax of its logits); a wrong draft only costs the passes it would have saved."""

    def __init__(self, model, tokenizer, projector=None):
        from transformers import DynamicCache
        self.model, self.tok, self.projector = model, tokenizer, projector
        self._new_cache = DynamicCache
        self.cache, self.cached_ids = None, []
        self.logits = None
        self.draft_ids: list[int] = []  # the last speculated sequence, and its next-token logits by position
        self.draft_logits: dict[int, torch.Tensor] = {}
        self.passes = 0  # forward passes run (read by tests and docs/experiments/draft_decoding.py)
        self.image_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
        self.soft = None  # soft tokens of the current sequence's photos, in placeholder order
        vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        text = [tokenizer.convert_tokens_to_string([t]) for t in vocab]
        self.digit_ids = [i for i, s in enumerate(text) if s and all(c in "0123456789." for c in s)]
        self.newline_ids = {i for i, s in enumerate(text) if "\n" in s}
        self.eos_ids = {tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")}

    def fork(self, with_cache: bool = False) -> "PrefixCachedDecoder":
        """Another decoder over the same weights, tokenizer and tables, for another thread: its
        sequence and KV cache are its own (a copy of this one's with_cache, which must then be idle)."""
        twin = copy.copy(self)
        twin.cache = copy.deepcopy(self.cache) if with_cache and self.cache is not None else None
        twin.cached_ids = list(self.cached_ids) if twin.cache is not None else []
        twin.logits, twin.draft_ids, twin.draft_logits, twin.passes = None, [], {}, 0
        return twin

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
            self.cache, self.cached_ids, self.draft_ids, self.draft_logits = None, [], [], {}
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
        """Make `ids` the current sequence; return next-token logits (of the last position only: the
        vocabulary projection of every new position would cost more than the layers)."""
        if self.on_draft(ids):  # (where a free-text value's own tokens leave the draft, they come back to it)
            self.logits = self.draft_logits[len(ids) - 1]
            return self.logits
        self._feed(ids, keep=1)
        return self.logits

    @torch.no_grad()
    def speculate(self, ids: list[int], draft: list[int]) -> torch.Tensor:
        """`advance(ids)`, with `draft` fed after it in the same pass and the logits of its positions kept."""
        full = ids + draft
        logits = self._feed(full, keep=len(draft) + 1)
        self.draft_ids, self.draft_logits = full, {len(ids) - 1 + i: row for i, row in enumerate(logits)}
        return self.advance(ids)

    def on_draft(self, ids: list[int]) -> bool:
        """Whether `advance(ids)` is answered from the last draft's pass."""
        return len(ids) - 1 in self.draft_logits and self.draft_ids[:len(ids)] == ids

    def _feed(self, ids: list[int], keep: int) -> torch.Tensor:
        """Run the model over what `ids` adds to the longest cached prefix; the next-token logits of
        its last `keep` positions (the last become `self.logits`)."""
        common = 0
        for a, b in zip(self.cached_ids, ids):
            if a != b:
                break
            common += 1
        common = min(common, len(ids) - keep)  # the positions whose logits are kept are fed again
        if self.cache is None or common <= 0:
            self.cache, common = self._new_cache(), 0
        elif common < len(self.cached_ids):
            self.cache.crop(common - len(self.cached_ids))  # negative: drop that many tokens
        if self.image_id in ids[common:]:
            out = self.model(inputs_embeds=self._embeds(ids, common), past_key_values=self.cache, use_cache=True,
                             logits_to_keep=keep)
        else:
            out = self.model(input_ids=torch.tensor([ids[common:]]), past_key_values=self.cache, use_cache=True,
                             logits_to_keep=keep)
        self.passes += 1
        self.cache, self.cached_ids = out.past_key_values, list(ids)
        logits = out.logits[0].float()
        self.logits = logits[-1]
        return logits

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
