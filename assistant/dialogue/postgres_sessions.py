"""Sessions in PostgreSQL, shared by every server process that uses the database.

A turn loads a session, works for a second or so, and saves it: two processes serving the same
session must not interleave, or the second save would drop the first's turn. `hold` takes a
PostgreSQL advisory lock keyed by the session id (after the in-process lock, so a process asks the
server once per turn) and keeps it until the turn is saved. Unlike a row lock it exists before the
session's row does, so the first two turns of a new session are serialised too; it is released
when the turn ends, or by the server when the process holding it dies.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.dialogue.sessions import SessionStore
from assistant.postgres import ThreadConnections, connect

SCHEMA_LOCK = 0x53485042  # advisory lock key: one process at a time creates the table
SCHEMA = ("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
          " updated DOUBLE PRECISION NOT NULL)")
# Session ids hashed to the 64-bit key of an advisory lock (a collision only serialises two sessions).
LOCK_KEY = "hashtextextended('shopassist-session:' || %s, 0)"


class PostgresSessionStore(SessionStore):
    backend = "postgres"

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        with connect(url, autocommit=False) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(SCHEMA)
        self._connections = ThreadConnections(url)

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        with super().hold(session_id):
            # On this thread's connection, the one the turn's load and save use.
            self._connections.run(f"SELECT pg_advisory_lock({LOCK_KEY})", (session_id,))
            conn = self._connections.get()
            try:
                yield
            finally:
                if not conn.closed:  # a dropped connection has released its locks already
                    conn.execute(f"SELECT pg_advisory_unlock({LOCK_KEY})", (session_id,))

    def _read(self, session_id: str) -> str | None:
        rows = self._connections.run("SELECT state FROM sessions WHERE id = %s", (session_id,))
        return rows[0][0] if rows else None

    def _write(self, session_id: str, payload: str) -> None:
        self._connections.run("INSERT INTO sessions (id, state, updated) VALUES (%s, %s, %s) ON CONFLICT (id) "
                              "DO UPDATE SET state = excluded.state, updated = excluded.updated",
                              (session_id, payload, time.time()), fetch=False)

    def expire(self, before: float) -> list[str]:
        rows = self._connections.run("DELETE FROM sessions WHERE updated < %s RETURNING id", (before,))
        return [row[0] for row in rows]

    def _states(self) -> list[str]:
        return [row[0] for row in self._connections.run("SELECT state FROM sessions")]

    def count(self) -> int:
        return self._connections.run("SELECT COUNT(*) FROM sessions")[0][0]
