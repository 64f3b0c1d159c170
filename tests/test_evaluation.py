"""The dialogue evaluation's scoring logic and its script (assistant/evaluation/dialogues.py), on the whole
catalog read from the mirror (no chat model, no setup), and the latency bench's percentile."""
from __future__ import annotations

import pytest

from assistant.evaluation.dialogues import (TOOLS, checked_constraints, load_dialogues, score_turn,
                                            tool_correct)
from assistant.catalog.constraints import FIELDS
from assistant.catalog.vocabulary import Vocabulary
from assistant.evaluation.latency import _percentile

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def luma_vocab(luma_catalog):
    return Vocabulary.from_catalog(luma_catalog)


def pick(catalog, **want):
    return next(p for p in catalog.all() if all(getattr(p, k) == v for k, v in want.items()))


def test_items_meeting_every_constraint_pass(luma_catalog, luma_vocab):
    turn = {"user": "women's jackets under $60", "constraints": {"gender": "women", "category": "jackets", "price_max": 60}}
    jackets = [p for p in luma_catalog.all() if p.category_path == "Women/Tops/Jackets" and p.price <= 60][:3]
    assert jackets
    assert score_turn(jackets, checked_constraints(turn, luma_vocab), "search") == {"passed": True, "violations": {}}


def test_one_violating_item_fails_the_turn_and_is_named(luma_catalog, luma_vocab):
    turn = {"user": "blue women's jackets", "constraints": {"gender": "women", "category": "jackets", "color": "navy"}}
    good = pick(luma_catalog, category_path="Women/Tops/Jackets", color="Blue")
    wrong_colour = pick(luma_catalog, category_path="Women/Tops/Jackets", color="Red")
    mens = pick(luma_catalog, category_path="Men/Tops/Jackets", color="Blue")
    score = score_turn([good, wrong_colour, mens], checked_constraints(turn, luma_vocab), "search")
    assert not score["passed"]
    assert score["violations"] == {wrong_colour.sku: ["color"], mens.sku: ["gender"]}


def test_unisex_satisfies_either_gender(luma_catalog, luma_vocab):
    bag = pick(luma_catalog, gender="Unisex", category="Bags")
    for gender in ("men", "women"):
        turn = {"user": "a bag", "constraints": {"gender": gender, "category": "bags"}}
        assert score_turn([bag], checked_constraints(turn, luma_vocab), "search")["passed"]


def test_price_bounds_are_checked(luma_catalog, luma_vocab):
    turn = {"user": "between 30 and 60", "constraints": {"price_min": 30, "price_max": 60}}
    cheap = next(p for p in luma_catalog.all() if p.price < 30)
    dear = next(p for p in luma_catalog.all() if p.price > 60)
    c = checked_constraints(turn, luma_vocab)
    assert score_turn([cheap], c, "search")["violations"] == {cheap.sku: ["price_min"]}
    assert score_turn([dear], c, "search")["violations"] == {dear.sku: ["price_max"]}


def test_check_list_limits_the_constraints(luma_catalog, luma_vocab):
    # A recommendation for a women's jacket may be a bag: only gender and budget are checked.
    turn = {"user": "what goes with it?", "check": ["gender", "price_max"],
            "constraints": {"gender": "women", "category": "jackets", "color": "blue", "price_max": 80}}
    bag = next(p for p in luma_catalog.all() if p.category == "Bags" and p.price <= 80 and p.color != "Blue")
    assert score_turn([bag], checked_constraints(turn, luma_vocab), "recommend")["passed"]
    over_budget = next(p for p in luma_catalog.all() if p.gender == "Women" and p.price > 80)
    assert not score_turn([over_budget], checked_constraints(turn, luma_vocab), "recommend")["passed"]


def test_empty_list_passes_only_when_nothing_was_asked_for(luma_vocab):
    c = checked_constraints({"user": "x", "constraints": {"category": "jackets"}}, luma_vocab)
    assert not score_turn([], c, "search")["passed"]
    assert not score_turn([], c, "explain")["passed"]
    assert score_turn([], c, None)["passed"]
    assert score_turn([], c, "search", bad_input=True)["passed"]


def test_tool_correct_uses_the_first_call():
    calls = [{"name": "search", "arguments": {}}, {"name": "recommend", "arguments": {}}]
    assert tool_correct("search", calls)
    assert not tool_correct("recommend", calls)
    assert tool_correct(None, [])
    assert not tool_correct(None, calls)
    assert not tool_correct("search", [])


def test_dialogues_script_is_valid(luma_catalog, luma_vocab):
    dialogues = load_dialogues()
    turns = [t for d in dialogues for t in d["turns"]]
    assert len(dialogues) >= 12 and len(turns) >= 45
    assert len({d["id"] for d in dialogues}) == len(dialogues)
    kinds = set()
    for turn in turns:
        assert isinstance(turn["user"], str) and turn["user"].strip()
        assert turn["expected_tool"] in TOOLS
        kinds.add(turn["expected_tool"])
        assert set(turn.get("check", [])) | set(turn["constraints"]) <= set(FIELDS)
        # Every checked constraint maps to catalog values, and the catalog can answer it.
        constraints = checked_constraints(turn, luma_vocab)
        if turn["expected_tool"] is not None:
            answers = (p for p in luma_catalog.all() if not score_turn([p], constraints, "search")["violations"])
            assert any(answers), turn["user"]
    assert kinds == set(TOOLS)


def test_percentile():
    assert _percentile([3.0], 95) == 3.0
    assert _percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert _percentile([0.0, 10.0], 95) == pytest.approx(9.5)


def test_the_validation_photos_split_into_disjoint_deterministic_halves():
    """The TUNE half chooses the photo reader's settings, the REPORT half is only scored (`eval vision`):
    every validation photo is in exactly one, by its file name alone, the same on every call."""
    from assistant.catalog.download import shopper_photos_root
    from assistant.settings import Settings
    from assistant.training.photo_reader import SHOPPER_TO_CATALOG, shopper_photos, validation_half
    photos = shopper_photos(shopper_photos_root(Settings.from_env()), "validation")
    assert len(photos) > 200
    halves = {path: validation_half(path) for path, _ in photos}
    tune = {p for p, half in halves.items() if half == "tune"}
    report = {p for p, half in halves.items() if half == "report"}
    assert tune and report and not tune & report and tune | report == set(halves)
    assert all(validation_half(p) == halves[p] for p in halves)                      # deterministic
    assert all(validation_half(f"/elsewhere/{p.name}") == halves[p] for p in halves)  # by file name only
    assert 0.35 < len(tune) / len(halves) < 0.65
    for label in SHOPPER_TO_CATALOG:  # every class the figures are reported for is in both halves
        assert {halves[p] for p, c in photos if c == label} == {"tune", "report"}
