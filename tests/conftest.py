"""Shared fixtures: the real catalog and models (built by setup once), and a scripted chat model."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.catalog.store import Catalog
from assistant.settings import Settings
from assistant.setup import run_setup
from assistant.dialogue.state import DialogueState
from tools.base import ToolContext
from tools.index import load_index
from tools.registry import ToolRegistry
from assistant.catalog.vocabulary import Vocabulary


class ScriptedChatModel(BaseChatModel):
    """A deterministic chat model for controller tests (the openai-agents-python way).

    `script` is a list of steps; each is an AIMessage, a dict {"name", "args"} for a tool call,
    a str for a plain reply, an Exception to raise, or a callable(messages) -> one of those.
    Every prompt it receives is kept in `seen`.
    """
    script: list = []
    seen: list = []
    _steps: Any = None

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self._steps is None:
            self._steps = itertools.chain(self.script, itertools.repeat(""))
        self.seen.append(messages)
        step = next(self._steps)
        if callable(step) and not isinstance(step, (dict, str, AIMessage)):
            step = step(messages)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, dict):
            step = AIMessage(content="", tool_calls=[{"name": step["name"], "args": step.get("args", {}),
                                                      "id": f"call_{len(self.seen)}", "type": "tool_call"}])
        if isinstance(step, str):
            step = AIMessage(content=step)
        return ChatResult(generations=[ChatGeneration(message=step)])


@pytest.fixture(scope="session")
def settings() -> Settings:
    settings = Settings.from_env()
    run_setup(settings, with_model=False)  # idempotent: a no-op when data/ is built
    return settings


@pytest.fixture(scope="session")
def catalog(settings) -> Catalog:
    return Catalog(settings.db_path)


@pytest.fixture(scope="session")
def vocab(catalog) -> Vocabulary:
    return Vocabulary.from_catalog(catalog)


@pytest.fixture(scope="session")
def embedder(settings):
    from assistant.models.text_embedder import get_text_embedder
    return get_text_embedder(settings.text_model)


@pytest.fixture(scope="session")
def text_index(settings):
    return load_index(settings.index_dir / "text")


@pytest.fixture
def ctx(catalog, vocab, settings, text_index, embedder) -> ToolContext:
    return ToolContext(catalog=catalog, vocab=vocab, settings=settings, text_index=text_index, embedder=embedder,
                       state=DialogueState("test"))


@pytest.fixture(scope="session")
def registry() -> ToolRegistry:
    return ToolRegistry()


@pytest.fixture
def scripted_bot(settings, catalog, embedder, text_index):
    """An Assistant whose chat model follows a script: make_bot([steps...])."""
    from assistant import Assistant

    def make(script: list):
        model = ScriptedChatModel(script=list(script), seen=[])
        return Assistant(settings, catalog, model, embedder, text_index), model
    return make


@pytest.fixture(scope="session")
def real_bot(settings):
    """The real default assistant (SmolLM2-135M controller), loaded once for the session."""
    from assistant import Assistant
    return Assistant.from_settings(settings)


@pytest.fixture
def session_id(request) -> str:
    import uuid
    return f"test-{request.node.name}-{uuid.uuid4().hex[:6]}"


def synthetic_interaction_log(catalog, path, users: int = 120, seed: int = 0):
    """TEST FIXTURE ONLY: a made-up interaction log with planted structure (each shopper
    interacts with products from one small block of SKUs), written as CSV. The Luma catalog has
    no real log; nothing outside tests uses this."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    parents = sorted({p.parent_sku for p in catalog.all()})[:60]  # the rest stay cold
    rows = []
    for u in range(users):
        block = rng.integers(0, len(parents) // 6) * 6
        for k in range(4):
            sku = parents[block + rng.integers(0, 6)]
            rows.append((f"shopper-{u}", sku, rng.choice(["view", "add_to_cart", "purchase"]), 1_700_000_000 + 60 * k))
    pd.DataFrame(rows, columns=["user_id", "item_id", "event", "timestamp"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def movielens(settings):
    """MovieLens-100k from the recbole wheel on PyPI (downloaded once into data/)."""
    from assistant.evaluation import movielens as ml
    return ml.load(ml.fetch(settings.data_dir))
