"""Turns of different sessions at the same time (assistant/turn_gate.py): they run side by side up to
the limit, the next ones wait, and beyond the waiting places a caller is told "busy, try again in
N s" at once, with the session left as it was; turns of one session never overlap."""
import dataclasses
import re
import threading
import time

import pytest

from assistant.planning.planner import Step
from assistant.turn_gate import Busy, TurnGate


@pytest.mark.unit
def test_the_gate_refuses_at_once_beyond_its_running_and_waiting_places():
    gate = TurnGate(running=1, waiting=1, typical_turn_s=3.0)
    with gate.admit(), gate.admit():
        started = time.monotonic()
        with pytest.raises(Busy) as busy:
            with gate.admit():
                pass
        assert time.monotonic() - started < 0.1  # no wait
        assert busy.value.retry_after_s == 6  # two turns ahead, one slot, 3 s each
        assert gate.admitted == 2
    with gate.admit():  # places free again
        assert gate.admitted == 1
    with pytest.raises(ValueError, match="at least one running slot"):
        TurnGate(running=0, waiting=4)


@pytest.mark.unit
def test_the_estimate_follows_the_turns_measured():
    gate, now = TurnGate(running=2, waiting=0, typical_turn_s=2.0), [0.0]
    for _ in range(30):  # turns of 10 s on a fake clock
        with gate.admit(), gate.slot(lambda: now[0]):
            now[0] += 10.0
    with gate.admit(), gate.admit():
        with pytest.raises(Busy) as busy:
            with gate.admit():
                pass
    assert busy.value.retry_after_s == 10  # two ahead, two slots, ~10 s each


class HeldPlanner:
    """A test double: the first step of each turn waits until released, then filters the catalog;
    records which sessions were inside `propose` at the same moment."""

    def __init__(self):
        self.release, self.lock = threading.Event(), threading.Lock()
        self.inside: list[str] = []
        self.most_at_once, self.overlaps_of_one_session = 0, 0

    def warm_up(self) -> None:
        pass

    def propose(self, turn, observations):
        if observations:
            return Step(reply="")
        sid = turn.state.session_id
        with self.lock:
            self.overlaps_of_one_session += sid in self.inside
            self.inside.append(sid)
            self.most_at_once = max(self.most_at_once, len(self.inside))
        self.release.wait(30)
        with self.lock:
            self.inside.remove(sid)
        return Step(call={"name": "catalog_filter", "args": {}, "id": "call_1"})


def _wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.unit
def test_sessions_run_side_by_side_and_a_full_process_says_busy(tmp_settings, small_catalog, tmp_path):
    from assistant import Assistant
    settings = dataclasses.replace(tmp_settings, data_dir=tmp_path, turns_at_once=2, queue_size=1)
    planner = HeldPlanner()
    bot = Assistant(settings, small_catalog, planner, None, None)
    replies = {}

    def turn(sid, text):
        replies[sid] = bot.respond(sid, text)
    threads = [threading.Thread(target=turn, args=(sid, "women's jackets under $60")) for sid in ("a", "b", "c")]
    for t in threads:
        t.start()
    _wait_until(lambda: len(planner.inside) == 2 and bot.turns_in_flight == 3)  # two run, one waits
    started = time.monotonic()
    busy = bot.respond("d", "men's hoodies")
    assert time.monotonic() - started < 1.0  # answered at once, not queued
    assert re.search(r"busy .* try again in about \d+ s", busy.text) and not busy.items
    assert bot.sessions.load("d").turn == 0  # nothing of the refused turn was stored
    planner.release.set()
    for t in threads:
        t.join(30)
    assert planner.most_at_once == 2
    assert all(replies[s].items and not re.search("busy", replies[s].text) for s in "abc")
    assert bot.respond("d", "men's hoodies").items  # the refused shopper gets in now
    assert bot.turns_in_flight == 0


@pytest.mark.unit
def test_turns_of_one_session_never_overlap(tmp_settings, small_catalog, tmp_path):
    from assistant import Assistant
    settings = dataclasses.replace(tmp_settings, data_dir=tmp_path, turns_at_once=4, queue_size=4)
    planner = HeldPlanner()
    bot = Assistant(settings, small_catalog, planner, None, None)
    texts = ["women's jackets under $60", "cheaper ones?", "in blue instead"]
    threads = [threading.Thread(target=bot.respond, args=("same", text)) for text in texts]
    for t in threads:
        t.start()
    _wait_until(lambda: len(planner.inside) == 1 and bot.turns_in_flight == 3)
    time.sleep(0.2)  # the other two are held by the session, not running
    assert planner.inside == ["same"]
    planner.release.set()
    for t in threads:
        t.join(30)
    assert planner.overlaps_of_one_session == 0 and bot.sessions.load("same").turn == 3
