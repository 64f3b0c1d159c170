"""The tuned planner (assistant/planning/tuned.py): it reads the prompt it was trained on and plans
one call a turn, with catalog values and words the shopper said."""
import numpy as np
import pytest

from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import Reading
from assistant.models.chat_model import LocalChatModel
from assistant.planning.compact_format import SYSTEM, chatml, render_turn, value_options, words_of
from assistant.planning.planner import Observation, Turn
from assistant.planning.tuned import TunedPlanner
from tests.planning import a_turn


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


@pytest.mark.unit
def test_with_photos_as_words_the_prompt_is_the_training_prompt_and_needs_no_weights(registry, small_vocab,
                                                                                     small_catalog):
    planner = TunedPlanner.for_catalog(LocalChatModel(model_name="never-loaded"), registry, small_vocab, small_catalog,
                                       photos_as_tokens=False)
    assert planner.value_options == value_options(small_vocab) and "jacket" in planner.query_words
    turn = a_turn("like this but in red", sent=["photo 2"], vectors={"photo 2": np.zeros(384, dtype=np.float32)})
    messages = planner.messages(turn)
    context = {**turn.before, "photos": ["photo 1"], "shown": 5}
    words = {"photo 1": "Jackets, Blue, Women", "photo 2": "Tees, Red, Men"}
    user = render_turn(context, turn.text, ["photo 2"], words, 0)
    assert LocalChatModel.render(messages) == chatml(SYSTEM, user) and "images" not in messages[-1].additional_kwargs
    # One call a turn: after a result the planner has nothing more to ask the model.
    assert planner.propose(turn, [Observation({"name": "search", "args": {}, "id": "1"}, "3 items")]) is None
