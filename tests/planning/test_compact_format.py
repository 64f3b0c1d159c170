"""The tuned controller's prompt and answer format (assistant/planning/compact_format.py)."""
import json

import pytest

from assistant.planning.compact_format import IMAGE_TOKEN, REPLY_OPEN, TOOL_OPEN, answer_ids, answer_pieces, render_turn


@pytest.fixture(scope="module")
def schemas(registry):
    return {s["name"]: s for s in registry.schemas()}


@pytest.mark.unit
def test_answer_is_the_decoders_json_in_schema_order(schemas):
    gold = {"tool": "search", "arguments": {"price_max": 60, "query": "jacket", "color": "Red", "gender": "Women"}}
    text = "".join(answer_pieces(gold, schemas))
    assert text.startswith(TOOL_OPEN + "\n")
    call = json.loads(text[len(TOOL_OPEN) + 1:] + "}")
    assert call == {"name": "search", "arguments": {"query": "jacket", "gender": "Women", "color": "Red", "price_max": 60.0}}
    assert list(call["arguments"]) == ["query", "gender", "color", "price_max"]  # the schema's order


@pytest.mark.unit
def test_a_reply_names_its_kind_and_unknown_arguments_are_refused(schemas):
    assert answer_pieces({"tool": None, "arguments": {}, "reply_kind": "clarify"}, schemas) == [REPLY_OPEN, "clarify\n"]
    with pytest.raises(ValueError, match="no argument"):
        answer_pieces({"tool": "explain", "arguments": {"item": "2", "colour": "red"}}, schemas)


def test_answer_ids_decode_back_to_the_answer(schemas, real_bot):
    tokenizer = real_bot.controller.planner.chat_model.decoder.tok
    gold = {"tool": "recommend", "arguments": {"item": "the green one", "relation": "goes_with", "price_max": 45.5}}
    ids = answer_ids(lambda t: tokenizer.encode(t, add_special_tokens=False), gold, schemas)
    assert tokenizer.decode(ids) == "".join(answer_pieces(gold, schemas))


@pytest.mark.unit
def test_turn_shows_state_photos_as_tokens_or_words_and_the_message():
    context = {"topic": "jacket", "constraints": {"category": "Jackets", "price_max": 60.0}, "photos": ["photo 1"], "shown": 5}
    tokens = render_turn(context, "like this but in red", ["photo 2"], {"photo 1": None, "photo 2": None}, 3)
    assert "looking for: jacket" in tokens and "constraints: category=Jackets, price_max=60" in tokens
    assert tokens.count(IMAGE_TOKEN) == 6 and "on screen: 5 items" in tokens
    assert tokens.endswith("shopper: (sent photo 2) like this but in red")
    words = render_turn(context, "", ["photo 2"], {"photo 1": "Jackets, Red, Women", "photo 2": "Tees, Blue, Men"}, 3)
    assert IMAGE_TOKEN not in words and "photo 2 (Tees, Blue, Men)" in words
