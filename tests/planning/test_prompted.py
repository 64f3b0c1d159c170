"""The prompted planner (assistant/planning/prompted.py): the base chat model reads the dialogue and the
nearest demonstrations, calibrates its first step, and may take several steps a turn."""
import pytest

from assistant.models.chat_model import LocalChatModel
from assistant.planning.planner import Observation
from assistant.planning.prompted import CONTENT_FREE, ExampleSelector, PromptedPlanner, load_examples
from tests.planning import a_turn


@pytest.fixture(scope="module")
def prompted(tiny_chat_model, registry, settings, embedder):
    return PromptedPlanner(tiny_chat_model, registry, settings, embedder)


@pytest.fixture
def unloaded(registry, tmp_settings, one_hot_embedder):
    """The prompted planner over a chat model that is never loaded: its prompt needs no weights."""
    return PromptedPlanner(LocalChatModel(model_name="never-loaded"), registry, tmp_settings, one_hot_embedder)


@pytest.mark.unit
def test_the_prompted_planner_reads_the_dialogue_and_the_nearest_demonstrations(unloaded, registry):
    prompted = unloaded
    assert registry.names and all(f"- {name}(" in prompted.system.content for name in registry.names)
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


@pytest.mark.unit
def test_the_nearest_demonstration_comes_last_and_none_without_an_embedder(one_hot_embedder):
    examples = load_examples()
    wanted = examples[7]
    nearest = ExampleSelector(examples, one_hot_embedder, k=3).nearest(wanted["user"])
    assert len(nearest) == 3 and nearest[-1] is wanted  # closest last, next to the request
    assert ExampleSelector(examples, None).nearest(wanted["user"]) == []
