"""Sessions on PostgreSQL (assistant/dialogue/postgres_sessions.py) against a real server, beside
SQLite: save, load and append alike, and two OS processes writing turns of the same session and of
their own stay consistent (no turn lost, each process's turns in its order), through the store and
through Assistant.respond."""
import subprocess
import sys
import threading

import pytest

from assistant.catalog.constraints import Constraints
from assistant.dialogue.postgres_sessions import PostgresSessionStore
from assistant.dialogue.sessions import SQLiteSessionStore
from assistant.dialogue.state import DialogueState, HistoryEntry
from assistant.settings import PROJECT_ROOT
from tests.dialogue.test_sessions import shown_state

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request, tmp_path):
    """A function that opens a store on the same place each time (each call, as a new process would)."""
    if request.param == "sqlite":
        return lambda: SQLiteSessionStore(tmp_path / "sessions.sqlite")
    url = request.getfixturevalue("postgres_url")
    return lambda: PostgresSessionStore(url)


def test_sessions_save_load_and_append_alike(open_store):
    state = shown_state()
    state.constraints = Constraints.from_dict({"price_max": 60.0, "gender": "Women"})
    open_store().save(state)
    reopened = open_store()
    loaded = reopened.load("s")
    assert loaded == state and list(loaded.constraints.to_dict()) == ["price_max", "gender"]
    assert reopened.load("unknown") == DialogueState("unknown")
    for i in range(3):  # turns appended one after another, each by a new store
        store = open_store()
        with store.hold("s"):
            turn = store.load("s")
            turn.history.append(HistoryEntry("user", f"turn {i}"))
            store.save(turn)
    assert [h.text for h in open_store().load("s").history] == ["turn 0", "turn 1", "turn 2"]
    assert open_store().load("s").shown == state.shown


def test_a_held_session_waits_for_its_holder_and_no_other_does(postgres_url):
    """Two stores, two connections: as two processes. The second turn of the held session starts
    only when the first is over; another session's turn does not wait."""
    first, second = PostgresSessionStore(postgres_url), PostgresSessionStore(postgres_url)
    events = []

    def other_turn(session_id):
        with second.hold(session_id):
            events.append(session_id)

    with first.hold("s"):
        waiting = threading.Thread(target=other_turn, args=("s",))
        waiting.start()
        other_turn("t")  # not held by anyone: runs at once
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and events == ["t"]
    waiting.join(timeout=30)
    assert not waiting.is_alive() and events == ["t", "s"]


def run_two_processes(url: str, mode: str, turns: int, data_dir: str = "") -> None:
    """Start two writer processes (tests/dialogue/concurrent_turns.py), let them go at once, wait."""
    command = [sys.executable, "-m", "tests.dialogue.concurrent_turns", url, "", str(turns), mode, data_dir]
    procs = []
    for name in ("one", "two"):
        command[4] = name
        procs.append(subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    for proc in procs:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.communicate()[1][-3000:]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and out.strip() == "done", err[-3000:]


def user_turns(state: DialogueState) -> list[str]:
    return [h.text for h in state.history if h.role == "user"]


def assert_consistent(store, turns: int, per_turn_entries: int) -> None:
    shared = store.load("shared")
    said = user_turns(shared)
    assert shared.turn == 2 * turns and len(shared.history) == 2 * turns * per_turn_entries  # no turn lost
    for name in ("one", "two"):
        own = [f"women's jackets {name} {i}" for i in range(turns)]
        assert [t for t in said if f" {name} " in t] == own  # each process's turns, in its order
        mine = store.load(name)
        assert user_turns(mine) == own and mine.turn == turns


def test_two_processes_writing_turns_stay_consistent(postgres_url):
    run_two_processes(postgres_url, "store", turns=40)
    assert_consistent(PostgresSessionStore(postgres_url), turns=40, per_turn_entries=1)


def test_two_assistant_processes_share_the_catalog_and_the_sessions(postgres_url, luma_data, tmp_path):
    """Assistant.respond in two processes over one database: every turn of the shared conversation
    is kept (the user's words and the reply), and each answered from the catalog in the database."""
    from assistant.catalog.postgres_store import write_postgres_catalog
    from tests.small_catalog import small_subset
    write_postgres_catalog(postgres_url, *small_subset(*luma_data[:2]), {"source": "luma subset"})
    run_two_processes(postgres_url, "assistant", turns=5, data_dir=str(tmp_path / "data"))
    store = PostgresSessionStore(postgres_url)
    assert_consistent(store, turns=5, per_turn_entries=2)
    shared = store.load("shared")
    assert shared.shown and all(s.category == "Jackets" for s in shared.shown)
    assert shared.constraints.gender == "Women"
