"""The endpoint planner against a REAL llama.cpp server (llama-cpp-python[server] 0.3.36, built by
`make test-engines` into .engines/, serving SmolLM2-135M-Instruct Q4_1 with chatml-function-calling):
real HTTP, real tool calls, whole Assistant turns over the real catalog.

Selected only by `make test-engines` (`pytest -m engines`, marker `engines`); selected without the
server's Python (SHOPASSIST_ENGINE_PYTHON) they fail, they do not skip. CI does not build the server
(about 15 minutes of its 60), so CI does not run them.
"""
import os
from dataclasses import replace

import pytest
from langchain_core.messages import HumanMessage

from assistant import Assistant
from assistant.evaluation.llama_server import llama_server
from assistant.planning.endpoint import EndpointPlanner
from tools.catalog_filter import Constraints, satisfies

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def llama_endpoint():
    python = os.environ.get("SHOPASSIST_ENGINE_PYTHON")
    if not python:
        pytest.fail("SHOPASSIST_ENGINE_PYTHON is not set: `make test-engines` builds llama.cpp's server into "
                    ".engines/ and runs these tests with it", pytrace=False)
    with llama_server(python, threads=max(1, os.cpu_count() or 1)) as server:
        yield server.url


@pytest.fixture(scope="module")
def endpoint_bot(settings, llama_endpoint):
    # A first request fills the server's cache with the system prompt and the tools' schemas: on a
    # busy 2-core machine that takes more than the default 30 s.
    bot = Assistant.from_settings(replace(settings, chat_endpoint=llama_endpoint, chat_endpoint_timeout=600.0))
    assert isinstance(bot.controller.planner, EndpointPlanner)
    return bot


def test_the_server_returns_schema_valid_tool_calls(endpoint_bot):
    """A call forced to `search` comes back over HTTP as an OpenAI tool call whose arguments the
    registry accepts unchanged (the server decodes them under the tool's schema)."""
    planner = endpoint_bot.controller.planner
    forced = planner.chat_model.bind_tools(endpoint_bot.registry.offered(), tool_choice="search")
    answer = forced.invoke([planner.system, HumanMessage(content="[dialogue]\nlooking for: -\nconstraints: none\n"
                                                                 "[shopper]\nwomen's jackets under $60")])
    assert answer.tool_calls and answer.tool_calls[0]["name"] == "search"
    args, problems = endpoint_bot.registry.repair("search", answer.tool_calls[0]["args"])
    assert problems == [] and args == answer.tool_calls[0]["args"]


TURNS = [  # (message, what every item must meet, the order of prices or None)
    ("I'm looking for a women's jacket under $60", Constraints(gender="Women", category=["Jackets"], price_max=60), None),
    ("in blue instead", Constraints(gender="Women", category=["Jackets"], color="Blue", price_max=60), None),
    ("show me the cheapest men's shorts", Constraints(gender="Men", category=["Shorts"]), "ascending"),
    ("a backpack for hiking", Constraints(category=["Bags"]), None),
]


def test_real_turns_plan_with_the_servers_tool_calls_and_end_in_catalog_items(endpoint_bot, session_id, caplog):
    catalog = endpoint_bot.catalog
    proposed = []
    with caplog.at_level("WARNING", logger="assistant.controller"):
        for text, wanted, order in TURNS:
            reply = endpoint_bot.respond(session_id, text)
            proposed.append(reply.proposed_tools[0] if reply.proposed_tools else None)
            assert reply.items, f"{text!r}: no items ({reply.text})"
            products = [catalog.get(i.sku) for i in reply.items]
            assert all(p is not None and satisfies(p, wanted) for p in products), text
            if order:
                assert [p.price for p in products] == sorted(p.price for p in products)
    # Every request was answered with a step (no failure, no malformed call), and the server's own
    # tool calls planned turns (the untuned model may also answer some with words: the fallback's).
    assert not [r.getMessage() for r in caplog.records if "planner failed" in r.getMessage()]
    assert any(name in endpoint_bot.registry.names for name in proposed), proposed
