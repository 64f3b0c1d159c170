"""Tests of assistant/planning/; `a_turn` is the turn the planner tests share."""
from assistant.dialogue.state import DialogueState, HistoryEntry, Photo, ShownItem
from assistant.dialogue.tracker import Reading
from assistant.planning.planner import Turn


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
