"""One of the OS processes of tests/dialogue/test_postgres_sessions.py: it writes turns into sessions of
a shared PostgreSQL database, as a second server process would.

    python -m tests.dialogue.concurrent_turns URL NAME TURNS store|assistant|unheld [DATA_DIR]

It prints "ready" once connected and starts when a line arrives on stdin (so both processes write
at the same time), then for each turn writes one turn to the session "shared" and one to its own
session NAME: `store` as a turn does (hold, load, change, save, with a pause for the turn's work
between load and save), `assistant` through Assistant.respond with a scripted planner over the
catalog in the database, `unheld` like `store` without hold (what the lock prevents).
"""
from __future__ import annotations

import sys
import time
from contextlib import nullcontext


def store_turn(store, session_id: str, text: str, held: bool = True) -> None:
    from assistant.dialogue.state import HistoryEntry
    with store.hold(session_id) if held else nullcontext():
        state = store.load(session_id)
        state.turn += 1
        time.sleep(0.005)  # a turn's work between reading the state and saving it
        state.history.append(HistoryEntry("user", text))
        store.save(state)


def main(url: str, name: str, turns: int, mode: str, data_dir: str = "") -> None:
    from assistant.settings import Settings
    if mode == "assistant":
        from assistant import Assistant
        from assistant.storage import open_catalog
        from tests.conftest import ScriptedPlanner
        settings = Settings.from_env(data_dir=data_dir, database_url=url)
        script = [{"name": "catalog_filter", "args": {}}, "Here they are."] * (2 * turns)
        bot = Assistant(settings, open_catalog(settings), ScriptedPlanner(script), None, None)
        turn = lambda session_id, text: bot.respond(session_id, text)  # noqa: E731
    else:
        from assistant.dialogue.postgres_sessions import PostgresSessionStore
        store = PostgresSessionStore(url)
        turn = lambda session_id, text: store_turn(store, session_id, text, held=mode != "unheld")  # noqa: E731
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(turns):
        turn("shared", f"women's jackets {name} {i}")
        turn(name, f"women's jackets {name} {i}")
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:])
