"""Wordings from the first runs of development sets 5 to 7 (robust-dev-5 ... robust-dev-7) and of the
tenth report set (after its one held-out run): each failure became a general rule; these pin the
rules down through the whole tracker."""
import pytest

from assistant.catalog.vocabulary import Vocabulary
from tests.dialogue import run

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("messages,expected", [
    # limits said negatively, or as "my limit"
    (["mens hoodie but im not spending more than 50 quid on him"],
     {"price_max": 50.0, "gender": "Men", "category": ["Hoodies & Sweatshirts"]}),
    (["mens tank", "shouldn't be more than 25 should it"], {"gender": "Men", "category": ["Tanks"], "price_max": 25.0}),
    (["ladies watch, but 40 is my absolute limit"], {"price_max": 40.0, "gender": "Women", "category": ["Watches"]}),
    (["cotton tee", "twenty five or less"], {"category": ["Tees"], "material": "cotton", "price_max": 25.0}),
    (["mens jackets", "50 quid tops"], {"gender": "Men", "category": ["Jackets"], "price_max": 50.0}),
    # refusals in other words
    (["womens jacket", "she's banned yellow from her wardrobe fyi"],
     {"gender": "Women", "category": ["Jackets"], "not_color": ["Yellow"]}),
    (["mens jacket", "he's got enough black, skip those"], {"gender": "Men", "category": ["Jackets"], "not_color": ["Black"]}),
    (["womens jacket", "she doesn't do black, says it drains her"],
     {"gender": "Women", "category": ["Jackets"], "not_color": ["Black"]}),
    (["mens watch", "he won't have leather"], {"gender": "Men", "category": ["Watches"], "not_material": ["leather"]}),
    (["womens tank", "and no synthetic stuff, polyester makes me itch like mad"],
     {"gender": "Women", "category": ["Bras & Tanks"], "not_material": ["polyester", "synthetic"]}),
    (["womens jacket", "not one of the lightweight ones, she feels the cold"],
     {"gender": "Women", "category": ["Jackets"], "not_feature": ["lightweight"]}),
    (["mens hoodie", "he's got a black one already so something else"],
     {"gender": "Men", "category": ["Hoodies & Sweatshirts"], "not_color": ["Black"]}),
    (["mens tees", "he's got one in red already"], {"gender": "Men", "category": ["Tees"]}),
    (["mens tees in red", "no v necks, he hates them"],
     {"color": "Red", "gender": "Men", "category": ["Tees"], "not_feature": ["v-neck"]}),
    # names of kinds, materials and sizes
    (["plain white t for my boyfriend, he's a medium"], {"color": "White", "gender": "Men", "category": ["Tees"], "size": "M"}),
    (["woolly jacket for my mum"], {"gender": "Women", "category": ["Jackets"], "material": "wool"}),
    (["stretchy full length bottoms for my mum, she's a 28"], {"gender": "Women", "category": ["Pants"], "size": "28"}),
    (["crew neck sweat for my boyfriend"], {"gender": "Men", "category": ["Hoodies & Sweatshirts"]}),
    (["tracksuit top for my lad, mens small, navy"],
     {"color": "Blue", "gender": "Men", "category": ["Jackets", "Hoodies & Sweatshirts"], "size": "S"}),
    (["cheapest bits of fitness kit you've got"], {"category": ["Fitness Equipment"]}),
    # several materials: any of them
    (["womens watch, silicone or rubber strap"], {"gender": "Women", "category": ["Watches"], "material": ["silicone", "rubber"]}),
])
def test_wordings_from_development_sets_5_and_6(luma_catalog, messages, expected):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, *messages)
    assert state.constraints.to_dict() == expected and not readings[-1].errors


@pytest.mark.parametrize("text,sort", [("show me the most premium one first", "price_desc"),
                                       ("whats the most affordable you've got then", "price_asc"),
                                       ("fanciest ones please", "price_desc")])
def test_superlatives_of_price_words_are_orders(luma_catalog, text, sort):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "womens jackets", text)
    assert readings[-1].sort == sort and state.constraints.get("price_min") is None and state.constraints.get("price_max") is None


@pytest.mark.parametrize("messages,expected", [
    (["mens shorts 34", "show me mens jackets in L with the best reviews first"],
     {"gender": "Men", "category": ["Jackets"], "size": "L"}),
    (["mens jacket", "actually scrap that jacket, show me mens jackets"], {"gender": "Men", "category": ["Jackets"]}),
    (["anorak in yellow, womens", "or orange if theres more choice"],
     {"color": ["Yellow", "Orange"], "gender": "Women", "category": ["Jackets"]}),
    (["wool t shirt for men", "if theres no wool tee then a wool hoodie instead?"],
     {"gender": "Men", "category": ["Hoodies & Sweatshirts"], "material": "wool"}),
    (["cardi, purple, womens m", "not a pullover, needs to open at the front"],
     {"color": "Purple", "gender": "Women", "category": ["Hoodies & Sweatshirts", "Jackets"], "size": "M",
      "not_feature": ["pullover"]}),
    (["bras or vest tops for my gym bag, black"], {"color": "Black", "category": ["Bras & Tanks", "Tanks"]}),
    (["a pullie for my daughter, she's an XS"], {"gender": "Women", "category": ["Hoodies & Sweatshirts"], "size": "XS"}),
    (["can't go over 25 quid, need a gym t for myself, mens"], {"price_max": 25.0, "gender": "Men", "category": ["Tees"]}),
    (["womens watch", "anything cheaper than the 92 quid one"], {"gender": "Women", "category": ["Watches"], "price_max": 91.99}),
])
def test_more_wordings_from_development_sets_5_and_6(luma_catalog, messages, expected):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, *messages)
    assert state.constraints.to_dict() == expected and not readings[-1].errors


@pytest.mark.parametrize("text", ["whichever is easier on the wallet", "realistically i dont wanna pay more than average",
                                  "id rather keep it low", "middle of the road money please, nothing top end"])
def test_more_ways_to_ask_for_the_cheaper_half(luma_catalog, text):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "mens jackets", text)
    assert readings[-1].price_rule == "cheap" and "not_category" not in state.constraints.to_dict()


def test_a_letter_left_out_decides_between_two_words(luma_catalog):
    _, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "any cheapr ones")
    assert "read 'cheapr' as 'cheaper'" in readings[-1].notes


def test_several_materials_are_the_first_run_said_and_a_thing_about_one_leaves_it_out(luma_catalog):
    state, _ = run(Vocabulary.from_catalog(luma_catalog), luma_catalog,
                   "a womens hoodie thats either fleece or wool, got a bit of a thing about synthetic stuff")
    assert state.constraints.get("material") == ["fleece", "wool"] and state.constraints.get("not_material") == ["synthetic"]
    state, _ = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "a wool jacket with a cotton lining")
    assert state.constraints.get("material") == "wool"


@pytest.mark.parametrize("messages,expected", [
    (["mens sweatshirt white, size L", "ideally not organic cotton, it shrinks on me"],
     {"color": "White", "gender": "Men", "category": ["Hoodies & Sweatshirts"], "size": "L", "not_material": ["organic cotton"]}),
    (["do you have capris in a 31? women's", "what about shorts in that size instead"],
     {"gender": "Women", "category": ["Shorts"], "size": "31"}),
    (["womens jacket", "ooh and I'd rather it wasn't hooded"], {"gender": "Women", "category": ["Jackets"], "not_feature": ["hood"]}),
    (["womens jeans 29", "black or grey would suit me better than light blue tbh"],
     {"gender": "Women", "category": ["Pants"], "size": "29", "color": ["Black", "Gray"]}),
    (["womens pants 28 purple", "no capri styles please, they make my legs look short"],
     {"color": "Purple", "gender": "Women", "category": ["Pants"], "size": "28", "not_feature": ["capri"]}),
    (["mens zip-ups, size L", "he hates anything that says wool on the label"],
     {"gender": "Men", "category": ["Hoodies & Sweatshirts", "Jackets"], "size": "L", "not_material": ["wool"]}),
    (["a green gilet, no more than about 60 quid"], {"price_max": 60.0, "color": "Green", "category": ["Jackets"]}),
])
def test_wordings_from_development_set_7(luma_catalog, messages, expected):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, *messages)
    assert state.constraints.to_dict() == expected and not readings[-1].errors


@pytest.mark.parametrize("text,rule", [("something decent, not the cheapest", "premium"), ("nothing too spenny", "cheap"),
                                       ("whatever's more of a budget buy", "cheap"),
                                       ("don't care if it's on the dear side", "premium"),
                                       ("i'd love one that isn't too expensive", "cheap"), ("cheapest-ish please", "cheap")])
def test_vague_prices_from_development_set_7(luma_catalog, text, rule):
    _, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "mens jackets", text)
    assert readings[-1].price_rule == rule and readings[-1].sort is None


@pytest.mark.parametrize("messages,expected,sort", [
    (["womens shorts", "order by price, dearest first"], {"gender": "Women", "category": ["Shorts"]}, "price_desc"),
    (["mens tees", "just whatever tops the ratings then"], {"gender": "Men", "category": ["Tees"]}, "rating"),
    (["womens tees", "25 or so tops"], {"gender": "Women", "category": ["Tees"], "price_max": 25.0}, None),
    (["need a new ticker for my wrist, something sporty"], {"category": ["Watches"]}, None),
    (["mustard yellow joggers for men", "bottle green then, same thing"],
     {"color": "Green", "gender": "Men", "category": ["Pants"]}, None),
    (["womens tees", "for a lass, a 10 so small"], {"gender": "Women", "category": ["Tees"]}, None),
])
def test_wordings_from_the_tenth_report_set_after_its_first_run(luma_catalog, messages, expected, sort):
    state, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, *messages)
    assert state.constraints.to_dict() == expected and readings[-1].sort == sort


@pytest.mark.parametrize("text", ["something reasonable price wise", "he's 15 so not spending a fortune"])
def test_more_cheap_wordings_from_the_tenth_report_set(luma_catalog, text):
    _, readings = run(Vocabulary.from_catalog(luma_catalog), luma_catalog, "mens tees", text)
    assert readings[-1].price_rule == "cheap"
