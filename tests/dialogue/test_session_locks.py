"""Per-session locks: one turn at a time per session, and no lock kept once no turn uses it."""
import sys
import threading
import time

import pytest

from assistant.dialogue.session_locks import SessionLocks

pytestmark = pytest.mark.unit


def wait_until(condition, timeout: float = 10.0) -> None:
    """Wait for observable state (not for a fixed time); fail if it never comes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.001)


def test_a_second_turn_of_a_session_waits_and_other_sessions_do_not():
    locks = SessionLocks()
    first_in, release_first, second_in = threading.Event(), threading.Event(), threading.Event()

    def first():
        with locks.hold("s"):
            first_in.set()
            release_first.wait()

    def second():
        with locks.hold("s"):
            second_in.set()

    a = threading.Thread(target=first)
    a.start()
    first_in.wait()
    b = threading.Thread(target=second)
    b.start()
    wait_until(lambda: locks._locks["s"].users == 2)  # the second turn is waiting for the lock
    for n in range(1000):  # sessions that come and go meanwhile never take the held lock away
        with locks.hold(f"other-{n}"):
            pass
    assert len(locks) == 1 and not second_in.is_set()
    release_first.set()
    a.join()
    b.join()
    assert second_in.is_set() and len(locks) == 0  # nothing kept once no turn uses it


def test_turns_of_one_session_never_overlap_under_contention():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to provoke interleavings
    locks, inside, overlaps = SessionLocks(), {f"s{k}": 0 for k in range(3)}, []

    def turns(n: int):
        for i in range(300):
            session = f"s{(n + i) % 3}"
            with locks.hold(session):
                inside[session] += 1
                if inside[session] != 1:
                    overlaps.append(session)
                inside[session] -= 1

    try:
        threads = [threading.Thread(target=turns, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert overlaps == [] and len(locks) == 0


def test_a_turn_that_raises_releases_its_lock():
    locks = SessionLocks()
    with pytest.raises(RuntimeError):
        with locks.hold("s"):
            raise RuntimeError("turn failed")
    assert len(locks) == 0
    with locks.hold("s"):  # the session can go on
        assert len(locks) == 1
