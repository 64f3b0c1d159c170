"""Which planner the settings ask for (assistant/planning/loader.py)."""
from assistant.planning.loader import load_planner
from assistant.planning.prompted import PromptedPlanner
from assistant.planning.tuned import TunedPlanner


def test_the_settings_choose_the_planner(settings, registry, vocab, catalog, embedder):
    from dataclasses import replace
    assert isinstance(load_planner(settings, registry, vocab, catalog, embedder), TunedPlanner)
    base = load_planner(replace(settings, chat_adapter="none"), registry, vocab, catalog, embedder)
    assert isinstance(base, PromptedPlanner) and base.calibration.share == settings.calibrate
    assert base.chat_model.adapter_dir is None
