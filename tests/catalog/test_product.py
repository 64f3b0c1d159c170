"""The Product record (assistant/catalog/product.py): its search text and its dict form."""
import pytest

from assistant.catalog.product import FLAG_FIELDS, LIST_FIELDS, Product

pytestmark = pytest.mark.unit


def a_product(**changes) -> Product:
    fields = dict(sku="MH01-Black", parent_sku="MH01", name="Chaz Kangeroo Hoodie", gender="Men",
                  category_path="Men/Tops/Hoodies & Sweatshirts", category="Hoodies & Sweatshirts", color="Black",
                  price=52.0, description="Warm and soft.", image_path="/img/mh01.jpg", material=["Wool"],
                  activity=["Gym"], features=["Pockets"])
    return Product(**{**fields, **changes})


def test_search_text_carries_what_a_shopper_may_search_for():
    text = a_product().search_text()
    assert text.split(" . ") == ["Chaz Kangeroo Hoodie", "Black", "Men", "Men Tops Hoodies & Sweatshirts", "Wool",
                                 "Gym", "Pockets", "Warm and soft."]
    assert " .  . " not in a_product(color=None, material=[]).search_text()  # empty parts are left out


def test_the_dict_form_rebuilds_the_product():
    product = a_product(sizes=["S", "M"], rating=4.5, review_count=2, id=7)
    assert Product(**product.to_dict()) == product
    assert set(LIST_FIELDS) | set(FLAG_FIELDS) <= set(product.to_dict())


def test_every_list_field_and_flag_is_a_product_attribute(luma_data):
    product = luma_data[0][0]
    for name in LIST_FIELDS:
        assert isinstance(getattr(product, name), list), name
    for name in FLAG_FIELDS:
        assert isinstance(getattr(product, name), bool), name
