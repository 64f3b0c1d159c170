"""Dialogue state: references against the last list, and persistence across restarts."""
import json
import sqlite3

from assistant.catalog.constraints import Constraints
from assistant.dialogue.sessions import SessionStore
from assistant.dialogue.state import DialogueState, HistoryEntry, Photo, ShownItem


def shown_state() -> DialogueState:
    state = DialogueState("s")
    state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0),
                   ShownItem(2, "WH01-Red", "Mona Pullover Hoodlie", "Red", "Hoodies & Sweatshirts", 57.0),
                   ShownItem(3, "WS03-Green", "Iris Workout Top", "Green", "Tees", 29.0)]
    return state


def test_positions_ordinals_colours_and_names():
    state = shown_state()
    assert state.resolve("the second one") == "WH01-Red"
    assert state.resolve("2") == state.resolve(2) == "WH01-Red"
    assert state.resolve("#3") == state.resolve("number 3") == state.resolve("3rd") == "WS03-Green"
    assert state.resolve("the last one") == "WS03-Green"
    assert state.resolve("the red one") == "WH01-Red"
    assert state.resolve("that hoodie") == "WH01-Red"
    assert state.resolve("the jacket") == "WJ03-Blue"
    assert state.resolve("the ninth one") is None
    assert state.resolve("what goes with it?") == "WJ03-Blue"  # nothing pointed at yet: the top
    state.focus = "WS03-Green"
    assert state.resolve("what goes with it?") == "WS03-Green"


def test_references_to_catalog_skus_and_names(catalog):
    state = DialogueState("s")
    assert state.resolve("MH01-Black", catalog) == "MH01-Black"
    assert catalog.get(state.resolve("the Chaz Kangeroo Hoodie", catalog)).name == "Chaz Kangeroo Hoodie"


def test_sessions_survive_a_restart(tmp_path):
    path = tmp_path / "sessions.sqlite"
    state = shown_state()
    state.constraints = Constraints.from_dict({"price_max": 60.0, "gender": "Women"})
    state.liked.append("WJ03-Blue")
    state.photos.append(Photo(name="photo 1", path="/uploads/a.jpg", sha256="a", reading="looks like Jackets (81%)",
                              looks="Jackets, Red, Women", category_guess="Jackets"))
    state.history += [HistoryEntry("user", "red jackets"),
                      HistoryEntry("assistant", "Here are 5", [{"name": "search", "arguments": {"query": "jacket"}}])]
    SessionStore(path).save(state)
    reopened = SessionStore(path)  # a new process would do exactly this
    loaded = reopened.load("s")
    assert loaded == state and list(loaded.constraints.to_dict()) == ["price_max", "gender"]
    assert reopened.load("unknown").shown == []


def test_compact_view_lists_constraints_and_shown():
    state = shown_state()
    state.constraints = Constraints.from_dict({"gender": "Women", "category": ["Jackets"]})
    text = state.compact()
    assert "gender=Women" in text and "category=Jackets" in text and "2. Mona Pullover Hoodlie" in text


def test_sessions_saved_with_dict_photos_and_history_still_load(tmp_path):
    """Sessions saved when photos and history entries were plain dicts load as records."""
    store = SessionStore(tmp_path / "sessions.sqlite")
    old = DialogueState("old").to_dict()
    old["photos"] = [{"name": "photo 1", "path": "/u/a.jpg", "sha256": "a", "width": 64, "height": 48,
                      "reading": "looks like Jackets (81%)", "looks": "Jackets, Red, Women", "category_guess": "Jackets"},
                     {"name": "photo 2", "path": "/u/b.jpg", "sha256": "b", "width": 8, "height": 8}]
    old["history"] = [{"role": "user", "text": "red jackets"},
                      {"role": "assistant", "text": "Here are 5", "tool_calls": [{"name": "search", "arguments": {}}]}]
    with sqlite3.connect(store.path) as db:
        db.execute("INSERT INTO sessions (id, state, updated) VALUES (?, ?, ?)", ("old", json.dumps(old), 0.0))
    state = store.load("old")
    assert state.photos == [Photo("photo 1", "/u/a.jpg", "a", "looks like Jackets (81%)", "Jackets, Red, Women",
                                  "Jackets"), Photo("photo 2", "/u/b.jpg", "b")]
    assert state.history == [HistoryEntry("user", "red jackets"),
                             HistoryEntry("assistant", "Here are 5", [{"name": "search", "arguments": {}}])]
    assert state.resolve_photo("my first photo") == "photo 1"
    assert "photo 2 (not read)" in state.compact() and "previous request: red jackets" in state.compact()
