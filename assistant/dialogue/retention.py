"""Retention: sessions untouched for `session_retention_days` are deleted, with the uploaded photos and
renders that no remaining session refers to (uploads are content-addressed, so one file may be
shared by several sessions: it goes only when none holds it)."""
from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)
DAY = 86_400.0


def expire(settings, store, now: float | None = None) -> dict:
    """Apply the retention setting once; what was removed. 0 days: keep everything."""
    if settings.session_retention_days <= 0:
        return {"sessions": 0, "files": 0}
    cutoff = (now if now is not None else time.time()) - settings.session_retention_days * DAY
    sessions = store.expire(cutoff)
    in_use = {str(Path(p).resolve()) for p in store.files_in_use()}
    files = 0
    for folder in (settings.uploads_dir, settings.renders_dir):
        for path in Path(folder).glob("*") if Path(folder).is_dir() else []:
            # Older than the cutoff too: a file written by a turn in flight is not yet in its session.
            if path.is_file() and str(path.resolve()) not in in_use and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                files += 1
    if sessions or files:
        log.info("retention: %d sessions and %d files older than %g days removed",
                 len(sessions), files, settings.session_retention_days)
    return {"sessions": len(sessions), "files": files}
