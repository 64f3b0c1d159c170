"""The planner protocol's records (assistant/planning/planner.py): a turn as the planner reads it, and a
chat model's answer as a step."""
import pytest
from langchain_core.messages import AIMessage

from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import Reading
from assistant.planning.planner import Planner, Step, Turn, step_of
from tests.conftest import ScriptedPlanner

pytestmark = pytest.mark.unit


def test_the_message_names_the_photos_sent_with_it():
    turn = Turn(DialogueState("s"), "like this but red", Reading(), {}, sent=("photo 2", "photo 3"))
    assert turn.said == "(sent photo 2, photo 3) like this but red"
    assert Turn(DialogueState("s"), "red tees", Reading(), {}).said == "red tees"
    assert Turn(DialogueState("s"), "", Reading(), {}, sent=("photo 1",)).said == "(sent photo 1)"


def test_a_chat_models_answer_becomes_a_step():
    call = AIMessage(content="", tool_calls=[{"name": "search", "args": {"query": "tee"}, "id": "c1"},
                                            {"name": "explain", "args": {"item": "2"}, "id": "c2"}])
    assert step_of(call) == Step(call={"name": "search", "args": {"query": "tee"}, "id": "c1"})  # the first call
    assert step_of(AIMessage(content="Hello!")) == Step(reply="Hello!")
    kind = AIMessage(content="", additional_kwargs={"reply_kind": "chit_chat"})
    assert step_of(kind) == Step(reply="", reply_kind="chit_chat")


def test_the_scripted_test_planner_follows_the_protocol():
    planner: Planner = ScriptedPlanner([{"name": "search", "args": {"query": "tee"}}, "Done."])
    turn = Turn(DialogueState("s"), "tees", Reading(), {})
    assert planner.propose(turn, []).call == {"name": "search", "args": {"query": "tee"}, "id": "call_1"}
    assert planner.propose(turn, []) == Step(reply="Done.") and planner.propose(turn, []) == Step(reply="")
    assert len(planner.seen) == 3
