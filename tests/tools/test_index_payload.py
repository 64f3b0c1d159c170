"""The payload and the conditions are derived from the constraint table, one rule per predicate kind."""
import pytest

from assistant.catalog.constraints import FIELDS, Constraints
from assistant.catalog.vocabulary import Vocabulary
from tools.index_payload import ATTRIBUTES, SCHEMA, Condition, Unsupported, Where, conditions, field_options, payload

pytestmark = pytest.mark.unit


def test_every_constraint_field_has_a_payload_key_and_exclusions_share_their_fields():
    assert set(ATTRIBUTES) == set(FIELDS)
    assert ATTRIBUTES["not_color"].key == ATTRIBUTES["color"].key == "color"
    assert SCHEMA["price"] == "float" and SCHEMA["category"] == "keywords" and SCHEMA["in_stock"] == "bool"


def test_a_products_payload_holds_what_its_own_tests_say(luma_catalog):
    options = field_options(Vocabulary.from_catalog(luma_catalog))
    jacket = next(p for p in luma_catalog.all() if p.category == "Jackets" and p.material)
    stored = payload(jacket, options)
    assert stored["color"] == jacket.color.lower() and stored["price"] == jacket.price
    assert jacket.category.lower() in stored["category"]
    # Matched by part of a word ("cotton" in "Organic Cotton"): the catalog values it holds.
    assert all(any(m in own.lower() for own in jacket.material) for m in stored["material"])


def test_constraints_become_the_four_kinds_of_condition():
    found = conditions(Constraints(gender="Women", color=["Red", "Blue"], price_min=20.0, price_max=60.0,
                                   not_color=["Black"], eco=True), {})
    assert Condition("gender", "any", ("women", "unisex")) in found  # Unisex is women's too
    assert Condition("color", "any", ("red", "blue")) in found
    assert Condition("price", "range", gte=20.0) in found and Condition("price", "range", lte=60.0) in found
    assert Condition("color", "none", ("black",)) in found
    assert Condition("eco_collection", "true") in found


def test_a_free_word_is_unsupported_and_where_falls_back_to_ids():
    with pytest.raises(Unsupported):
        conditions(Constraints(not_feature=["v neck"]), {"not_feature": ["hood", "zip"]})
    where = Where.of(Constraints(not_feature=["v neck"]), {"not_feature": ["hood"]}, exclude=(3,), fallback_ids=[1, 2])
    assert where == Where((), (1, 2), (3,))
    assert Where.coerce([4, 5]) == Where(ids=(4, 5)) and not Where.coerce(None) and Where.coerce([]).empty()
