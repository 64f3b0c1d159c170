"""The local chat model (assistant/models/chat_model.py): tool calls are always valid, and what a
planner asks of it (value and word options, reply kinds, calibration) comes with each call."""
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.models.chat_model import Calibration, LocalChatModel


@pytest.fixture(scope="module")
def chat(real_bot):
    planner = real_bot.controller.planner
    return planner.llm, real_bot.registry, planner.system


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


@pytest.mark.unit
def test_render_round_trips_tool_calls():
    text = LocalChatModel.render([SystemMessage(content="s"), HumanMessage(content="hi"),
                                  AIMessage(content="", tool_calls=[{"name": "search", "args": {"query": "x"},
                                                                     "id": "1", "type": "tool_call"}]),
                                  ToolMessage(content="3 items", tool_call_id="1")])
    assert '<tool_call>\n{"name": "search", "arguments": {"query": "x"}}\n</tool_call>' in text
    assert "<|im_start|>tool\n3 items<|im_end|>" in text and text.endswith("<|im_start|>assistant\n")


@pytest.mark.unit
def test_binding_tools_loads_no_weights(registry):
    """The weights load on the first decoding (or warm_up), not when a planner is built."""
    chat_model = LocalChatModel(model_name="no-such-model")
    bound = chat_model.bind_tools(registry.offered(), value_options={"color": ["Red"]})
    assert [t["function"]["name"] for t in bound.kwargs["tools"]] == registry.names
    assert bound.kwargs["value_options"] == {"color": ["Red"]} and chat_model._decoder is None


def test_any_local_model_directory_loads_and_makes_valid_calls(tiny_chat_model, real_bot):
    registry = real_bot.registry
    message = tiny_chat_model.bind_tools(registry.offered()).invoke(
        [SystemMessage(content="s"), HumanMessage(content="red tees")], tool_choice="any")
    call = message.tool_calls[0]
    assert call["name"] in registry.names and registry.repair(call["name"], call["args"])[1] == []


def test_a_reply_names_one_of_the_kinds_it_is_given(real_bot):
    chat_model, registry = real_bot.controller.planner.chat_model, real_bot.registry
    llm = chat_model.bind_tools(registry.offered())
    messages = [SystemMessage(content="s"), HumanMessage(content="hello")]
    kind = llm.invoke(messages, tool_choice="none", reply_kinds=("greeting", "farewell"))
    assert kind.content == "" and kind.additional_kwargs["reply_kind"] in ("greeting", "farewell")
    words = llm.invoke(messages, tool_choice="none", reply_tokens=0)
    assert words.content == "" and "reply_kind" not in words.additional_kwargs


def paint(color: str, shade: str) -> str:
    """Paint the wall.

    Args:
        color: the colour.
        shade: how light.
    """
    return color


def test_value_and_word_options_bound_the_arguments_and_calibration_measures_its_prior_once(tiny_chat_model):
    llm = tiny_chat_model.bind_tools([paint])
    measured = set(tiny_chat_model._prior_cache)
    messages = [SystemMessage(content="s"), HumanMessage(content="a darker wall")]
    for _ in range(2):
        message = llm.invoke(messages, tool_choice="any", value_options={"color": ["Teal", "Plum"]},
                             word_options={"shade": frozenset({"light"})}, calibration=Calibration(0.5, "N/A"))
        args = message.tool_calls[0]["args"]
        assert args["color"] in ("Teal", "Plum")
        assert set(args["shade"].split()) <= {w + end for w in ("a", "darker", "wall", "light") for end in ("", "s", "es")}
    assert set(tiny_chat_model._prior_cache) - measured == {("s", "N/A", ("paint",))}


def test_a_few_tokens_use_float16_weights_and_a_prompt_float32():
    import torch

    from assistant.models.chat_model import HALF_MAX_TOKENS, HalfForFewTokens, inference_weights
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 32)
    wrapped = HalfForFewTokens(linear)
    few, many = torch.randn(1, HALF_MAX_TOKENS, 64), torch.randn(1, HALF_MAX_TOKENS + 1, 64)
    assert torch.equal(wrapped(many), linear(many))  # a prompt: float32 as it was
    assert wrapped(few).dtype == torch.float32 and torch.allclose(wrapped(few), linear(few), atol=2e-2)
    assert not torch.equal(wrapped(few), linear(few))  # the float16 copy was used
    with pytest.raises(ValueError, match="chat weights"):
        inference_weights(linear, "int4")


def test_mixed_weights_keep_the_shipped_models_next_token_choice():
    import copy

    import torch

    from assistant.models.chat_model import half_for_few_tokens, load_with_adapter
    from assistant.settings import Settings
    model, tokenizer, _ = load_with_adapter(Settings.from_env().controller_adapter_dir)
    mixed = half_for_few_tokens(copy.deepcopy(model))
    ids = torch.tensor([tokenizer.encode("<|im_start|>user\nred hoodie for men under 45 dollars<|im_end|>\n"
                                         "<|im_start|>assistant\n")])
    with torch.no_grad():
        prompt = model(input_ids=ids[:, :-1], use_cache=True)
        exact = torch.log_softmax(model(input_ids=ids[:, -1:], past_key_values=copy.deepcopy(prompt.past_key_values)).logits[0, -1], -1)
        step = torch.log_softmax(mixed(input_ids=ids[:, -1:], past_key_values=prompt.past_key_values).logits[0, -1], -1)
    top = exact.topk(10).indices
    assert step.argmax() == exact.argmax() and (step[top] - exact[top]).abs().max() < 0.1


def test_a_list_argument_is_written_back_as_a_list():
    from assistant.planning.compact_format import parse_value, takes_list
    from tools.registry import ToolRegistry
    properties = ToolRegistry().schema("search")["parameters"]["properties"]
    assert takes_list(properties["not_color"]) and not takes_list(properties["query"])
    assert parse_value("Black", as_list=True) == ["Black"] and parse_value("Black") == "Black"


def _decode_counting(llm, chat_model, messages, **kwargs) -> tuple[dict, int]:
    passes = chat_model.decoder.passes
    call = llm.invoke(messages, tool_choice="any", **kwargs).tool_calls[0]
    return {"name": call["name"], "args": call["args"]}, chat_model.decoder.passes - passes


@pytest.mark.parametrize("text", ["red hoodie for men under 45 dollars", "womns jaket blu not black, size M or L"])
def test_a_draft_saves_forward_passes_and_changes_no_choice(real_bot, text):
    """The draft is checked in the prompt's pass: the model's own call, right or wrong draft alike."""
    planner = real_bot.controller.planner
    llm, chat_model = planner.llm, planner.chat_model
    messages = [planner.system, HumanMessage(content=text)]
    plain, plain_passes = _decode_counting(llm, chat_model, messages)
    chat_model.decoder.cache = None  # nothing cached from the plain decoding but what a new turn has
    right, right_passes = _decode_counting(llm, chat_model, messages,
                                           draft={"tool": plain["name"], "arguments": plain["args"]})
    wrong, _ = _decode_counting(llm, chat_model, messages,
                                draft={"tool": "catalog_filter", "arguments": {"color": "Yellow", "sort": "rating"}})
    unfit, _ = _decode_counting(llm, chat_model, messages, draft={"tool": "search", "arguments": {"price_max": "cheap"}})
    assert right == plain and wrong == plain and unfit == plain
    assert right_passes == 1 < plain_passes


@pytest.mark.unit
def test_expected_call_is_what_the_tracker_read():
    from assistant.catalog.constraints import Constraints
    from assistant.dialogue.state import DialogueState
    from assistant.dialogue.tracker import Reading
    from assistant.planning.planner import Turn
    from assistant.planning.tuned import expected_call
    state = DialogueState("s", topic="jacket", constraints=Constraints.from_dict({"gender": "Women"}))
    turn = lambda **read: Turn(state=state, text="", reading=Reading(**read), before={})  # noqa: E731
    assert expected_call(turn()) == {"tool": "search", "arguments": {"query": "jacket", "gender": "Women"}}
    assert expected_call(turn(sort="price_asc")) == {"tool": "catalog_filter",
                                                     "arguments": {"gender": "Women", "sort": "price_asc"}}
    assert expected_call(turn(photo="photo 1"))["arguments"]["photo"] == "photo 1"
    assert expected_call(turn(recommend="similar")) == {"tool": "recommend", "arguments": {"relation": "similar"}}


def test_decisions_decode_at_once_each_in_its_own_cache(real_bot):
    """Threads share the weights and never each other's KV cache: the same calls as one at a time,
    with no more decoders than the settings allow."""
    import threading
    planner = real_bot.controller.planner
    llm, chat_model = planner.llm, planner.chat_model
    texts = ["red hoodie for men under 45 dollars", "womns jaket blu not black, size M or L",
             "cheapest tees for women", "green or blue running shorts for men"]

    def decide(text):
        call = llm.invoke([planner.system, HumanMessage(content=text)], tool_choice="any").tool_calls[0]
        return call["name"], call["args"]

    alone = [decide(text) for text in texts]
    together: list = [None] * len(texts)
    threads = [threading.Thread(target=lambda i=i: together.__setitem__(i, decide(texts[i]))) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone
    assert 1 <= chat_model._made <= chat_model.decoders == real_bot.settings.turns_at_once
