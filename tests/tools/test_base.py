"""What every tool shares (tools/base.py): the context it runs in, built by keyword, and the result
it returns, with the summary the planner reads."""
import pytest

from tools.base import Hit, ToolContext, ToolResult

pytestmark = pytest.mark.unit


def test_the_summary_lists_items_as_the_planner_reads_them(small_catalog):
    skus = ["MH01-Black", "WJ03-Blue"]
    result = ToolResult("search", hits=[Hit(s, 1.0) for s in skus], notes=["'navy' is not a catalog colour"])
    hoodie, jacket = (small_catalog.get(s) for s in skus)
    listed = [f"1. {hoodie.name} | Black | ${hoodie.price:.2f}", f"2. {jacket.name} | Blue | ${jacket.price:.2f}"]
    assert result.ok and result.summary(small_catalog).split("\n") == [
        "2 items", "note: 'navy' is not a catalog colour", *listed]
    assert result.summary(small_catalog, limit=1).split("\n")[2:] == listed[:1]


def test_an_error_is_the_whole_summary(small_catalog):
    failed = ToolResult("catalog_filter", error="unknown colour 'zorblax'")
    assert not failed.ok and failed.summary(small_catalog) == "error: unknown colour 'zorblax'"
    assert ToolResult("search").summary(small_catalog) == "0 items"


def test_the_context_is_built_by_keyword_with_nothing_optional_required(small_catalog, small_vocab, tmp_settings):
    with pytest.raises(TypeError):
        ToolContext(small_catalog, small_vocab, tmp_settings)  # positional arguments are refused
    ctx = ToolContext(catalog=small_catalog, vocab=small_vocab, settings=tmp_settings)
    assert ctx.embedder is ctx.text_index is ctx.state is ctx.recommender is None and ctx.photo_vectors == {}
    assert ToolContext(catalog=small_catalog, vocab=small_vocab, settings=tmp_settings).photo_vectors is not \
        ctx.photo_vectors  # each context its own photos
