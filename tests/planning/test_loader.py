"""Which planner the settings ask for (assistant/planning/loader.py); building one loads no weights."""
from dataclasses import replace

import pytest

from assistant.planning.loader import controller_adapter, load_planner
from assistant.planning.prompted import PromptedPlanner
from assistant.planning.tuned import TunedPlanner
from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit
SHIPPED_ADAPTER = PROJECT_ROOT / "assistant" / "weights" / "controller"


def test_the_shipped_adapter_gives_the_tuned_planner(tmp_settings, registry, small_vocab, small_catalog,
                                                     one_hot_embedder):
    planner = load_planner(tmp_settings, registry, small_vocab, small_catalog, one_hot_embedder)
    assert isinstance(planner, TunedPlanner) and planner.chat_model.adapter_dir == SHIPPED_ADAPTER
    assert planner.chat_model.model_name == tmp_settings.chat_model
    assert planner.chat_model.max_new_tokens == tmp_settings.max_new_tokens


def test_no_adapter_gives_the_prompted_base_model(tmp_settings, registry, small_vocab, small_catalog, one_hot_embedder):
    base = load_planner(replace(tmp_settings, chat_adapter="none"), registry, small_vocab, small_catalog,
                        one_hot_embedder)
    assert isinstance(base, PromptedPlanner) and base.calibration.share == tmp_settings.calibrate
    assert base.chat_model.adapter_dir is None


def test_a_chosen_adapter_directory_must_hold_an_adapter(tmp_settings, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "adapter_config.json").write_text("{}")
    assert controller_adapter(replace(tmp_settings, chat_adapter=str(tmp_path / "mine"))) == tmp_path / "mine"
    with pytest.raises(FileNotFoundError, match="SHOPASSIST_CHAT_ADAPTER"):
        controller_adapter(replace(tmp_settings, chat_adapter=str(tmp_path / "empty")))
