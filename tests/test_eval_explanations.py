"""`eval explanations` (assistant/evaluation/explanations.py): each shown item's explanation is
scored, and a "why" question asked in a copy of the session leaves the dialogue as it was."""
import pytest

from assistant.evaluation.explanations import ExplanationRun

pytestmark = pytest.mark.unit


def test_items_and_why_answers_are_scored_without_touching_the_dialogue(small_bot, session_id):
    bot, _ = small_bot([{"name": "catalog_filter", "args": {"category": "jackets", "price_max": 80}}])
    run = ExplanationRun(bot)
    run.run_turn("scripted", session_id, "jackets under $80", [])
    assert len(run.items) >= 2 and len(run.whys) == 1
    assert all(r["words"] <= 30 and r["specific"] and r["unsupported"] == [] for r in run.items)
    why = run.whys[0]
    assert why["answered"] and why["contrastive"] and why["explanation"].startswith("Of the ")
    state = bot.sessions.load(session_id)  # the why question went to a copy of the session
    assert [h.text for h in state.history if h.role == "user"] == ["jackets under $80"]
    figures = run.figures()
    assert figures["explanation_specific_share"] == 1.0 and figures["why_contrast_share"] == 1.0
    assert figures["unsupported_claims"] == 0 and figures["why_questions"] == 1
