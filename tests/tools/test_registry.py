"""The registry: schemas for the LLM, argument repair, and failures turned into messages."""
import pytest

from tools.registry import ToolRegistry


@pytest.mark.unit
def test_schemas_hide_the_injected_context(registry):
    names = [s["name"] for s in registry.schemas()]
    assert names == ["search", "catalog_filter", "recommend", "explain"]
    for schema in registry.schemas():
        assert "ctx" not in schema["parameters"]["properties"]
        assert schema["description"]
    assert registry.schema("explain")["parameters"]["required"] == ["item"]
    assert registry.schema("recommend")["parameters"]["required"] == []  # no item: for the session
    assert registry.schema("catalog_filter")["parameters"]["properties"]["sort"]["enum"] == [
        "rating", "price_asc", "price_desc"]


@pytest.mark.unit
def test_repair_drops_what_cannot_be_used(registry):
    args, problems = registry.repair("search", {"query": "tee", "colour": "red", "price_max": "fifty bucks",
                                                "price_min": "cheap"})
    assert args == {"query": "tee", "price_max": 50.0}
    assert any("colour" in p for p in problems) and any("price_min" in p for p in problems)
    assert registry.repair("search", "not json")[0] == {}
    assert registry.repair("search", [1, 2])[0] == {}


@pytest.mark.unit
def test_unknown_tool_and_missing_arguments(registry, small_ctx):
    assert "unknown tool" in registry.run("teleport", {}, small_ctx).error
    assert "missing item" in registry.run("explain", {}, small_ctx).error


@pytest.mark.unit
def test_a_tool_that_raises_becomes_an_error_result(small_ctx):
    def broken(query: str = "", ctx=None):
        """Always fails.

        Args:
            query: anything.
        """
        raise RuntimeError("disk on fire")
    registry = ToolRegistry(functions=(broken,))
    result = registry.run("broken", {"query": "x"}, small_ctx)
    assert not result.ok and "could not run" in result.error
    assert "disk on fire" not in result.error and "RuntimeError" not in result.error  # the error reaches the shopper


def test_search_runs_through_the_registry(registry, ctx, catalog):
    result = registry.run("search", {"query": "hoodie", "gender": "men", "price_max": 50}, ctx)
    assert result.ok and result.hits
    assert all(catalog.get(h.sku).price <= 50 for h in result.hits)
    assert result.data["arguments"]["gender"] == "men"


@pytest.mark.unit
def test_render_runs_but_is_not_offered_to_the_planner(registry, small_ctx):
    assert "render" in registry.tools and "render" not in registry.names
    assert [t.name for t in registry.offered()] == registry.names
    result = registry.run("render", {"item": "no such thing", "color": "red"}, small_ctx)
    assert result.error == "could not tell which item 'no such thing' means"
