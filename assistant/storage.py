"""Where the catalog and the sessions are kept, chosen by one setting: SQLite files under data_dir
(the default, embedded) or the PostgreSQL database named by settings.database_url
(SHOPASSIST_DATABASE_URL=postgresql://user@host:5432/db), shared by any number of server processes.

Everything that opens or writes the catalog, or opens the sessions, comes through here.
"""
from __future__ import annotations

import json

from assistant.catalog.store import Catalog
from assistant.dialogue.sessions import SessionStore
from assistant.postgres import is_postgres_url, redacted
from assistant.settings import Settings


def uses_postgres(settings: Settings) -> bool:
    url = settings.database_url.strip()
    if url and not is_postgres_url(url):
        raise ValueError(f"SHOPASSIST_DATABASE_URL must be a postgresql:// URL (got {redacted(url)!r}); "
                         "leave it empty for the SQLite files under the data directory")
    return bool(url)


def describe(settings: Settings) -> str:
    """Where the catalog is, for messages: the file, or the database URL without its password."""
    return f"PostgreSQL {redacted(settings.database_url)}" if uses_postgres(settings) else str(settings.db_path)


def open_catalog(settings: Settings) -> Catalog:
    if uses_postgres(settings):
        from assistant.catalog.postgres_store import PostgresCatalog
        return PostgresCatalog(settings.database_url)
    from assistant.catalog.sqlite_store import SQLiteCatalog
    return SQLiteCatalog(settings.db_path)


def open_sessions(settings: Settings) -> SessionStore:
    if uses_postgres(settings):
        from assistant.dialogue.postgres_sessions import PostgresSessionStore
        return PostgresSessionStore(settings.database_url)
    from assistant.dialogue.sessions import SQLiteSessionStore
    return SQLiteSessionStore(settings.sessions_path)


def write_catalog(settings: Settings, products: list, links: dict, source: dict) -> None:
    """Replace the configured store's catalog, recording where it came from (`source`)."""
    if uses_postgres(settings):
        from assistant.catalog.postgres_store import write_postgres_catalog
        write_postgres_catalog(settings.database_url, products, links, source)
        return
    from assistant.catalog.sqlite_store import write_sqlite_catalog
    write_sqlite_catalog(settings.db_path, products, links)
    (settings.data_dir / "catalog.json").write_text(json.dumps({**source, "products": len(products)}))


def catalog_record(settings: Settings) -> tuple[dict, float] | None:
    """(where the stored catalog came from, when it was written) or None when there is none yet.
    The time stamps what is built from the catalog (the indexes), so a new catalog makes them stale."""
    if uses_postgres(settings):
        from assistant.catalog.postgres_store import catalog_meta
        return catalog_meta(settings.database_url)
    if not settings.db_path.exists():
        return None
    meta_path = settings.data_dir / "catalog.json"
    return (json.loads(meta_path.read_text()) if meta_path.exists() else {}), settings.db_path.stat().st_mtime
