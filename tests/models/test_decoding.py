"""Grammar-constrained decoding (assistant/models/decoding.py): the prefix cache is exact, and a
word-constrained string keeps to the allowed words."""
import json

import torch


def test_prefix_cache_gives_the_same_logits_as_a_fresh_pass(real_bot):
    """Exact in float32; the shipped mixed weights (float16 for steps of a few tokens) stay within
    a small distance of a fresh float32 pass and make the same choice."""
    from assistant.models.chat_model import load_with_adapter
    from assistant.models.decoding import PrefixCachedDecoder
    from assistant.settings import Settings
    shipped = real_bot.controller.planner.chat_model.decoder
    exact = PrefixCachedDecoder(*load_with_adapter(Settings.from_env().controller_adapter_dir))
    ids = exact.encode("<|im_start|>user\nshow me blue shorts<|im_end|>\n<|im_start|>assistant\n")
    other = exact.encode("<|im_start|>user\nshow me red tees<|im_end|>\n<|im_start|>assistant\n")
    with torch.no_grad():
        fresh = exact.model(input_ids=torch.tensor([ids])).logits[0, -1]
    for decoder, tolerance in ((exact, 1e-3), (shipped, 0.2)):
        decoder.advance(other)                  # leaves a cache that shares only a prefix with `ids`
        cached = decoder.advance(ids).clone()   # crops to the common prefix, then extends
        assert torch.allclose(cached, fresh, atol=tolerance) and cached.argmax() == fresh.argmax()


def test_choose_walks_the_options_trie_to_one_option(real_bot):
    decoder = real_bot.controller.planner.chat_model.decoder
    ids = decoder.encode('<|im_start|>user\nred tees<|im_end|>\n<|im_start|>assistant\n{"color": "')
    option, out = decoder.choose(ids, ['Red"', 'Blue"', 'Black"'])
    assert option in ('Red"', 'Blue"', 'Black"') and out == ids + decoder.encode(option)


def test_word_constrained_string_keeps_to_the_allowed_words(real_bot):
    decoder = real_bot.controller.planner.chat_model.decoder
    ids = decoder.encode('<|im_start|>user\nDO YOU HAVE MENS JOGGERS?<|im_end|>\n<|im_start|>assistant\n'
                         '<tool_call>\n{"name": "search", "arguments": {"query": "')
    text, out = decoder.words(ids, frozenset({"pants"}), {"joggers", "mens"})
    forms = {w + end for w in ("pants", "joggers", "mens") for end in ("", "s", "es")}
    assert text and set(text.split()) <= forms
    assert out == ids + decoder.encode(json.dumps(text)[1:])
