"""Each tool declares where its arguments come from (tools/grounding.py, beside the tools in
tools/registry.py); the controller's grounding applies the declarations."""
import pytest

from assistant.catalog.constraints import EXCLUSIONS
from tools.grounding import Source, grounded, sources

pytestmark = pytest.mark.unit


def test_each_tool_declares_its_sources(registry):
    search = registry.grounding("search")
    assert list(search)[-2:] == ["query", "photo"]  # after the constraints, in the constraint table's order
    assert search["query"] is Source.TOPIC and search["photo"] is Source.PHOTO
    assert search["price_min"] is search["price_max"] is Source.TRACKER_ONLY
    assert search["gender"] is search["color"] is search["size"] is Source.TRACKER
    assert set(registry.grounding("catalog_filter")) >= {"activity", "gender", "price_max"}
    assert registry.grounding("catalog_filter")["sort"] is Source.SORT  # the shopper's order, else the model's
    assert registry.grounding("recommend") == {"item": Source.ITEM_POINTED_AT, "gender": Source.TRACKER,
                                               "price_max": Source.TRACKER, "category": Source.THIS_TURN,
                                               "color": Source.THIS_TURN,
                                               **{name: Source.TRACKER for name in EXCLUSIONS}}
    assert registry.grounding("explain") == {"item": Source.ITEM_ON_SCREEN}
    # A render: the tracker's reading of the request, else the message's item, colour, photo and words.
    assert registry.grounding("render") == dict.fromkeys(("item", "color", "photo", "description"), Source.RENDER)
    assert registry.grounding("teleport") == {}


def test_a_named_constraint_keeps_its_place_and_other_arguments_follow_in_order():
    @grounded(constraints=Source.TRACKER, price_max=Source.TRACKER_ONLY, query=Source.TOPIC)
    def tool():
        pass
    assert sources(tool, ["gender", "price_max", "eco"]) == {
        "gender": Source.TRACKER, "price_max": Source.TRACKER_ONLY, "eco": Source.TRACKER, "query": Source.TOPIC}
    assert sources(lambda: None, ["gender"]) == {}
