"""The store chosen by settings (assistant/storage.py): SQLite files by default, PostgreSQL when
database_url names one; setup and ingest-catalog write into PostgreSQL, and the assistant answers
from it (filters, keyword search inside hybrid search) with its sessions there too."""
import time
from dataclasses import replace

import pytest

from assistant import storage
from assistant.catalog.postgres_store import PostgresCatalog
from assistant.dialogue.postgres_sessions import PostgresSessionStore
from assistant.dialogue.sessions import SQLiteSessionStore
from assistant.ingest_catalog import ingest_catalog
from assistant.settings import Settings
from assistant.setup import build_catalog
from tests.clothing_catalog import write_catalog_file
from tests.conftest import ScriptedPlanner
from tools.catalog_filter import Constraints, satisfies


@pytest.fixture
def on_postgres(tmp_settings, tmp_path, postgres_url) -> Settings:
    return replace(tmp_settings, data_dir=tmp_path / "data", database_url=postgres_url)


@pytest.mark.unit
def test_sqlite_stays_the_default_and_a_bad_url_is_refused(tmp_settings, tmp_path, monkeypatch):
    settings = replace(tmp_settings, data_dir=tmp_path / "data")
    assert not storage.uses_postgres(settings) and storage.describe(settings) == str(settings.db_path)
    assert isinstance(storage.open_sessions(settings), SQLiteSessionStore)
    assert storage.catalog_record(settings) is None
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", "postgresql://shop:secret@db.example:5432/shop")
    from_env = Settings.from_env()
    assert storage.uses_postgres(from_env) and storage.describe(from_env) == \
        "PostgreSQL postgresql://shop:***@db.example:5432/shop"  # never the password
    with pytest.raises(ValueError, match="postgresql:// URL"):
        storage.uses_postgres(replace(settings, database_url="mysql://shop@db/shop"))


@pytest.mark.postgres
def test_setup_writes_the_luma_catalog_into_postgres_once(on_postgres):
    on_postgres.data_dir.mkdir(parents=True)
    assert storage.catalog_record(on_postgres) is None
    assert build_catalog(on_postgres)[0] == "catalog: built"
    source, written = storage.catalog_record(on_postgres)
    catalog = storage.open_catalog(on_postgres)
    assert isinstance(catalog, PostgresCatalog) and len(catalog) == source["products"] == 461
    assert written <= time.time() and not on_postgres.db_path.exists()  # nothing written to SQLite
    assert build_catalog(on_postgres) == ["catalog: up to date (461 products)"]
    assert storage.catalog_record(on_postgres)[1] == written  # not rewritten


@pytest.mark.postgres
def test_ingest_catalog_writes_a_retailers_file_into_postgres(on_postgres, tmp_path, session_id):
    source = write_catalog_file(tmp_path / "file", "csv")
    report, lines = ingest_catalog(source, on_postgres, build_indexes=False)
    catalog = storage.open_catalog(on_postgres)
    assert len(catalog) == report.ingested == 40 and catalog.get("CD-SHOES-01").category == "Shoes"
    assert lines == [f"catalog: 40 products written to PostgreSQL {on_postgres.database_url}"]
    assert build_catalog(on_postgres)[0].startswith(f"catalog: ingested from {source} (40 products)")
    from assistant import Assistant
    bot = Assistant(on_postgres, catalog, ScriptedPlanner([{"name": "catalog_filter", "args": {}}]), None, None)
    assert isinstance(bot.sessions, PostgresSessionStore)
    reply = bot.respond(session_id, "shoes under $60")
    assert reply.items and all(satisfies(catalog.get(i.sku), Constraints(category=["Shoes"], price_max=60))
                               for i in reply.items)
    assert [s.sku for s in PostgresSessionStore(on_postgres.database_url).load(session_id).shown] == \
        [i.sku for i in reply.items]


@pytest.mark.postgres
def test_the_assistant_searches_words_in_the_postgres_catalog(on_postgres, tmp_path):
    """Assistant.from_settings over PostgreSQL: ingest-catalog builds the indexes from the database's
    catalog, and a search turn fuses MiniLM with PostgreSQL's full-text ranking."""
    from assistant import Assistant
    ingest_catalog(write_catalog_file(tmp_path / "file", "jsonl"), on_postgres)
    bot = Assistant.from_settings(on_postgres, planner=ScriptedPlanner([{"name": "search", "args": {"query": "dress"}}]))
    assert isinstance(bot.catalog, PostgresCatalog) and len(bot.catalog) == 40
    keyword = bot.catalog.keyword_search(["dress"], None, 10)
    assert keyword and all("dress" in bot.catalog.by_id(i).name.lower() for i, _ in keyword[:2])
    reply = bot.respond("pg-words", "a dress under $55 for my wife")
    assert reply.tool_calls[0]["name"] == "search"
    assert {i.sku for i in reply.items} == {"CD-DRESS-01", "CD-DRESS-02"}  # as on SQLite (test_ingest_catalog.py)
    assert not on_postgres.db_path.exists()  # the catalog is only in the database
