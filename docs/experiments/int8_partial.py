"""Dynamic int8 on part of the chat model's linear layers, against the shipped float16-for-few-tokens
weights: the drift of the next-token log-probabilities (the exact model's top 10, at the tool-name
position of six requests) and the time of a one-token step over a 1,000-token cache
(docs/RESULTS.md, Latency: rejected).

    PYTHONPATH=. .venv/bin/python docs/experiments/int8_partial.py
"""
import copy
import time

import torch

from assistant.models.chat_model import HALF_MAX_TOKENS, HalfForFewTokens, load_with_adapter
from assistant.settings import Settings

torch.manual_seed(0)
model, tokenizer, _ = load_with_adapter(Settings.from_env().controller_adapter_dir)
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")


class Int8ForFewTokens(torch.nn.Module):
    """Like HalfForFewTokens, with torch's dynamic int8 weights for steps of a few tokens."""

    def __init__(self, linear):
        super().__init__()
        self.linear = linear
        quantised = copy.deepcopy(linear)
        quantised.qconfig = torch.ao.quantization.default_dynamic_qconfig
        self.int8 = torch.ao.nn.quantized.dynamic.Linear.from_float(quantised)

    def forward(self, x):
        return self.linear(x) if x.shape[:-1].numel() > HALF_MAX_TOKENS else self.int8(x)


def variant(int8_where):
    """A copy of the model: int8 for the linear layers `int8_where(name)` picks, float16 for the rest."""
    copied = copy.deepcopy(model)
    for name, module in list(copied.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                wrap = Int8ForFewTokens if int8_where(f"{name}.{child_name}") else HalfForFewTokens
                setattr(module, child_name, wrap(child))
    return copied


VARIANTS = {"float16 (shipped)": lambda name: False,
            "int8 attention": lambda name: any(k in name for k in ATTENTION),
            "int8 but down_proj and head": lambda name: "down_proj" not in name and "lm_head" not in name,
            "int8 everywhere": lambda name: True}
REQUESTS = ["red hoodie for men under 45 dollars", "not black, something cheaper", "womns jaket blu under 80",
            "why the second one?", "show it in green", "tees or tanks for women in size M"]
system = open("prompts/system.txt").read()[:3000]
for label, where in VARIANTS.items():
    m = variant(where)
    drifts, agree = [], 0
    for request in REQUESTS:
        ids = torch.tensor([tokenizer.encode(f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{request}"
                                             '<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "')])
        with torch.no_grad():
            prompt = model(input_ids=ids[:, :-1], use_cache=True)
            exact = torch.log_softmax(model(input_ids=ids[:, -1:], past_key_values=copy.deepcopy(prompt.past_key_values)).logits[0, -1], -1)
            step = torch.log_softmax(m(input_ids=ids[:, -1:], past_key_values=copy.deepcopy(prompt.past_key_values)).logits[0, -1], -1)
        top = exact.topk(10).indices
        drifts.append(float((step[top] - exact[top]).abs().max()))
        agree += int(step.argmax() == exact.argmax())
    with torch.no_grad():
        cache = m(input_ids=torch.tensor([tokenizer.encode(system)[:1000]]), use_cache=True).past_key_values
        times = []
        for i in range(30):
            start = time.perf_counter()
            m(input_ids=torch.tensor([[100 + i]]), past_key_values=cache)
            times.append(time.perf_counter() - start)
            cache.crop(-1)
    print(f"{label:28} drift {max(drifts):.3f} nats (per request {[round(d, 3) for d in drifts]}), "
          f"same top token {agree}/{len(REQUESTS)}, step p50 {sorted(times)[15] * 1000:.1f} ms", flush=True)
