"""Sessions persisted in SQLite, so a restart of the assistant loses no conversation."""
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
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
                       " updated REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

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
