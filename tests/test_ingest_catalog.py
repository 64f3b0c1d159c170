"""ingest-catalog (assistant/ingest_catalog.py): a retailer's file built from the clothing photo data set
(tests/clothing_catalog.py) replaces the catalog in a temporary data dir, setup keeps it, the indexes
are rebuilt, and the assistant answers from it. The unit tests build no index; the full one runs
the command and a search turn through Assistant.from_settings."""
import json
from dataclasses import replace

import pytest

from assistant.catalog.retail_catalog import CatalogFileError
from assistant.storage import open_catalog
from assistant.ingest_catalog import CATALOG_INDEXES, ingest_catalog
from assistant.setup import build_catalog
from tests.clothing_catalog import write_catalog_file
from tests.conftest import ScriptedPlanner
from tools.catalog_filter import Constraints, satisfies


@pytest.fixture
def fresh(tmp_settings, tmp_path):
    return replace(tmp_settings, data_dir=tmp_path / "data")


@pytest.mark.unit
def test_the_file_replaces_the_catalog_and_setup_keeps_it(fresh, tmp_path):
    fresh.data_dir.mkdir()
    build_catalog(fresh)  # the Luma catalog first
    for name in CATALOG_INDEXES:  # stand-ins for indexes of the Luma catalog
        (fresh.index_dir / name).mkdir(parents=True)
    source = write_catalog_file(tmp_path / "file", "parquet")
    report, lines = ingest_catalog(source, fresh, build_indexes=False)
    catalog = open_catalog(fresh)
    assert len(catalog) == report.ingested == 40 and catalog.get("CD-SHOES-01").category == "Shoes"
    assert catalog.get("MJ01-Blue") is None and catalog.links("CD-DRESS-01") == [("related", "CD-HAT-01")]
    assert lines == [f"catalog: 40 products written to {fresh.db_path}"]
    assert not any((fresh.index_dir / name).exists() for name in CATALOG_INDEXES)  # no index of another catalog
    assert json.loads((fresh.data_dir / "catalog.json").read_text())["retailer_file"] == str(source)
    assert build_catalog(fresh) == [f"catalog: ingested from {source} (40 products); "
                                    "`setup --force` puts the Luma catalog back"]
    assert len(open_catalog(fresh)) == 40
    with pytest.raises(CatalogFileError, match="missing column"):  # an unusable file writes nothing
        (tmp_path / "bad.csv").write_text("sku,name\nA,B\n")
        ingest_catalog(tmp_path / "bad.csv", fresh, build_indexes=False)
    assert len(open_catalog(fresh)) == 40
    assert build_catalog(fresh, force=True)[0] == "catalog: built" and len(open_catalog(fresh)) == 461


@pytest.mark.unit
@pytest.mark.parametrize("text, wanted", [
    ("shoes under $60", Constraints(category=["Shoes"], price_max=60)),
    ("a dress under $55 for my wife", Constraints(gender="Women", category=["Dresses"], price_max=55)),
    ("men's shirts", Constraints(gender="Men", category=["Shirts"])),
    ("a jacket", Constraints(category=["Outerwear"])),
])
def test_a_turn_answers_from_the_ingested_catalog(fresh, tmp_path, session_id, text, wanted):
    """The scripted planner's catalog_filter over the ingested catalog: the tracker reads the
    retailer's own categories, and every item meets the request."""
    from assistant import Assistant
    ingest_catalog(write_catalog_file(tmp_path / "file", "csv"), fresh, build_indexes=False)
    catalog = open_catalog(fresh)
    bot = Assistant(fresh, catalog, ScriptedPlanner([{"name": "catalog_filter", "args": {}}]), None, None)
    reply = bot.respond(session_id, text)
    assert reply.items and not reply.relaxed
    for item in reply.items:
        product = catalog.get(item.sku)
        assert item.sku.startswith("CD-") and satisfies(product, wanted) and item.price == product.price


@pytest.mark.unit
def test_a_conversation_saved_over_the_old_catalog_goes_on(fresh, tmp_path):
    """Its list named products the new catalog lacks: "why the second one?" finds nothing to explain
    instead of failing, and the next request searches the new catalog."""
    from assistant import Assistant
    fresh.data_dir.mkdir()
    build_catalog(fresh)
    old = Assistant(fresh, open_catalog(fresh), ScriptedPlanner([{"name": "catalog_filter", "args": {}}]), None, None)
    assert old.respond("kept", "women's jackets").items
    ingest_catalog(write_catalog_file(tmp_path / "file", "csv"), fresh, build_indexes=False)
    bot = Assistant(fresh, open_catalog(fresh), ScriptedPlanner([{"name": "explain", "args": {"item": "2"}}, "",
                                                                    {"name": "catalog_filter", "args": {}}]), None, None)
    why = bot.respond("kept", "why the second one?")
    assert "went wrong" not in why.text and not why.items
    assert bot.sessions.load("kept").shown == []
    assert "could not tell" in bot.feedback("kept", 2, liked=True)
    hats = bot.respond("kept", "hats")
    assert hats.items and all(i.sku.startswith("CD-HAT") for i in hats.items)


def test_the_command_rebuilds_the_indexes_and_the_assistant_searches_the_new_catalog(tmp_path, monkeypatch, capsys):
    """The CLI end to end in a temporary data dir, then Assistant.from_settings over it: a search
    turn with words (MiniLM + BM25 over the new indexes) and a photo turn with one of its photos."""
    from assistant import Assistant
    from assistant.__main__ import main
    from assistant.settings import Settings
    monkeypatch.setenv("SHOPASSIST_DATA_DIR", str(tmp_path / "data"))
    source = write_catalog_file(tmp_path / "file", "jsonl")
    assert main(["ingest-catalog", str(source), "--json", str(tmp_path / "counts.json")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("47 rows read from clothing.jsonl, 40 ingested") and "text index: 40 vectors" in out
    assert "image index: 40 products" in out  # the shipped image encoder exists
    counts = json.loads((tmp_path / "counts.json").read_text())
    assert (counts["rows_read"], counts["ingested"], counts["skipped"]) == (47, 40, 7)
    settings = Settings.from_env()
    bot = Assistant.from_settings(settings, planner=ScriptedPlanner([{"name": "search", "args": {"query": "dress"}}]))
    assert len(bot.catalog) == 40
    reply = bot.respond("ingested-words", "a dress under $55 for my wife")
    wanted = Constraints(gender="Women", category=["Dresses"], price_max=55)
    assert reply.tool_calls[0]["name"] == "search" and reply.items
    assert all(satisfies(bot.catalog.get(i.sku), wanted) for i in reply.items)
    assert {i.sku for i in reply.items} == {"CD-DRESS-01", "CD-DRESS-02"}  # the two dresses at $55 or less
    photo = bot.catalog.get("CD-SHOES-02").image_path
    bot.controller.planner = ScriptedPlanner([{"name": "search", "args": {"query": ""}}])
    shown = bot.respond("ingested-photo", "like this", images=[photo])
    assert shown.items and shown.items[0].sku == "CD-SHOES-02"  # a catalog photo is read as its product
