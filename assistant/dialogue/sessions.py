"""Sessions persisted, so a restart of the assistant loses no conversation.

A store loads and saves a session's DialogueState as JSON, and `hold(session_id)` runs a turn
(load, change, save) alone among that session's turns. SQLite (the default) holds it within the
one server process; PostgreSQL (assistant/dialogue/postgres_sessions.py) across every process
that shares the database.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.dialogue.session_locks import SessionLocks
from assistant.dialogue.state import DialogueState


class SessionStore:
    backend = ""

    def __init__(self):
        self._turns = SessionLocks()  # the threads of this process

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        """`with store.hold(session_id):` the block runs alone among that session's turns."""
        with self._turns.hold(session_id):
            yield

    def load(self, session_id: str) -> DialogueState:
        payload = self._read(session_id)
        return DialogueState.from_dict(json.loads(payload)) if payload else DialogueState(session_id)

    def save(self, state: DialogueState) -> None:
        self._write(state.session_id, json.dumps(state.to_dict()))

    def _read(self, session_id: str) -> str | None:
        raise NotImplementedError

    def _write(self, session_id: str, payload: str) -> None:
        raise NotImplementedError


class SQLiteSessionStore(SessionStore):
    """One file, for one server process: two processes on the same file could interleave a session's turns."""

    backend = "sqlite"

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
                       " updated REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def _read(self, session_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row[0] if row else None

    def _write(self, session_id: str, payload: str) -> None:
        with self._write_lock, self._connect() as db:
            db.execute("INSERT INTO sessions (id, state, updated) VALUES (?, ?, ?) ON CONFLICT(id) DO "
                       "UPDATE SET state = excluded.state, updated = excluded.updated",
                       (session_id, payload, time.time()))
