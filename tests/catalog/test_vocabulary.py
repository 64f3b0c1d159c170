"""Normalising shopper words to catalog values."""
import pytest

from assistant.catalog.vocabulary import VocabularyError, parse_number


def test_colours_synonyms_and_typos(vocab):
    assert vocab.color("red").value == "Red"
    mapped = vocab.color("navy")
    assert mapped.value == "Blue" and "nearest" in mapped.note
    assert vocab.color("grey").value == "Gray"
    assert vocab.color("purpel").value == "Purple"
    assert vocab.color("chartreuse").value == "Green"
    assert vocab.color("salmon").value == "Red"


def test_unknown_colour_lists_valid_values(vocab):
    with pytest.raises(VocabularyError) as err:
        vocab.color("zorblax")
    assert "valid colours" in str(err.value) and "Red" in str(err.value)


def test_categories_plural_singular_and_synonyms(vocab):
    assert vocab.category("jackets").value == ["Jackets"]
    assert vocab.category("Jacket").value == ["Jackets"]
    assert vocab.category("hoodies").value == ["Hoodies & Sweatshirts"]
    assert vocab.category("t-shirts").value == ["Tees"]
    assert set(vocab.category("tanks").value) == {"Tanks", "Bras & Tanks"}
    with pytest.raises(VocabularyError, match="valid categories"):
        vocab.category("spaceships")


@pytest.mark.parametrize("text,value", [("$49.99", 49.99), ("50 bucks", 50), ("fifty", 50),
                                        ("sixty five dollars", 65), ("1,200", 1200), ("a hundred", 100)])
def test_prices_in_words(text, value):
    assert parse_number(text) == value


def test_absurd_prices_rejected(vocab):
    with pytest.raises(VocabularyError, match="negative"):
        vocab.price(-5)
    with pytest.raises(VocabularyError, match="far above"):
        vocab.price("10000000")
    assert vocab.price("fifty bucks").value == 50.0


def test_gender_and_size(vocab):
    assert vocab.gender("women's").value == "Women"
    assert vocab.gender("male").value == "Men"
    assert vocab.size("medium").value == "M"
    assert vocab.size("xl").value == "XL"
