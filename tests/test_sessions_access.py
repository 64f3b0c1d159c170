"""Sessions and access: server-issued ids bound to their owner (assistant/session_ids.py), the store's WAL
mode and retention (assistant/dialogue/sessions.py, retention.py), and the server around the page
(assistant/server.py: /health, login option)."""
from __future__ import annotations

import dataclasses
import os
import sqlite3
import time

import pytest

from assistant.dialogue import retention
from assistant.dialogue.sessions import SessionStore
from assistant.dialogue.state import DialogueState, Photo
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


def test_the_store_is_in_wal_mode_and_expires_old_sessions_with_their_photos(tmp_settings, tmp_path):
    settings = dataclasses.replace(tmp_settings, data_dir=tmp_path, session_retention_days=7)
    store = SessionStore(settings.sessions_path)
    with sqlite3.connect(settings.sessions_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    settings.uploads_dir.mkdir(parents=True)
    old_photo, shared, fresh = (settings.uploads_dir / f"{n}.jpg" for n in ("old", "shared", "fresh"))
    for path in (old_photo, shared, fresh):
        path.write_bytes(b"jpeg")
    month_ago = time.time() - 30 * retention.DAY
    for path in (old_photo, shared):
        os.utime(path, (month_ago, month_ago))
    old, new = DialogueState("old"), DialogueState("new")
    old.photos = [Photo("photo 1", str(old_photo), "a"), Photo("photo 2", str(shared), "b")]
    new.photos = [Photo("photo 1", str(shared), "b")]
    store.save(old)
    store.save(new)
    with sqlite3.connect(settings.sessions_path) as db:
        db.execute("UPDATE sessions SET updated = ? WHERE id = 'old'", (month_ago,))
    assert retention.expire(settings, store) == {"sessions": 1, "files": 1}
    assert store.load("old").photos == [] and store.load("new").photos  # the old one is gone, the new one kept
    assert not old_photo.exists() and shared.exists() and fresh.exists()  # a photo another session holds stays
    assert retention.expire(dataclasses.replace(settings, session_retention_days=0), store) == {"sessions": 0, "files": 0}


def test_the_server_has_a_health_endpoint_and_serves_the_page(small_bot):
    from fastapi.testclient import TestClient

    from assistant.server import create_server
    bot, _ = small_bot([])
    with TestClient(create_server(bot)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["turns_in_flight"] == 0 and health["pid"] == os.getpid()
        assert "Luma shopping assistant" in client.get("/").text


def test_the_login_option(small_bot):
    from assistant.page import auth_option, launch_options
    assert auth_option("") is None
    assert auth_option("ann:pw1, bob:p:w") == [("ann", "pw1"), ("bob", "p:w")]
    with pytest.raises(ValueError, match="user:password"):
        auth_option("ann")
    bot, _ = small_bot([])
    bot.settings = dataclasses.replace(bot.settings, auth="ann:pw1")
    assert launch_options(bot)["auth"] == [("ann", "pw1")]
