"""The endpoint planner (assistant/planning/endpoint.py) in whole Assistant turns over the small catalog.

Its chat model here is a TEST DOUBLE: langchain-core's GenericFakeChatModel answering with scripted
AIMessages, as langchain-openai's ChatOpenAI would parse a server's answer. It tests what the planner
sends and how the controller treats what comes back; the planner against a real llama.cpp server is
tests/engines/test_llama_cpp_endpoint.py (`make test-engines`).
"""
from dataclasses import replace

import pytest
from pydantic import Field
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from assistant import Assistant
from assistant.planning.endpoint import EndpointPlanner
from assistant.planning.planner import PlannerError
from tools.catalog_filter import Constraints, satisfies

pytestmark = pytest.mark.unit


class ScriptedToolChatModel(GenericFakeChatModel):
    """TEST DOUBLE, not a server: answers each request with the next scripted message (an
    AIMessage, a str, or an exception to raise) and keeps what it was sent and the tools bound."""
    sent: list = Field(default_factory=list)
    tools: list = Field(default_factory=list)

    tool_choice: str | None = None

    def bind_tools(self, tools, tool_choice=None, **kwargs):
        self.tools, self.tool_choice = [convert_to_openai_tool(t) for t in tools], tool_choice
        return self.bind(tools=self.tools, tool_choice=tool_choice, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.sent.append(list(messages))
        answer = next(self.messages)
        if isinstance(answer, Exception):
            raise answer
        message = AIMessage(content=answer) if isinstance(answer, str) else answer
        return ChatResult(generations=[ChatGeneration(message=message)])


def call(name: str, **args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{name}", "type": "tool_call"}])


@pytest.fixture
def endpoint_bot(tmp_settings, small_catalog, registry):
    """bot, chat model: an Assistant over the small catalog whose planner is the endpoint planner
    over the scripted chat model."""
    def make(script: list):
        model = ScriptedToolChatModel(messages=iter(script))
        settings = replace(tmp_settings, chat_endpoint="http://endpoint.test/v1")
        return Assistant(settings, small_catalog, EndpointPlanner(model, registry, settings), None, None), model
    return make


def test_the_server_gets_the_registrys_tool_schemas_and_no_local_tags(endpoint_bot, session_id):
    bot, model = endpoint_bot([call("catalog_filter", sort="rating"), "done"])
    bot.respond(session_id, "women's jackets")
    assert model.tools == [convert_to_openai_tool(t) for t in bot.registry.offered()]
    assert model.tool_choice == "auto"  # llama.cpp offers no tools to a request without one
    system = model.sent[0][0].content
    assert "<tool_call>" not in system and "call one of the tools you are given" in system
    assert "- search(query," in system  # the same tool descriptions as the prompted planner's


def test_a_tool_call_is_grounded_and_the_turn_ends_in_catalog_items(endpoint_bot, session_id, small_catalog):
    # The model asks for men's jackets; the shopper said women's under $60: the tracker's values win.
    bot, model = endpoint_bot([call("catalog_filter", gender="Men", category="Jackets", price_max="500"), ""])
    reply = bot.respond(session_id, "women's jackets under $60")
    assert reply.tool_calls[0]["name"] == "catalog_filter" and reply.tool_calls[0]["planned_by"] == "model"
    assert reply.tool_calls[0]["arguments"]["gender"] == "Women" and reply.tool_calls[0]["arguments"]["price_max"] == 60
    wanted = Constraints(gender="Women", category=["Jackets"], price_max=60)
    assert reply.items and all(satisfies(small_catalog.get(i.sku), wanted) for i in reply.items)
    # The second request showed the server the call as grounded and what it returned.
    done = model.sent[1][-1].content.split("[done this turn]\n")[1]
    assert "gender='Women'" in done and "price_max=60" in done and reply.items[0].name in done


def test_the_conversation_goes_as_text_that_any_server_takes(endpoint_bot, session_id):
    bot, model = endpoint_bot([call("catalog_filter"), "", call("catalog_filter"), "", call("catalog_filter"), ""])
    for text in ("men's hoodies", "in black", "cheapest first"):
        bot.respond(session_id, text)
    first, follow_up = model.sent[-2], model.sent[-1]  # the third turn's two requests
    # The system prompt and one message: no tool-call message (llama.cpp refuses one without text).
    assert [type(m).__name__ for m in first] == ["SystemMessage", "HumanMessage"]
    message = first[1].content
    assert "[earlier]\nShopper: men's hoodies\nAssistant: catalog_filter(" in message
    assert "Shopper: in black\nAssistant: catalog_filter(" in message and message.endswith("[shopper]\ncheapest first")
    assert follow_up[1].content.startswith(message) and "[done this turn]\nAssistant: catalog_filter(" in follow_up[1].content


@pytest.mark.parametrize("answer, says", [
    (AIMessage(content="", invalid_tool_calls=[{"name": "catalog_filter", "args": "{\"sort\": ", "id": "c1",
                                                "error": "Expecting value", "type": "invalid_tool_call"}]),
     "malformed tool call 'catalog_filter'"),
    (call("checkout", item="1"), "unknown tool 'checkout'"),
    (ConnectionError("connection refused"), "failed: ConnectionError: connection refused"),
])
def test_a_malformed_or_failed_answer_falls_back_with_a_clear_message(endpoint_bot, session_id, small_catalog,
                                                                      caplog, answer, says):
    bot, _ = endpoint_bot([answer, ""])
    with caplog.at_level("WARNING", logger="assistant.controller"):
        reply = bot.respond(session_id, "cheapest women's jackets")
    message = next(r.getMessage() for r in caplog.records if "planner failed" in r.getMessage())
    assert says in message and "http://endpoint.test/v1" in message
    # The fallback policy planned the turn from the dialogue state, as for any planner failure.
    assert reply.proposed_tools[0] is None and reply.tool_calls[0]["planned_by"] == "fallback"
    wanted = Constraints(gender="Women", category=["Jackets"])
    assert reply.items and all(satisfies(small_catalog.get(i.sku), wanted) for i in reply.items)
    assert [i.price for i in reply.items] == sorted(i.price for i in reply.items)


def test_planner_error_is_what_step_raises(tmp_settings, registry):
    planner = EndpointPlanner(ScriptedToolChatModel(messages=iter([])), registry, tmp_settings, where="here")
    with pytest.raises(PlannerError, match="unknown tool 'render'"):  # routed, never offered to a planner
        planner.step(call("render", color="Green"))
    assert planner.step(AIMessage(content="Hello!")).reply == "Hello!"


def test_the_settings_endpoint_gives_chatopenai_on_that_url(tmp_settings, registry, small_vocab, small_catalog):
    pytest.importorskip("langchain_openai", reason="langchain-openai is a dependency: `make install`")
    from assistant.planning.loader import load_planner
    settings = replace(tmp_settings, chat_endpoint="http://127.0.0.1:9/v1", chat_endpoint_model="served-name",
                       chat_endpoint_key="secret")
    planner = load_planner(settings, registry, small_vocab, small_catalog, None)
    assert isinstance(planner, EndpointPlanner)
    model = planner.chat_model
    assert str(model.openai_api_base) == "http://127.0.0.1:9/v1" and model.model_name == "served-name"
    assert model.openai_api_key.get_secret_value() == "secret" and model.temperature == 0


def test_an_unreachable_server_falls_back_through_the_real_client(tmp_settings, small_catalog, session_id, caplog):
    pytest.importorskip("langchain_openai", reason="langchain-openai is a dependency: `make install`")
    import socket
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = replace(tmp_settings, chat_endpoint=f"http://127.0.0.1:{port}/v1", chat_endpoint_timeout=5.0)
    bot = Assistant(settings, small_catalog, None, None, None)
    assert isinstance(bot.controller.planner, EndpointPlanner)
    with caplog.at_level("WARNING", logger="assistant.controller"):
        reply = bot.respond(session_id, "cheapest men's hoodies")
    failures = [r.getMessage() for r in caplog.records if "planner failed" in r.getMessage()]
    assert len(failures) == 1 and "ConnectionError" in failures[0] and f"127.0.0.1:{port}" in failures[0]
    assert reply.items and reply.tool_calls[0]["planned_by"] == "fallback"  # asked once, then planned by the state
