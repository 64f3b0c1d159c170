"""eval controller: the metrics, and one held-out dialogue through the shipped LoRA controller."""
import pytest

from assistant.evaluation.controller import Scores, evaluate_controller, slots


@pytest.mark.unit
def test_scores_count_tools_slots_and_validity():
    s = Scores()
    gold = {"tool": "search", "arguments": {"query": "jacket", "color": "Red", "price_max": 60.0}}
    s.add("request", gold, "search", {"query": "Jacket", "color": "red", "price_max": 60}, True, True, 0.1)
    s.add("refine_color", gold, "search", {"query": "jacket", "color": "Blue"}, True, False, 0.3)
    s.add("explain", {"tool": "explain", "arguments": {"item": "2"}}, "recommend", {"item": "2"}, True, False, 0.2)
    s.add("chit_chat", {"tool": None, "arguments": {}}, None, {}, False, True, 0.1)
    f = s.figures()
    assert f["tool_selection_accuracy"] == 0.75 and f["argument_exact_match"] == 0.5
    # slots: 3 + 1 true, 1 false positive (Blue) + 1 (the wrong tool's item); 1 + 1 missed
    precision, recall = 4 / 6, 4 / 7
    assert f["slot_f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert f["valid_call_rate"] == 1.0 and f["end_task_success"] == 0.5 and f["planning_p50_s"] == pytest.approx(0.15)
    assert slots({"category": ["Jackets"]}) == slots({"category": "jackets"})
    assert f["max_read_as_min"] == 0.0 and f["min_read_as_max"] == 0.0  # two maximums, neither swapped


@pytest.mark.unit
def test_scores_count_price_bounds_written_the_wrong_way_round():
    s = Scores()
    over = {"tool": "search", "arguments": {"query": "coat", "price_min": 65.0}}
    s.add("request", over, "search", {"query": "coat", "price_max": 65}, True, False, 0.1)
    s.add("request", over, "search", {"query": "coat", "price_min": 65}, True, True, 0.1)
    s.add("request", over, "search", {"query": "coat"}, True, False, 0.1)  # dropped, not swapped
    s.add("refine_price", {"tool": "search", "arguments": {"price_min": 20.0, "price_max": 35.0}}, "search",
          {"price_min": 35.0}, True, False, 0.1)  # a range: not a single bound
    f = s.figures()
    assert f["min_read_as_max"] == pytest.approx(1 / 3) and f["max_read_as_min"] == 0.0
    assert s.swapped == {"price_min": [1, 3], "price_max": [0, 0]}


def test_one_heldout_dialogue_end_to_end_with_the_shipped_controller(settings, tmp_path):
    figures = evaluate_controller(settings, variants=("lora_text", "lora_projector"), limit=2, system_dialogues=1,
                                  latency_turns=2, out_dir=tmp_path)
    for key in ("tool_selection_accuracy", "slot_f1", "valid_call_rate", "end_task_success", "unsupported_claims",
                "planning_p50_s", "lora_text_slot_f1", "planning_p50_unmerged_s", "system_end_task_success"):
        assert key in figures
    assert figures["valid_call_rate"] == 1.0  # the grammar makes every call valid
    assert figures["unsupported_claims"] == 0
    assert 0 < figures["tool_selection_accuracy"] <= 1 and figures["planning_p50_s"] > 0
    assert (tmp_path / "controller_eval.png").stat().st_size > 0 and (tmp_path / "controller_turns.json").exists()
