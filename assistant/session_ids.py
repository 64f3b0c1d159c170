"""Session ids the server issues: unguessable, of one fixed format, and bound to their owner.

An id is `s-` + 32 hex characters of randomness + `-` + 16 hex characters of an HMAC over the random
part and the owner (the logged-in user under SHOPASSIST_AUTH, else nobody). The server keeps no table
of ids: it checks the HMAC, so an id it did not issue ("1", "alice", a guess of the right shape) or an
id issued to another user is refused, and every worker process that shares the data dir (and so the
key in data/session_key, or SHOPASSIST_SESSION_KEY) accepts the ids the others issued.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

FORMAT = re.compile(r"s-[0-9a-f]{32}-[0-9a-f]{16}")


class SessionRefused(ValueError):
    """A session id the caller may not use; the message says what to do instead."""


def load_key(data_dir: Path) -> bytes:
    """SHOPASSIST_SESSION_KEY, else the key in data_dir/session_key (made once, readable by the owner only)."""
    if env := os.environ.get("SHOPASSIST_SESSION_KEY"):
        return env.encode()
    path = Path(data_dir) / "session_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two workers starting together agree on the first one written
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


class SessionIds:
    def __init__(self, key: bytes):
        self._key = key

    def _tag(self, nonce: str, owner: str) -> str:
        return hmac.new(self._key, f"{nonce}|{owner}".encode(), hashlib.sha256).hexdigest()[:16]

    def issue(self, owner: str | None = None) -> str:
        nonce = secrets.token_hex(16)
        return f"s-{nonce}-{self._tag(nonce, owner or '')}"

    def check(self, session_id, owner: str | None = None) -> str:
        """The id if this server issued it to `owner`; else SessionRefused."""
        if not isinstance(session_id, str) or not FORMAT.fullmatch(session_id):
            raise SessionRefused("That is not a session id this server issued. Leave session_id empty to start a "
                                 "conversation; the reply returns its id for the next turns.")
        nonce, tag = session_id[2:34], session_id[35:]
        if not hmac.compare_digest(tag, self._tag(nonce, owner or "")):
            raise SessionRefused("That session belongs to someone else or was not issued by this server. "
                                 "Leave session_id empty to start a conversation.")
        return session_id
