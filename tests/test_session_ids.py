"""Server-issued session ids bound to their owner (assistant/session_ids.py)."""
from __future__ import annotations

import pytest

from assistant.session_ids import FORMAT, SessionIds, SessionRefused, load_key

pytestmark = pytest.mark.unit


def test_ids_are_issued_unguessable_and_bound_to_their_owner(tmp_path):
    ids = SessionIds(load_key(tmp_path))
    a, b = ids.issue(), ids.issue("alice")
    assert FORMAT.fullmatch(a) and FORMAT.fullmatch(b) and a != ids.issue()
    assert ids.check(a) == a and ids.check(b, "alice") == b
    for other, owner in ((b, None), (b, "bob"), (a, "alice")):
        with pytest.raises(SessionRefused, match="someone else"):
            ids.check(other, owner)
    for bad in ("1", "alice", None, 7, "s-" + "0" * 32 + "-" + "0" * 16, a[:-1] + ("1" if a[-1] == "0" else "0")):
        with pytest.raises(SessionRefused):
            ids.check(bad)
    # Another process over the same data dir reads the same key: it accepts the ids this one issued.
    assert SessionIds(load_key(tmp_path)).check(a) == a
    assert oct((tmp_path / "session_key").stat().st_mode)[-3:] == "600"
