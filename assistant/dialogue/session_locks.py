"""One lock per session, so two turns of the same conversation never interleave.

A long-running server sees sessions without end, so a lock is kept only while some turn holds it
or waits for it: the last one out removes it. A lock in use is therefore never dropped (which would
let a second turn of that session start beside the first), and the table never holds more locks
than there are turns in flight.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _SessionLock:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0  # turns holding or waiting for `lock`; changed only under SessionLocks._guard


class SessionLocks:
    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, _SessionLock] = {}

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        """`with locks.hold(session_id):` runs the block alone among that session's turns."""
        with self._guard:
            entry = self._locks.setdefault(session_id, _SessionLock())
            entry.users += 1  # counted before waiting, so the entry cannot be removed under a waiter
        try:
            with entry.lock:
                yield
        finally:
            with self._guard:
                entry.users -= 1
                if entry.users == 0:
                    del self._locks[session_id]

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)
