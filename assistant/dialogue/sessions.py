"""Sessions persisted, so a restart of the assistant loses no conversation.

A store loads and saves a session's DialogueState as JSON, and `hold(session_id)` runs a turn
(load, change, save) alone among that session's turns. SQLite (the default) holds it within the
one server process; PostgreSQL (assistant/dialogue/postgres_sessions.py) across every process
that shares the database.

The SQLite store runs in WAL mode with full sync: a turn's save is durable once it returns (a
`kill -9` loses nothing saved) and readers never wait for a writer. Each turn is one transaction,
so a turn cut off mid-way leaves the session as it was before it.
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

    # -- retention (assistant/dialogue/retention.py) and health ------------------------------------

    def expire(self, before: float) -> list[str]:
        """Delete the sessions last saved before `before` (a time.time()); their ids."""
        raise NotImplementedError

    def files_in_use(self) -> set[str]:
        """The stored photo paths some session still refers to (retention keeps them)."""
        return {p["path"] for state in self._states() for p in json.loads(state).get("photos", [])}

    def _states(self) -> list[str]:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError


class SQLiteSessionStore(SessionStore):
    """One file. Several server processes may share it (WAL), but `hold` serialises a session's turns
    only within a process: a session's turns must reach one process (sticky sessions, as the workers
    of assistant/server.py are served), or use PostgreSQL."""

    backend = "sqlite"

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # persistent: set once for the file
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
                       " updated REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA synchronous=FULL")  # per connection: a commit is on disk when save returns
        return db

    def _read(self, session_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row[0] if row else None

    def _write(self, session_id: str, payload: str) -> None:
        with self._write_lock, self._connect() as db:
            db.execute("INSERT INTO sessions (id, state, updated) VALUES (?, ?, ?) ON CONFLICT(id) DO "
                       "UPDATE SET state = excluded.state, updated = excluded.updated",
                       (session_id, payload, time.time()))

    def expire(self, before: float) -> list[str]:
        with self._write_lock, self._connect() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM sessions WHERE updated < ?", (before,))]
            db.execute("DELETE FROM sessions WHERE updated < ?", (before,))
        return ids

    def _states(self) -> list[str]:
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT state FROM sessions")]

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
