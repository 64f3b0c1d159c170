"""Connecting to PostgreSQL (the optional catalog and session backend, settings.database_url).

psycopg 3 is imported only here, and only when PostgreSQL is configured, so the embedded default
never needs it. The catalog's filters are written once, with SQLite's `?` placeholders
(assistant/catalog/constraints.py); `placeholders` turns them into psycopg's.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in SCHEMES


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str, autocommit: bool = True):
    """A new psycopg connection; a clear message when the driver is missing or the server is not there."""
    try:
        import psycopg
    except ImportError as exc:
        raise RuntimeError("SHOPASSIST_DATABASE_URL names PostgreSQL, but psycopg is not installed: "
                           "pip install 'psycopg[binary]' (or the project's `postgres` extra)") from exc
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"cannot connect to PostgreSQL at {redacted(url)}: {str(exc).strip()}") from exc


def placeholders(sql: str) -> str:
    """SQL written with `?` placeholders as psycopg takes it: `?` outside quoted literals becomes
    `%s`, and a literal `%` (a LIKE pattern written in the SQL) is doubled."""
    out, quoted = [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class ThreadConnections:
    """One open connection per thread (autocommit), made on first use and made again once when the
    server dropped it: a query costs no new connection, and threads never share one."""

    def __init__(self, url: str):
        import threading
        self.url = url
        self._local = threading.local()

    def get(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = connect(self.url)
        return conn

    def run(self, sql: str, params=(), fetch: bool = True) -> list[tuple]:
        """Execute one statement on this thread's connection; its rows when `fetch`."""
        import psycopg
        for attempt in (1, 2):
            conn = self.get()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall() if fetch else []
            except psycopg.OperationalError:
                if attempt == 2 or not conn.closed:
                    raise
                self._local.conn = None  # the server went away: one more try on a new connection
        return []
