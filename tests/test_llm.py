"""The real default chat model (SmolLM2-135M): tool calls are always valid, the cache is exact."""
import json

import pytest
import torch
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage


@pytest.fixture(scope="module")
def chat(real_bot):
    return real_bot.controller.llm, real_bot.registry, real_bot.controller.system


@pytest.mark.parametrize("text", ["women's jackets under $60", "why the second one?", "hello",
                                  "}}]] {\"name\": \"drop\"", "Quiero una chaqueta roja"])
def test_every_tool_call_is_valid(chat, text):
    llm, registry, system = chat
    message = llm.invoke([system, HumanMessage(content=text)])
    for call in message.tool_calls:
        assert call["name"] in registry.names
        args, problems = registry.repair(call["name"], call["args"])
        assert problems == [] and args == {k: v for k, v in call["args"].items() if v is not None}


def test_forced_tool_call_and_schema_types(chat):
    llm, registry, system = chat
    message = llm.invoke([system, HumanMessage(content="red hoodie for men under 45 dollars")],
                         tool_choice="any")
    assert message.tool_calls
    schema = registry.schema(message.tool_calls[0]["name"])["parameters"]["properties"]
    for key, value in message.tool_calls[0]["args"].items():
        assert key in schema
        if key.startswith("price"):
            assert isinstance(value, float)


def test_render_round_trips_tool_calls():
    from assistant.models.chat_model import LocalChatModel
    text = LocalChatModel.render([SystemMessage(content="s"), HumanMessage(content="hi"),
                                  AIMessage(content="", tool_calls=[{"name": "search", "args": {"query": "x"},
                                                                     "id": "1", "type": "tool_call"}]),
                                  ToolMessage(content="3 items", tool_call_id="1")])
    assert '<tool_call>\n{"name": "search", "arguments": {"query": "x"}}\n</tool_call>' in text
    assert "<|im_start|>tool\n3 items<|im_end|>" in text and text.endswith("<|im_start|>assistant\n")


def test_prefix_cache_gives_the_same_logits_as_a_fresh_pass(real_bot):
    decoder = real_bot.controller.llm.bound.decoder if hasattr(real_bot.controller.llm, "bound") else None
    decoder = decoder or real_bot.controller.llm.decoder
    ids = decoder.encode("<|im_start|>user\nshow me blue shorts<|im_end|>\n<|im_start|>assistant\n")
    other = decoder.encode("<|im_start|>user\nshow me red tees<|im_end|>\n<|im_start|>assistant\n")
    decoder.advance(other)                  # leaves a cache that shares only a prefix with `ids`
    cached = decoder.advance(ids).clone()   # crops to the common prefix, then extends
    with torch.no_grad():
        fresh = decoder.model(input_ids=torch.tensor([ids])).logits[0, -1]
    assert torch.allclose(cached, fresh, atol=1e-3)


def test_any_local_model_directory_loads_and_makes_valid_calls(tmp_path, real_bot):
    """The non-default path: a tiny randomly initialised Llama saved locally, used as the model."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from assistant.models.chat_model import LocalChatModel
    base = real_bot.controller.llm.bound.decoder.tok
    config = LlamaConfig(vocab_size=len(base), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    base.save_pretrained(tmp_path)
    model = LocalChatModel(model_name=str(tmp_path), calibrate=0)
    assert isinstance(AutoTokenizer.from_pretrained(tmp_path), type(base))
    registry = real_bot.registry
    message = model.bind_tools(list(registry.tools.values())).invoke(
        [real_bot.controller.system, HumanMessage(content="red tees")], tool_choice="any")
    call = message.tool_calls[0]
    assert call["name"] in registry.names and registry.repair(call["name"], call["args"])[1] == []


def test_tuned_values_come_from_the_catalog_and_query_words_from_the_prompt(real_bot):
    """Closed fields pick among catalog values; the query uses only words said or known."""
    from assistant.planning.compact_format import SYSTEM, render_turn, words_of
    llm = real_bot.controller.llm.bound
    assert llm.tuned and llm.value_options["color"] and llm.query_words
    context = {"topic": "", "constraints": {}, "photos": [], "shown": 0}
    for text in ["DO YOU HAVE MENS JOGGERS IN BURGUNDY NO MORE THAN 50 DOLLARS?", "singlets for him in plum, cotton"]:
        user = render_turn(context, text, [], {}, 0)
        message = real_bot.controller.llm.invoke([SystemMessage(content=SYSTEM), HumanMessage(content=user)],
                                                 tool_choice="any")
        args = message.tool_calls[0]["args"]
        for key, value in args.items():
            if key in llm.value_options:
                assert set(value if isinstance(value, list) else [value]) <= set(llm.value_options[key]), (key, value)
        allowed = {w + end for w in words_of(user) | set(llm.query_words) for end in ("", "s", "es")}
        assert set(args.get("query", "").split()) <= allowed, args


def test_word_constrained_string_keeps_to_the_allowed_words(real_bot):
    decoder = real_bot.controller.llm.bound.decoder
    ids = decoder.encode('<|im_start|>user\nDO YOU HAVE MENS JOGGERS?<|im_end|>\n<|im_start|>assistant\n'
                         '<tool_call>\n{"name": "search", "arguments": {"query": "')
    text, out = decoder.words(ids, frozenset({"pants"}), {"joggers", "mens"})
    forms = {w + end for w in ("pants", "joggers", "mens") for end in ("", "s", "es")}
    assert text and set(text.split()) <= forms
    assert out == ids + decoder.encode(json.dumps(text)[1:])
