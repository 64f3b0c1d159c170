"""Sessions in SQLite: a dialogue state saved, reopened by a new process, and older forms still loading."""
import json
import sqlite3

import pytest

from assistant.catalog.constraints import Constraints
from assistant.dialogue.sessions import SQLiteSessionStore
from assistant.dialogue.state import DialogueState, HistoryEntry, Photo, ShownItem

pytestmark = pytest.mark.unit


def shown_state() -> DialogueState:
    state = DialogueState("s")
    state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0),
                   ShownItem(2, "WH01-Red", "Mona Pullover Hoodlie", "Red", "Hoodies & Sweatshirts", 57.0)]
    return state


def test_sessions_survive_a_restart(tmp_path):
    path = tmp_path / "sessions.sqlite"
    state = shown_state()
    state.constraints = Constraints.from_dict({"price_max": 60.0, "gender": "Women"})
    state.liked.append("WJ03-Blue")
    state.photos.append(Photo(name="photo 1", path="/uploads/a.jpg", sha256="a", reading="looks like Jackets (81%)",
                              looks="Jackets, Red, Women", category_guess="Jackets"))
    state.history += [HistoryEntry("user", "red jackets"),
                      HistoryEntry("assistant", "Here are 5", [{"name": "search", "arguments": {"query": "jacket"}}])]
    SQLiteSessionStore(path).save(state)
    reopened = SQLiteSessionStore(path)  # a new process would do exactly this
    loaded = reopened.load("s")
    assert loaded == state and list(loaded.constraints.to_dict()) == ["price_max", "gender"]
    assert reopened.load("unknown").shown == []


def test_sessions_saved_with_dict_photos_and_history_still_load(tmp_path):
    """Sessions saved when photos and history entries were plain dicts load as records."""
    store = SQLiteSessionStore(tmp_path / "sessions.sqlite")
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
