"""The Milvus translation table: one boolean expression; prices compared as doubles."""
import numpy as np
import pytest

from tools.index_milvus import MilvusIndex, to_expression
from tools.index_payload import Condition, Where

pytestmark = pytest.mark.unit
SCHEMA = {"color": "keyword", "category": "keywords", "price": "float", "sale": "bool"}


def test_conditions_become_one_expression():
    where = Where((Condition("color", "any", ("red",)), Condition("category", "none", ("bras & tanks",)),
                   Condition("price", "range", gte=20.0, lte=60.0), Condition("sale", "true")), exclude=(7, 8))
    assert to_expression(where, SCHEMA) == (
        '(color in ["red"]) and (not (ARRAY_CONTAINS_ANY(category, ["bras & tanks"]))) and '
        '(price >= 20.0 and price <= 60.0) and (sale == true) and id not in [7, 8]')
    assert to_expression(Where(), SCHEMA) == ""


def test_a_price_bound_holds_at_the_exact_cent(tmp_path):
    index = MilvusIndex(4, path=tmp_path, collection="cents", index_type="FLAT")
    payloads = [{"color": "red", "category": ["tees"], "price": p, "sale": False} for p in (29.99, 30.0, 29.98)]
    index.add([1, 2, 3], np.eye(3, 4, dtype=np.float32), payloads)
    found = index.search(np.ones(4), 3, Where((Condition("price", "range", gte=29.99),)))
    assert sorted(i for i, _ in found) == [1, 2]
