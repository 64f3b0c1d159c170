"""Sessions persisted in SQLite, so a restart of the assistant loses no conversation.

The store runs in WAL mode with full sync: a turn's save is durable once it returns (a `kill -9`
loses nothing saved), readers never wait for a writer, and several worker processes can share one
file. Each turn is one transaction, so a turn cut off mid-way leaves the session as it was before it.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from assistant.dialogue.state import DialogueState


class SessionStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # persistent: set once for the file
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
                       " updated REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA synchronous=FULL")  # per connection: a commit is on disk when save returns
        return db

    def load(self, session_id: str) -> DialogueState:
        with self._connect() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return DialogueState.from_dict(json.loads(row[0])) if row else DialogueState(session_id)

    def save(self, state: DialogueState) -> None:
        payload = json.dumps(state.to_dict())
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO sessions (id, state, updated) VALUES (?, ?, ?) ON CONFLICT(id) DO "
                       "UPDATE SET state = excluded.state, updated = excluded.updated",
                       (state.session_id, payload, time.time()))

    def expire(self, before: float) -> list[str]:
        """Delete the sessions last saved before `before` (a time.time()); their ids."""
        with self._lock, self._connect() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM sessions WHERE updated < ?", (before,))]
            db.execute("DELETE FROM sessions WHERE updated < ?", (before,))
        return ids

    def files_in_use(self) -> set[str]:
        """The stored photo paths some session still refers to (retention keeps them)."""
        with self._connect() as db:
            rows = db.execute("SELECT state FROM sessions").fetchall()
        return {p["path"] for (state,) in rows for p in json.loads(state).get("photos", [])}

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
