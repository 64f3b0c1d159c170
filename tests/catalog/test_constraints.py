"""The constraint table: each field declared once, and everything derived from it agrees."""
import dataclasses
import json
from pathlib import Path

import pytest

from assistant.catalog.constraints import FIELDS, Constraints, constraint_phrase, describe
from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import Reading, apply, read
from assistant.planning.compact_format import value_options
from tools.base import ToolContext
from tools.catalog_filter import catalog_filter, normalise, satisfies, to_sql
from tools.registry import ToolRegistry

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).parents[1] / "fixtures" / "tool_schemas.json"


def some_value(name, catalog, vocab):
    """A catalog value of the field that some product has (so the filter has something to find)."""
    field = FIELDS[name]
    if field.value_type is bool:
        return True
    if field.value_type is float:
        return 40.0
    for option in field.options(vocab):
        value = field.to_catalog(vocab, option).value
        if any(satisfies(p, Constraints(**{name: value})) for p in catalog.all()):
            return value
    raise AssertionError(f"no product has any {name}")


def test_the_record_has_one_attribute_per_field_in_table_order():
    assert [f.name for f in dataclasses.fields(Constraints)] == list(FIELDS)
    assert Constraints().to_dict() == {} and Constraints().active() == {}


def test_the_record_keeps_the_order_values_were_set_in():
    c = Constraints.from_dict({"price_max": 60.0, "gender": "Women"})
    assert list(c.to_dict()) == ["price_max", "gender"]
    c = c.updated({"gender": "Men", "color": "Blue"})  # a new value keeps its place; a new field goes last
    assert list(c.to_dict().items()) == [("price_max", 60.0), ("gender", "Men"), ("color", "Blue")]
    assert list(c.without("price_max").to_dict()) == ["gender", "color"]
    assert list(c.active()) == ["gender", "color", "price_max"]  # table order, for SQL and evidence
    assert "color" in c and "size" not in c and c.get("size") is None


def test_the_record_is_immutable_and_refuses_unknown_fields():
    category = ["Jackets"]
    c = Constraints(category=category)
    category.append("Tees")  # the caller's list is not the record's
    assert c.category == ["Jackets"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.color = "Red"
    with pytest.raises(TypeError):
        Constraints.from_dict({"colour": "Red"})


def test_the_dialogue_state_persists_constraints_in_order():
    state = DialogueState("s", constraints=Constraints.from_dict({"color": "Red", "category": ["Tees"]}))
    loaded = DialogueState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert loaded.constraints == state.constraints
    assert list(loaded.constraints.to_dict()) == ["color", "category"]
    assert "constraints: color=Red, category=Tees" in loaded.compact()


def test_the_tracker_keeps_constraints_in_the_order_the_shopper_set_them(small_vocab):
    """The tuned model's prompt lists the state's constraints in this order, as in its training."""
    state = DialogueState("s")
    for message in ("women's jackets under $60", "in blue instead", "for men instead"):
        apply(read(message, state, small_vocab), state)
    assert "constraints: price_max=60.0, gender=Men, category=Jackets, color=Blue" in state.compact()


@pytest.mark.parametrize("name", list(FIELDS))
def test_sql_and_python_agree_for_every_field(name, small_catalog, small_vocab):
    c = Constraints(**{name: some_value(name, small_catalog, small_vocab)})
    where, params = to_sql(c)
    ids = set(small_catalog.select_ids(where, params))
    assert ids and ids == {p.id for p in small_catalog.all() if satisfies(p, c)}


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_field_filters_and_is_explained(name, small_catalog, small_vocab, tmp_settings):
    ctx = ToolContext(catalog=small_catalog, vocab=small_vocab, settings=tmp_settings)
    value = some_value(name, small_catalog, small_vocab)
    result = catalog_filter(ctx, {name: value})
    assert result.ok and result.hits
    for hit in result.hits:
        assert satisfies(small_catalog.get(hit.sku), Constraints(**{name: value}))
        met = [e for e in hit.evidence if e.kind == "constraint"]
        assert len(met) == 1 and met[0].phrase()


def test_normalise_maps_each_field_with_its_own_vocabulary(small_vocab):
    c, notes, errors = normalise({"color": "navy", "category": ["tank", "hoodie"], "eco": "yes", "size": "large",
                                  "price_max": "fifty bucks", "query": "not a constraint"}, small_vocab)
    assert not errors and any("Blue" in n for n in notes)
    assert c.to_dict() == {"category": ["Tanks", "Bras & Tanks", "Hoodies & Sweatshirts"], "color": "Blue",
                           "size": "L", "price_max": 50.0, "eco": True}
    c, _, errors = normalise({"price_min": 90, "price_max": 10, "color": "red"}, small_vocab)
    assert errors == ["the minimum price $90.00 is above the maximum $10.00"] and c.to_dict() == {"color": "Red"}


def test_evidence_phrases_are_each_fields_own():
    assert constraint_phrase("price", "<= $60.00", 57.0) == "$57.00 (at most $60.00)"
    assert constraint_phrase("category", "Jackets", "Women/Tops/Jackets") == "category Women > Tops > Jackets"
    assert constraint_phrase("on_sale", "yes", True) == "on sale"
    assert constraint_phrase("size", "M", ("S", "M", "L")) == "size M"
    assert constraint_phrase("color", "Blue", "Blue") == "color Blue"
    assert constraint_phrase("no_longer_a_field", "x", "y") == "no_longer_a_field y"  # an old session's fact


def test_the_reply_lead_line_says_the_constraints():
    assert describe(Constraints(gender="Women", color="Red", category=["Jackets"], price_max=60.0), "x") == \
        "women's red jackets under $60"
    assert describe(Constraints(gender="Unisex", price_min=20.0, price_max=40.0), "tees") == "tees between $20 and $40"
    assert describe(Constraints(price_min=20.0), "") == "products over $20"


def test_tool_schemas_are_the_ones_the_controller_was_trained_on(registry):
    """The LoRA-tuned model learnt these exact schemas (key order and descriptions included)."""
    assert json.dumps(registry.schemas(), indent=1) == SCHEMAS.read_text().rstrip("\n")


def test_each_tool_takes_the_fields_the_table_gives_it(registry):
    for name in ("search", "catalog_filter", "recommend"):
        properties = registry.schema(name)["parameters"]["properties"]
        assert [p for p in properties if p in FIELDS] == [f.name for f in FIELDS.values() if name in f.tools]
    assert "activity" not in registry.schema("search")["parameters"]["properties"]


def test_a_tool_docstring_rewords_a_field_for_that_tool_only():
    registry = ToolRegistry()
    described = {name: registry.schema(name)["parameters"]["properties"]["category"]["description"]
                 for name in ("search", "catalog_filter", "recommend")}
    assert described["catalog_filter"] == FIELDS["category"].description
    assert described["recommend"] == "limit to a category, e.g. Shorts."


def test_the_tracker_reads_each_fields_words_and_phrases(small_vocab):
    for f in FIELDS.values():
        for word in f.words:
            assert f.name in read(f"forget the {word}", None, small_vocab).unset, word
        for phrase, value in (f.reads.items() if isinstance(f.reads, dict) else ()):
            assert read(f"something {phrase} please", None, small_vocab).set.get(f.name) == value, phrase


def test_a_new_category_drops_the_fields_that_do_not_carry_over(small_catalog, small_vocab):
    state = DialogueState("s")
    apply(Reading(set={name: some_value(name, small_catalog, small_vocab) for name in FIELDS}), state)
    apply(Reading(set={"category": ["Shorts"]}), state)
    kept = {n for n, f in FIELDS.items() if f.carries_over}
    assert set(state.constraints.to_dict()) == kept and state.constraints.category == ["Shorts"]


def test_the_decoder_values_come_from_the_table(small_vocab):
    options = value_options(small_vocab)
    assert list(options) == [n for n, f in FIELDS.items() if f.options is not None]
    assert "Tanks/Bras & Tanks" in options["category"] and "Blue" in options["color"]
