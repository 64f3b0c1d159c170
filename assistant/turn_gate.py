"""How many turns one process runs at once, how many may wait, and what the others are told.

Turns of different sessions run side by side up to `running` at a time (the models and indexes are
shared and read-only; each decoding turn has a KV cache of its own, `LocalChatModel._checkout`), and
up to `waiting` more wait for a slot. A turn that finds all of those taken is not queued behind
them: it is refused at once with an estimate of when a slot will be free, so a caller is told
"busy, try again in N s" instead of hanging. Per-session order is kept by the session lock, which
a turn takes before its slot (a turn waiting for its own session's previous turn holds no slot).
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Busy(Exception):
    """All slots and waiting places are taken; `retry_after_s`: when one is likely free."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"busy, try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class TurnGate:
    SMOOTHING = 0.2  # weight of the newest turn in the running mean of turn durations

    def __init__(self, running: int, waiting: int, typical_turn_s: float = 2.0):
        if running < 1 or waiting < 0:
            raise ValueError(f"a turn gate needs at least one running slot and no negative queue, "
                             f"got running={running}, waiting={waiting}")
        self.running, self.waiting = running, waiting
        self._slots = threading.BoundedSemaphore(running)
        self._guard = threading.Lock()
        self._admitted = 0  # turns running or waiting in this gate
        self._turn_s = typical_turn_s

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Count the turn in, or raise Busy at once when running and waiting are both full."""
        with self._guard:
            if self._admitted >= self.running + self.waiting:
                raise Busy(self.retry_after_s())
            self._admitted += 1
        try:
            yield
        finally:
            with self._guard:
                self._admitted -= 1

    @contextmanager
    def slot(self, clock) -> Iterator[None]:
        """Run the block in one of the running slots; its duration updates the estimate."""
        with self._slots:
            start = clock()
            try:
                yield
            finally:
                with self._guard:
                    self._turn_s += self.SMOOTHING * (clock() - start - self._turn_s)

    def retry_after_s(self) -> int:
        """Whole seconds until the turns ahead would have gone through the running slots."""
        return max(1, math.ceil(self._admitted / self.running * self._turn_s))

    @property
    def admitted(self) -> int:
        return self._admitted
