"""The self-instruct dialogue generator (assistant/training/dialogues.py, dialogue_dataset.py), on the small
catalog: deterministic, schema-valid, satisfiable, held out."""
from __future__ import annotations

import json
import re

import pytest

from assistant.training import dialogue_dataset as dataset, dialogues as gen
from assistant.training.dialogue_wording import KINDS
from tools.catalog_filter import normalise, satisfies
from tools.registry import ToolRegistry

pytestmark = pytest.mark.unit
VALUE_FIELDS = {"gender": "genders", "color": "colors", "size": "sizes", "material": "materials", "pattern": "patterns"}


@pytest.fixture(scope="module")
def train(small_catalog, small_vocab):
    return gen.generate(small_catalog, small_vocab, 300, seed=7, split="train")


@pytest.fixture(scope="module")
def test_split(small_catalog, small_vocab):
    return gen.generate(small_catalog, small_vocab, 150, seed=7, split="test")


def turns(dialogues):
    return [t for d in dialogues for t in d["turns"]]


def test_same_seed_same_dialogues_other_seed_differs(small_catalog, small_vocab, train):
    assert gen.generate(small_catalog, small_vocab, 300, seed=7, split="train") == train
    assert gen.generate(small_catalog, small_vocab, 300, seed=8, split="train") != train


def test_dialogue_and_turn_format(train, test_split):
    for d in train + test_split:
        assert set(d) >= {"id", "split", "turns"} and d["turns"]
        for t in d["turns"]:
            assert set(t) >= {"user", "photos", "kind", "gold", "constraints"}
            assert t["kind"] in KINDS and isinstance(t["user"], str) and isinstance(t["photos"], list)
            if t["gold"]["tool"] is None:
                assert t["gold"]["reply_kind"] == t["kind"] in ("chit_chat", "out_of_scope", "clarify")
                assert t["gold"]["arguments"] == {}
            if t["kind"] == "photo_only":
                assert t["user"] == "" and t["photos"]


def test_every_kind_appears(train, test_split):
    assert {t["kind"] for t in turns(train)} == set(KINDS)
    assert {t["kind"] for t in turns(test_split)} == set(KINDS)


def test_gold_calls_fit_the_registry_schema(train, test_split):
    registry = ToolRegistry()
    for t in turns(train + test_split):
        tool = t["gold"]["tool"]
        if tool is None:
            continue
        assert tool in registry.names
        properties = registry.schema(tool)["parameters"]["properties"]
        assert set(t["gold"]["arguments"]) <= set(properties), (tool, t["gold"])
        _, problems = registry.repair(tool, t["gold"]["arguments"])
        assert not problems, (t["gold"], problems)


def test_gold_values_are_catalog_values(train, test_split, small_vocab):
    for t in turns(train + test_split):
        args = t["gold"]["arguments"]
        for name, values in VALUE_FIELDS.items():
            if name in args:
                assert args[name] in getattr(small_vocab, values), (name, args[name])
        if "category" in args:
            cats = args["category"] if isinstance(args["category"], list) else [args["category"]]
            assert set(cats) <= set(small_vocab.categories)
        for name in ("price_min", "price_max"):
            if name in args:
                assert isinstance(args[name], float) and 0 < args[name] < 1000
        if "photo" in args:
            assert re.fullmatch(r"photo \d+", args["photo"])
        if "item" in args:
            assert re.fullmatch(r"\d|last|the \w+ one", args["item"])
        if t["gold"]["tool"] == "search":  # a search carries every stated constraint
            assert {k: v for k, v in args.items() if k not in ("query", "photo")} == t["constraints"]
        if t["gold"]["tool"] == "recommend":
            assert args["relation"] in ("goes_with", "similar", "any")
            assert ("item" in args) == (t["kind"] in ("reference", "goes_with"))


def test_constraints_are_satisfiable_in_their_split(train, test_split, small_catalog, small_vocab):
    for dialogues, split in ((train, "train"), (test_split, "test")):
        splits = gen.product_splits(small_catalog)
        pool = [p for p in small_catalog.all() if splits[p.parent_sku] == split]
        for t in turns(dialogues):
            constraints, _, errors = normalise(t["constraints"], small_vocab)
            assert not errors
            assert any(satisfies(p, constraints) for p in pool), t


def test_held_out_templates_and_products(train, test_split, small_catalog):
    def used(dialogues):  # photo_only has no words, so its empty template is shared
        return {t["meta"]["template"] for t in turns(dialogues) if t["kind"] != "photo_only"}
    train_ids, test_ids = used(train), used(test_split)
    assert train_ids and test_ids and not train_ids & test_ids
    train_texts = {t for kind in KINDS for _, t in gen.templates(kind, "train") if t}
    assert not train_texts & {t for kind in KINDS for _, t in gen.templates(kind, "test") if t}

    splits = gen.product_splits(small_catalog)
    assert 0.1 < sum(s == "test" for s in splits.values()) / len(splits) < 0.3
    images = {path: p.parent_sku for p in small_catalog.all() for path in [p.image_path, *p.extra_images]}
    for dialogues, split in ((train, "train"), (test_split, "test")):
        for d in dialogues:
            assert all(splits[s] == split for s in d["products"])
            for path in (x for t in d["turns"] for x in t["photos"]):
                if path in images:  # a catalog image: of a product of this split
                    assert splits[images[path]] == split
                else:               # a shopper photo: that split's folder of clothing-dataset-small
                    assert ("/train/" in path) == (split == "train")


def test_wording_varies(train):
    forms = {t["meta"]["price_form"] for t in turns(train)} - {None}
    assert len(forms) >= 5
    requests = [t["user"] for t in turns(train) if t["kind"] == "request"]
    assert len(set(requests)) > 0.9 * len(requests)
    typos = sum(t["meta"]["typo"] for t in turns(train))
    assert 0.02 * len(turns(train)) < typos < 0.25 * len(turns(train))
    assert any(t["user"].islower() for t in turns(train)) and any(t["user"][:1].isupper() for t in turns(train))


def test_the_words_say_the_gold_constraints(train, small_vocab):
    """The tracker reads most first requests back to the same constraints (it has known gaps, e.g. it also
    reads "no more than $50" as a minimum), so the wording carries what the gold says."""
    from assistant.dialogue.tracker import read

    def same(reading, gold):
        got = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in reading.items()}
        return {k: str(v).lower() for k, v in got.items()} == {k: str(v).lower() for k, v in gold.items()}
    requests = [t for t in turns(train) if t["kind"] == "request" and not t["meta"]["typo"]]
    agree = sum(same(read(t["user"], None, small_vocab).set, t["constraints"]) for t in requests)
    assert agree >= 0.9 * len(requests)


def test_cheaper_is_flagged_and_keeps_the_constraints(train):
    for d in train:
        for before, t in zip(d["turns"], d["turns"][1:]):
            if t["kind"] == "cheaper":
                assert t["gold"]["cheaper"] is True and t["gold"]["tool"] == "search"
                assert t["constraints"] == before["constraints"]


def test_write_and_summary(train, tmp_path):
    path = dataset.write(train[:20], tmp_path / "dialogues.jsonl")
    assert [json.loads(line) for line in path.read_text().splitlines()] == train[:20]
    s = dataset.summary(train)
    assert s["dialogues"] == 300 and s["turns"] == len(turns(train))
    assert set(s["kinds"]) == set(KINDS) and sum(s["tools"].values()) == s["turns"]
    assert s["templates"] > 50


def test_cli_writes_both_splits_and_a_plot(tmp_path, capsys, monkeypatch, small_catalog):
    from assistant.__main__ import main
    data = tmp_path / "data"  # the CLI reads the catalog in SHOPASSIST_DATA_DIR: here, the small one
    data.mkdir()
    (data / "catalog.sqlite").write_bytes(small_catalog.db_path.read_bytes())
    monkeypatch.setenv("SHOPASSIST_DATA_DIR", str(data))
    out = tmp_path / "controller"
    assert main(["train", "dialogues", "--dialogues", "20", "--test-dialogues", "5", "--dialogues-dir", str(out)]) == 0
    assert len((out / "dialogues_train.jsonl").read_text().splitlines()) == 20
    assert len((out / "dialogues_test.jsonl").read_text().splitlines()) == 5
    assert json.loads((out / "dialogues_summary.json").read_text())["test"]["dialogues"] == 5
    assert (out / "dialogues_kinds.png").stat().st_size > 0
    assert "train_turns" in capsys.readouterr().out
