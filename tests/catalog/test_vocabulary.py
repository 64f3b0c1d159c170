"""Normalising shopper words to catalog values (assistant/catalog/vocabulary.py)."""
import pytest

from assistant.catalog.sqlite_store import SQLiteCatalog, write_sqlite_catalog
from assistant.catalog.vocabulary import Vocabulary, VocabularyError, parse_number

pytestmark = pytest.mark.unit


def test_the_small_catalog_has_the_whole_catalogs_vocabulary(luma_data, small_catalog, small_vocab, tmp_path):
    """What the unit tier's small catalog is for: every value a shopper can name is there."""
    products, links, _ = luma_data
    write_sqlite_catalog(tmp_path / "whole.sqlite", products, links)
    assert Vocabulary.from_catalog(SQLiteCatalog(tmp_path / "whole.sqlite")) == small_vocab
    assert len(small_catalog) < len(products) / 2


def test_colours_synonyms_and_typos(small_vocab):
    assert small_vocab.color("red").value == "Red"
    mapped = small_vocab.color("navy")
    assert mapped.value == "Blue" and "nearest" in mapped.note
    assert small_vocab.color("grey").value == "Gray"
    assert small_vocab.color("purpel").value == "Purple"
    assert small_vocab.color("chartreuse").value == "Green"
    assert small_vocab.color("salmon").value == "Red"


def test_unknown_colour_lists_valid_values(small_vocab):
    with pytest.raises(VocabularyError) as err:
        small_vocab.color("zorblax")
    assert "valid colours" in str(err.value) and "Red" in str(err.value)


def test_categories_plural_singular_and_synonyms(small_vocab):
    assert small_vocab.category("jackets").value == ["Jackets"]
    assert small_vocab.category("Jacket").value == ["Jackets"]
    assert small_vocab.category("hoodies").value == ["Hoodies & Sweatshirts"]
    assert small_vocab.category("t-shirts").value == ["Tees"]
    assert set(small_vocab.category("tanks").value) == {"Tanks", "Bras & Tanks"}
    with pytest.raises(VocabularyError, match="valid categories"):
        small_vocab.category("spaceships")


@pytest.mark.parametrize("text,value", [("$49.99", 49.99), ("50 bucks", 50), ("fifty", 50),
                                        ("sixty five dollars", 65), ("1,200", 1200), ("a hundred", 100)])
def test_prices_in_words(text, value):
    assert parse_number(text) == value


def test_absurd_prices_rejected(small_vocab):
    with pytest.raises(VocabularyError, match="negative"):
        small_vocab.price(-5)
    with pytest.raises(VocabularyError, match="far above"):
        small_vocab.price("10000000")
    assert small_vocab.price("fifty bucks").value == 50.0


def test_gender_and_size(small_vocab):
    assert small_vocab.gender("women's").value == "Women"
    assert small_vocab.gender("male").value == "Men"
    assert small_vocab.size("medium").value == "M"
    assert small_vocab.size("xl").value == "XL"


def test_another_retailers_categories_and_colours_are_its_own():
    """Luma's synonyms count only for categories the catalog has: a retailer's own Shirts is not read
    as Luma's Tees, "jacket" finds its Outerwear, a singular finds its plural; a colour it lacks is
    refused with its own (empty) list instead of mapping to a Luma colour."""
    vocab = Vocabulary(colors=[], categories=["Dresses", "Outerwear", "Shirts", "T-Shirts", "Shoes"],
                       genders=["Men", "Unisex", "Women"], sizes=[], materials=[], patterns=[], activities=[])
    assert vocab.category("shirts").value == ["Shirts"] and vocab.category("t-shirt").value == ["T-Shirts"]
    assert vocab.category("dress").value == ["Dresses"]
    kin = vocab.category("jacket")
    assert kin.value == ["Outerwear"] and kin.note == "'jacket' read as Outerwear"
    with pytest.raises(VocabularyError, match="valid categories: Dresses, Outerwear"):
        vocab.category("tanks")
    for word in ("navy", "salmon", "red"):
        with pytest.raises(VocabularyError, match="valid colours"):
            vocab.color(word)
