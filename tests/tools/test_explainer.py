"""The explain tool (tools/explainer.py): what sets the item apart, then the facts recorded when it was shown."""
import pytest

from assistant.dialogue.state import ShownItem
from assistant.explain import explanation
from tools.evidence import ConstraintMet, Rating, SortRank, StandsOut
from tools.explainer import explain_shown

pytestmark = pytest.mark.unit


def test_explain_returns_the_recorded_facts_and_says_the_position_once(small_ctx):
    first = [ConstraintMet("color", "Blue", "Blue"), Rating(4.0, 2)]
    second = [ConstraintMet("color", "Red", "Red"), SortRank("rating", 2, 7)]
    small_ctx.state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0,
                                       explanation(first), first),
                             ShownItem(2, "WH01-Red", "Mona Pullover Hoodlie", "Red", "Hoodies & Sweatshirts", 57.0,
                                       explanation(second), second)]
    result = explain_shown(small_ctx, "the second one")
    assert [h.sku for h in result.hits] == ["WH01-Red"] and result.data["position"] == 2
    # The position is the reply's lead line ("Why #2, ..."), not a clause of the explanation.
    contrast = [f for f in result.hits[0].evidence if isinstance(f, StandsOut)]
    assert contrast == [StandsOut("colour", "the only red one", 2), StandsOut("category", "the only one from hoodies & sweatshirts", 2)]
    assert result.hits[0].evidence == contrast + second
    assert explanation(result.hits[0].evidence).startswith("Of the 2 shown, it is the only red one and the only one")
    again = explain_shown(small_ctx, "the second one")  # asked twice: the contrast is not stacked
    assert again.hits[0].evidence == result.hits[0].evidence


def test_explain_needs_a_shown_item(small_ctx):
    assert "nothing has been shown" in explain_shown(small_ctx, "the first one").error
    small_ctx.state.shown = [ShownItem(1, "WJ03-Blue", "Augusta Pullover Jacket", "Blue", "Jackets", 57.0)]
    assert "could not tell which item" in explain_shown(small_ctx, "the ninth one").error
