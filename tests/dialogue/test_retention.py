"""The session store's WAL mode and retention (assistant/dialogue/sessions.py, retention.py)."""
from __future__ import annotations

import dataclasses
import os
import sqlite3
import time

import pytest

from assistant.dialogue import retention
from assistant.dialogue.sessions import SQLiteSessionStore
from assistant.dialogue.state import DialogueState, Photo

pytestmark = pytest.mark.unit


def test_the_store_is_in_wal_mode_and_expires_old_sessions_with_their_photos(tmp_settings, tmp_path):
    settings = dataclasses.replace(tmp_settings, data_dir=tmp_path, session_retention_days=7)
    store = SQLiteSessionStore(settings.sessions_path)
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
