"""Connecting to PostgreSQL (assistant/postgres.py): `?` SQL as psycopg takes it, passwords kept out
of messages, a clear error when the server is not there, and a dropped connection made again."""
import pytest

from assistant.postgres import ThreadConnections, connect, is_postgres_url, placeholders, redacted
from assistant.ports import free_port


@pytest.mark.unit
def test_placeholders_outside_literals_become_psycopgs():
    assert placeholders("p.color = ? AND p.name LIKE '%?%' AND p.price < ?") == \
        "p.color = %s AND p.name LIKE '%%?%%' AND p.price < %s"


@pytest.mark.unit
def test_urls_are_recognised_and_shown_without_password():
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("postgres://u@h/db")
    assert not is_postgres_url("sqlite:///x.db") and not is_postgres_url("")
    assert redacted("postgresql://shop:s3cret@db:5432/shop") == "postgresql://shop:***@db:5432/shop"
    assert redacted("postgresql://shop@db/shop") == "postgresql://shop@db/shop"


@pytest.mark.unit
def test_no_server_is_a_clear_error():
    url = f"postgresql://nobody:pw@127.0.0.1:{free_port()}/shop"
    with pytest.raises(RuntimeError, match=r"cannot connect to PostgreSQL at postgresql://nobody:\*\*\*@127"):
        connect(url)


@pytest.mark.postgres
def test_a_dropped_connection_is_made_again(postgres_url):
    connections = ThreadConnections(postgres_url)
    pid = connections.run("SELECT pg_backend_pid()")[0][0]
    with connect(postgres_url) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert connections.run("SELECT 1 + %s", (1,)) == [(2,)]
    assert connections.run("SELECT pg_backend_pid()")[0][0] != pid
