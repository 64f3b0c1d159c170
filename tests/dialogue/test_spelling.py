"""Typo correction toward the tracker's words (assistant/dialogue/spelling.py)."""
import pytest

from assistant.dialogue.spelling import Speller, edit_distance
from tests.dialogue import run

pytestmark = pytest.mark.unit


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("pnats", "pants", 2) == 1 and edit_distance("jaket", "jacket", 2) == 1
    assert edit_distance("abc", "xyzabc", 1) == 2  # above the limit: limit + 1


@pytest.mark.parametrize("typo,fixed", [("womns", "womens"), ("jaket", "jacket"), ("blu", "blue"),
                                        ("hoddie", "hoodie"), ("husbnd", "husband"), ("pnats", "pants"),
                                        ("swetshirt", "sweatshirt"), ("blak", "black"), ("leggins", "legging"),
                                        ("womans", "woman"), ("legins", "legging"), ("wemon", "women")])
def test_typos_land_on_the_word_meant(small_vocab, typo, fixed):
    assert Speller(small_vocab).correct_word(typo) == fixed


@pytest.mark.parametrize("word", ["than", "that", "hmm", "shrts", "tan", "with", "the", "more"])
def test_known_and_ambiguous_words_are_kept(small_vocab, word):
    assert Speller(small_vocab).correct_word(word) is None  # "shrts": shirts or shorts, so neither


def test_a_message_full_of_typos_is_read(small_vocab, small_catalog):
    state, readings = run(small_vocab, small_catalog, "womns jaket blu under 80")
    assert state.constraints.to_dict() == {"price_max": 80.0, "color": "Blue", "gender": "Women",
                                           "category": ["Jackets"]}
    assert "read 'jaket' as 'jacket'" in readings[0].notes


def test_a_swap_near_two_spellings_of_one_category_is_corrected(small_vocab, small_catalog):
    """'hoodei' is one swap from 'hoodie' and one deletion from 'hoodi': both mean Hoodies & Sweatshirts."""
    from assistant.dialogue.tracker import read
    assert read("xl hoodei for my bf", None, small_vocab, small_catalog).set["category"] == ["Hoodies & Sweatshirts"]


@pytest.mark.parametrize("short,word", [("blk", "black"), ("grn", "green"), ("prpl", "purple"), ("jkt", "jacket"),
                                        ("orng", "orange"), ("gry", "gray"), ("wht", "white"), ("mdm", "medium")])
def test_shorthand_without_vowels_is_read_as_the_goods_it_names(small_vocab, short, word):
    """Letters in order, from the first to the last consonant; "blk" could be "bloke", but shorthand names goods."""
    assert Speller(small_vocab).correct_word(short) == word


def test_a_british_spelling_is_read_as_the_catalog_writes_it(small_vocab):
    assert Speller(small_vocab, described=frozenset({"cozy"})).correct_word("cosy") == "cozy"
    assert Speller(small_vocab).correct_word("cosy") != "cozy"  # only toward the catalog's own words


@pytest.mark.parametrize("word", ["doesnt", "cant", "isnt", "breaker"])
def test_contractions_and_the_words_of_synonym_phrases_are_words(small_vocab, word):
    """"money doesnt matter" is not "money doesn matter"; "wind breaker" is not "wind break"."""
    assert Speller(small_vocab).correct_word(word) is None


def test_the_phrases_own_words_are_corrected_too(small_vocab, small_catalog):
    state, readings = run(small_vocab, small_catalog, "mens tees", "nothin red or blak", "wich one has the best reveiws")
    assert state.constraints.get("not_color") == ["Red", "Black"] and state.sort == "rating"


def test_a_letter_left_out_decides_only_between_words_that_are_no_values(small_vocab, small_catalog):
    """"cheapr" is cheaper, not cheap; "veste" (French for jacket) is left alone, not read as "vestes"."""
    from assistant.dialogue.tracker import speller
    spell = speller(small_vocab, small_catalog)
    assert spell.correct_word("cheapr") == "cheaper" and spell.correct_word("veste") is None
