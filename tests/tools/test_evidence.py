"""Typed evidence: one immutable fact per kind, its JSON form, and one rating fact for every tool."""
import dataclasses
import json

import pytest

from assistant.dialogue.sessions import SQLiteSessionStore
from assistant.dialogue.state import DialogueState, ShownItem
from assistant.explain import explanation
from tools.catalog_filter import catalog_filter
from tools.evidence import (KINDS, ConstraintMet, ProductFact, Relaxed, StandsOut, SameProduct, Link, Match, OftenBoughtWith, PhotoCategory, PhotoMatch,
                            LooksLikeRender, PlacedInPhoto, Popular, Rating, SessionSignal, Similar, SoldInColour,
                            SortRank, from_dict)
from tools.recommend import recommend_for
from tools.retriever import hybrid_search

ONE_OF_EACH = [
    ConstraintMet("size", "M", ("XS", "S", "M")),
    PhotoCategory("Men/Tops/Tees", ("photo 1",)),
    Match("rain jacket", 1, matched_terms=("jacket", "rain"), text_similarity=0.51, keyword_rank=2),
    PhotoMatch(("photo 1", "photo 2"), 2, 0.37),
    Link("MH01-Black", "Chaz Kangeroo Hoodie", "up-sell"),
    Similar("MH01-Black", "Chaz Kangeroo Hoodie", 0.66),
    SessionSignal("MH01-Black", "Chaz Kangeroo Hoodie", "liked", 0.7),
    OftenBoughtWith("MH01-Black", "Chaz Kangeroo Hoodie"),
    Popular("log", shoppers=12),
    SortRank("price_desc", 1, 40),
    Rating(4.5, 2),
    SoldInColour("Green"),
    LooksLikeRender("the Juno Jacket in red", 1, 0.82),
    PlacedInPhoto("photo 1"),
    SameProduct("MH01-Black", "Chaz Kangeroo Hoodie"),
    Relaxed("color", "Gray", "Black"),
    ProductFact("description", "front pouch pockets; fleece"),
    StandsOut("price", "the cheapest", 3),
]


@pytest.mark.unit
def test_every_kind_is_registered_and_survives_its_json_form():
    assert {f.kind for f in ONE_OF_EACH} == set(KINDS)
    for fact in ONE_OF_EACH:
        data = json.loads(json.dumps(fact.to_dict()))
        assert data["kind"] == fact.kind and KINDS[fact.kind] is type(fact)
        assert from_dict(data) == fact
        assert fact.phrase()


@pytest.mark.unit
def test_facts_cannot_be_edited():
    fact = Match("jacket", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.rank = 2
    with pytest.raises(TypeError):  # the kind is the class's, not the caller's
        Match("jacket", 1, kind="photo")
    assert dataclasses.replace(fact, rank=2) == Match("jacket", 2) and fact.rank == 1
    sizes = ["S", "M"]  # a product's own list is copied into a tuple, not shared
    assert ConstraintMet("size", "M", sizes) == ConstraintMet("size", "M", ("S", "M"))


@pytest.mark.unit
def test_shown_evidence_persists_with_the_session(tmp_path):
    store = SQLiteSessionStore(tmp_path / "sessions.sqlite")
    state = DialogueState("s")
    state.shown = [ShownItem(1, "MJ01-Red", "Beaumont Summit Kit", "Red", "Jackets", 42.0,
                             explanation(ONE_OF_EACH), list(ONE_OF_EACH))]
    store.save(state)
    loaded = store.load("s").shown[0]
    assert loaded.evidence == ONE_OF_EACH
    assert explanation(loaded.evidence) == loaded.explanation


@pytest.mark.unit
def test_an_older_sessions_facts_still_load():
    """Sessions saved before typed evidence stored the photo's category with the constraint's keys."""
    old = {"kind": "photo_category", "field": "category", "rule": "Tees", "value": "Men/Tops/Tees",
           "photos": ["photo 1"]}
    assert from_dict(old) == PhotoCategory("Men/Tops/Tees", ("photo 1",))


@pytest.mark.unit
def test_the_reply_json_lists_each_fact_with_its_kind():
    from assistant.assistant import ItemResult, Reply
    item = ItemResult(1, "MJ01-Red", "Beaumont Summit Kit", 42.0, "Red", "Jackets", "Men", "x.jpg", 1.0,
                      explanation(ONE_OF_EACH), list(ONE_OF_EACH))
    facts = json.loads(Reply("text", [item], [], "s").to_json())["items"][0]["evidence"]
    assert [from_dict(f) for f in facts] == ONE_OF_EACH


@pytest.mark.unit
def test_the_pages_api_lists_each_fact_with_its_kind():
    from assistant.assistant import ItemResult
    from assistant.page import item_dict
    item = ItemResult(1, "MJ01-Red", "Beaumont Summit Kit", 42.0, "Red", "Jackets", "Men", "x.jpg", 1.0,
                      explanation(ONE_OF_EACH), list(ONE_OF_EACH))
    facts = json.loads(json.dumps(item_dict(item)))["evidence"]
    assert [f["kind"] for f in facts] == [f.kind for f in ONE_OF_EACH]
    assert [from_dict(f) for f in facts] == ONE_OF_EACH


def test_every_tool_states_a_rating_the_same_way(ctx, catalog):
    results = [catalog_filter(ctx, {"category": "jackets"}, limit=5), hybrid_search(ctx, "rain jacket", {}, limit=5),
               recommend_for(ctx, "WJ03-Blue", "similar", {}, limit=5)]
    for result in results:
        assert result.hits
        for hit in result.hits:
            assert [f for f in hit.evidence if f.kind == "rating"] == Rating.of(catalog.get(hit.sku))
    assert any(Rating.of(catalog.get(h.sku)) for r in results for h in r.hits)
    unrated = next(p for p in catalog.all() if p.rating is None)
    assert Rating.of(unrated) == []
