"""The planners (assistant/planning/): the tuned one reads the prompt it was trained on and plans
one call a turn; the prompted one reads the dialogue and demonstrations, and may take several steps."""
import numpy as np
import pytest

from assistant.dialogue.state import DialogueState, HistoryEntry, Photo, ShownItem
from assistant.dialogue.tracker import Reading
from assistant.models.chat_model import LocalChatModel
from assistant.planning.compact_format import SYSTEM, chatml, render_turn, words_of
from assistant.planning.loader import load_planner
from assistant.planning.planner import Observation, Turn
from assistant.planning.prompted import CONTENT_FREE, PromptedPlanner
from assistant.planning.tuned import TunedPlanner


def a_turn(text: str, sent=(), vectors=None) -> Turn:
    """A turn after a search for women's jackets: five on screen, one photo sent before."""
    state = DialogueState("planners", topic="jacket", history=[
        HistoryEntry("user", "women's jackets"),
        HistoryEntry("assistant", "Here are 5", [{"name": "search", "arguments": {"query": "jacket", "gender": "Women"}}])])
    state.constraints = state.constraints.updated({"gender": "Women", "category": ["Jackets"]})
    state.shown = [ShownItem(i, f"WJ0{i}-Blue", f"Jacket {i}", "Blue", "Jackets", 50.0) for i in range(1, 6)]
    state.photos = [Photo("photo 1", "p1.jpg", "1", "looks like Jackets", "Jackets, Blue, Women"),
                    Photo("photo 2", "p2.jpg", "2", "looks like Tees", "Tees, Red, Men")][: 1 + len(sent)]
    before = {"topic": state.topic, "constraints": state.constraints.to_dict()}
    return Turn(state, text, Reading(), before, tuple(sent), vectors or {})


def test_the_tuned_prompt_is_the_training_prompt(real_bot):
    """Photos with an embedding as soft tokens, without one as the reader's words; the same text,
    and so the same tokens, as assistant/training/controller.py trains on."""
    planner = real_bot.controller.planner
    assert isinstance(planner, TunedPlanner) and planner.image_tokens > 0
    vectors = {"photo 2": np.zeros(384, dtype=np.float32)}
    turn = a_turn("like this but in red", sent=["photo 2"], vectors=vectors)
    messages = planner.messages(turn)
    context = {**turn.before, "photos": ["photo 1"], "shown": 5}
    user = render_turn(context, turn.text, ["photo 2"], {"photo 1": "Jackets, Blue, Women", "photo 2": None},
                       planner.image_tokens)
    assert LocalChatModel.render(messages) == chatml(SYSTEM, user)
    assert len(messages[-1].additional_kwargs["images"]) == 1
    as_words = TunedPlanner(planner.chat_model, real_bot.registry, planner.value_options, planner.query_words,
                            photos_as_tokens=False)
    assert "photo 2 (Tees, Red, Men)" in as_words.messages(turn)[-1].content
    assert "images" not in as_words.messages(turn)[-1].additional_kwargs


def test_the_tuned_planner_plans_one_call_with_catalog_values_and_said_words(real_bot):
    planner = real_bot.controller.planner
    assert planner.value_options["color"] and planner.query_words
    for text in ["DO YOU HAVE MENS JOGGERS IN BURGUNDY NO MORE THAN 50 DOLLARS?", "singlets for him in plum, cotton"]:
        turn = Turn(DialogueState("planners"), text, Reading(), {"topic": "", "constraints": {}})
        step = planner.propose(turn, [])
        assert step.call is not None, text
        for key, value in step.call["args"].items():
            if key in planner.value_options:  # a pair of categories comes back as a list
                written = "/".join(value) if isinstance(value, list) else value
                assert written in planner.value_options[key], (key, value)
        user = planner.messages(turn)[-1].content
        allowed = {w + end for w in words_of(user) | set(planner.query_words) for end in ("", "s", "es")}
        assert set(step.call["args"].get("query", "").split()) <= allowed, step
        assert planner.propose(turn, [Observation(step.call, "3 items")]) is None  # one call a turn


@pytest.fixture(scope="module")
def prompted(tiny_chat_model, registry, settings, embedder):
    return PromptedPlanner(tiny_chat_model, registry, settings, embedder)


def test_the_prompted_planner_reads_the_dialogue_and_the_nearest_demonstrations(prompted, registry):
    assert all(f"- {name}(" in prompted.system.content for name in registry.names)
    turn = a_turn("what goes with the second one?", sent=["photo 2"])
    messages = prompted.messages(turn)
    assert [m.content for m in messages[1:2]] == ["women's jackets"]
    assert messages[2].tool_calls[0]["args"] == {"query": "jacket", "gender": "Women"}
    request = messages[-1].content
    assert request.startswith("[similar requests]\nShopper: ") and request.count("Shopper: ") == 3
    assert "[dialogue]\nlooking for: jacket\nconstraints: gender=Women, category=Jackets" in request
    assert request.endswith("[shopper]\n(sent photo 2) what goes with the second one?")


def test_the_prompted_planner_calibrates_its_first_step_and_sees_each_result(prompted, tiny_chat_model, registry):
    turn = a_turn("men's tees")
    assert prompted.propose(turn, []) is not None
    assert (prompted.system.content, CONTENT_FREE, tuple(registry.names)) in tiny_chat_model._prior_cache
    call = {"name": "search", "args": {"query": "tee", "gender": "Men"}, "id": "call_1"}
    messages = prompted.messages(turn, [Observation(call, "5 items")])
    assert messages[:-2] == prompted.messages(turn)
    assert messages[-2].tool_calls[0]["args"] == call["args"] and messages[-1].content == "5 items"
    step = prompted.propose(turn, [Observation(call, "5 items")])
    assert step.call is not None or step.reply == ""  # after a result, no words: the reply is composed from evidence


def test_the_settings_choose_the_planner(settings, registry, vocab, catalog, embedder):
    from dataclasses import replace
    assert isinstance(load_planner(settings, registry, vocab, catalog, embedder), TunedPlanner)
    base = load_planner(replace(settings, chat_adapter="none"), registry, vocab, catalog, embedder)
    assert isinstance(base, PromptedPlanner) and base.calibration.share == settings.calibrate
    assert base.chat_model.adapter_dir is None
