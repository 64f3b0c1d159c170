"""The throwaway PostgreSQL server (assistant/local_postgres.py): a server of the machine's binaries
that takes connections, gives new databases, and leaves nothing behind when stopped."""
import os

import pytest

from assistant.local_postgres import PostgresServer, find_binary
from assistant.postgres import connect

pytestmark = pytest.mark.postgres


def test_a_server_starts_serves_databases_and_is_removed():
    assert find_binary("initdb") and find_binary("pg_ctl")
    with PostgresServer() as server:
        first, second = server.new_database(), server.new_database()
        assert first != second
        with connect(first) as conn:
            assert conn.execute("SHOW server_version_num").fetchone()[0] >= "150000"
            conn.execute("CREATE TABLE t (x int)")
        with connect(second) as conn:  # another database: its own tables
            assert conn.execute("SELECT to_regclass('t')").fetchone()[0] is None
    assert not os.path.exists(server.dir)
    with pytest.raises(RuntimeError, match="cannot connect"):
        connect(first)
