"""The Assistant (assistant/assistant.py): a turn from words and photos to a ranked, explained list, with
the session saved and bad input answered. The unit tests script the planner over the small catalog;
the full ones run the real default assistant end to end, photo turns included."""
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant import Reply
from tools.catalog_filter import Constraints, satisfies


def catalog_filter(**args):
    return {"name": "catalog_filter", "args": args}


@pytest.mark.unit
def test_a_turn_lists_products_that_meet_the_request_and_says_why(small_bot, session_id, small_catalog):
    bot, _ = small_bot([catalog_filter(), ""])
    reply = bot.respond(session_id, "women's jackets under $60")
    assert isinstance(reply, Reply) and reply.session_id == session_id and reply.items
    assert reply.tool_calls[0]["arguments"] == {"gender": "Women", "category": ["Jackets"], "price_max": 60.0}
    lines = reply.text.split("\n")
    are = "are" if len(reply.items) > 1 else "is"
    assert lines[0] == f"Here {are} {len(reply.items)} women's jackets under $60 for you:"
    wanted = Constraints(gender="Women", category=["Jackets"], price_max=60)
    for item, line in zip(reply.items, lines[1:]):
        product = small_catalog.get(item.sku)
        assert satisfies(product, wanted) and (item.name, item.price, item.color) == (product.name, product.price,
                                                                                        product.color)
        assert f"${product.price:.2f}" in item.explanation and item.image_path == product.image_path
        colour = item.color or "-"
        assert line == f"{item.position}. **{item.name}** ({colour}) — ${item.price:.2f}: {item.explanation}"
    assert [s.sku for s in bot.sessions.load(session_id).shown] == [i.sku for i in reply.items]
    assert json.loads(reply.to_json())["items"][0]["sku"] == reply.items[0].sku  # the CLI's --json form


@pytest.mark.unit
def test_thumbs_up_and_down_from_the_page(small_bot, session_id):
    bot, _ = small_bot([catalog_filter()])
    reply = bot.respond(session_id, "hoodies")
    first = reply.items[0]
    assert bot.feedback(session_id, 1, liked=True) == f"Noted: you like {first.name}. I will rank similar items higher."
    assert bot.sessions.load(session_id).liked == [first.sku]
    bot.feedback(session_id, 1, liked=False)
    state = bot.sessions.load(session_id)
    assert state.rejected == [first.sku] and state.liked == []
    assert "could not tell" in bot.feedback(session_id, 42, liked=True)


@pytest.mark.unit
def test_an_explained_item_keeps_the_position_the_shopper_saw(small_bot, session_id):
    bot, _ = small_bot([catalog_filter(), "", {"name": "explain", "args": {"item": "2"}}, ""])
    shown = bot.respond(session_id, "men's hoodies")
    assert len(shown.items) >= 2
    why = bot.respond(session_id, "why the second one?")
    assert why.tool_calls[-1]["name"] == "explain"
    (item,) = why.items
    assert (item.position, item.sku) == (2, shown.items[1].sku)  # #2, not a new list's "1."
    lines = why.text.split("\n")
    assert lines[0].startswith(f"Why #2, {item.name}")
    assert lines[1] == f"2. **{item.name}** ({item.color or '-'}) — ${item.price:.2f}: {item.explanation}"
    # The list the shopper saw is still the one positions refer to.
    assert [s.sku for s in bot.sessions.load(session_id).shown] == [i.sku for i in shown.items]
    assert bot.feedback(session_id, 2, liked=True).startswith(f"Noted: you like {shown.items[1].name}")


@pytest.mark.unit
def test_empty_long_and_invalid_messages_are_answered_and_the_session_goes_on(small_bot, session_id):
    bot, _ = small_bot([catalog_filter()])
    bot.respond(session_id, "women's tees")
    check_answered(bot, session_id, "", "empty")
    check_answered(bot, session_id, "   \n\t ", "empty")
    check_answered(bot, session_id, "please " * 3000, "first 2000 characters")
    check_answered(bot, session_id, "in zorblax please", "valid colours")
    check_answered(bot, session_id, "under -20 dollars", "negative")
    state = bot.sessions.load(session_id)
    assert state.constraints.category == ["Tees"] and state.constraints.gender == "Women"


@pytest.mark.unit
def test_a_turn_that_fails_answers_and_keeps_the_state_it_had(small_bot, session_id, monkeypatch):
    bot, _ = small_bot([catalog_filter(), "", catalog_filter(), ""])
    bot.respond(session_id, "men's shorts")

    def broken(*args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(bot, "_items", broken)
    reply = bot.respond(session_id, "in red instead")
    assert "something went wrong" in reply.text and not reply.items
    assert "RuntimeError" not in reply.text and "disk on fire" not in reply.text  # no internals reach the shopper
    state = bot.sessions.load(session_id)
    assert "color" not in state.constraints and state.constraints.category == ["Shorts"]
    assert [h.text for h in state.history[-2:]] == ["in red instead", reply.text]


@pytest.mark.unit
def test_photos_without_the_image_tower_are_kept_and_bad_files_explained(small_bot, session_id, tmp_path):
    bot, _ = small_bot([])
    good, bad = tmp_path / "shirt.jpg", tmp_path / "notes.jpg"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good)
    bad.write_text("not an image")
    reply = bot.respond(session_id, "", images=[str(good), str(bad)] + [str(good)] * 4)
    assert "photo 1" in reply.text and "train vision" in reply.text and not reply.items
    assert any("notes.jpg" in n for n in reply.notices) and any("4 photos per message" in n for n in reply.notices)
    assert "That is photo 1 again." in reply.notices and reply.photos == ["photo 1"]  # the same photo, not a new one
    state = bot.sessions.load(session_id)
    assert [p.name for p in state.photos] == ["photo 1"] and state.photos[0].reading is None
    assert state.photos[0].path.startswith(str(bot.settings.uploads_dir))


def test_a_whole_turn_with_the_real_model(real_bot, session_id, catalog):
    reply = real_bot.respond(session_id, "women's jackets under $60")
    assert isinstance(reply, Reply) and reply.session_id == session_id
    assert reply.tool_calls and reply.tool_calls[0]["name"] in real_bot.registry.names
    assert reply.items, reply.text
    wanted = Constraints(gender="Women", category=["Jackets"], price_max=60)
    for item in reply.items:
        product = catalog.get(item.sku)
        assert satisfies(product, wanted)
        assert (item.name, item.price, item.color) == (product.name, product.price, product.color)
        assert f"${product.price:.2f}" in item.explanation and item.image_path == product.image_path
        assert item.name in reply.text
    json.loads(reply.to_json())  # the CLI's --json form


def test_follow_up_turn_keeps_the_constraints(real_bot, session_id, catalog):
    real_bot.respond(session_id, "men's shorts under 40 dollars")
    reply = real_bot.respond(session_id, "in black instead")
    state = real_bot.sessions.load(session_id)
    assert state.constraints.color == "Black" and state.constraints.price_max == 40
    wanted = Constraints(gender="Men", category=["Shorts"], color="Black", price_max=40)
    assert reply.items and all(satisfies(catalog.get(i.sku), wanted) for i in reply.items)


def check_answered(bot, session_id, text, expect=None):
    before = len(bot.sessions.load(session_id).history)
    reply = bot.respond(session_id, text)
    assert reply.text.strip()
    if expect:
        assert expect in reply.text
    assert len(bot.sessions.load(session_id).history) == before + 2
    return reply


def test_bad_input_is_answered_and_the_session_goes_on(real_bot, session_id, catalog):
    real_bot.respond(session_id, "women's tees")
    check_answered(real_bot, session_id, "", "empty")
    check_answered(real_bot, session_id, "   \n\t ", "empty")
    check_answered(real_bot, session_id, "please " * 3000, "first 2000 characters")
    check_answered(real_bot, session_id, "Je cherche une veste rouge pour femme")
    check_answered(real_bot, session_id, "'; DROP TABLE products; -- \" OR 1=1 NEAR(")
    check_answered(real_bot, session_id, "in zorblax please", "valid colours")
    check_answered(real_bot, session_id, "under -20 dollars", "negative")
    check_answered(real_bot, session_id, "under 999999999 dollars", "far above")
    assert len(catalog) == 461  # nothing was dropped
    state = real_bot.sessions.load(session_id)
    assert state.constraints.category == ["Tees"] and state.constraints.gender == "Women"
    reply = real_bot.respond(session_id, "cheaper ones?")
    assert reply.text


def test_photos_are_accepted_and_bad_files_explained(real_bot, session_id, tmp_path):
    from PIL import Image
    good = tmp_path / "shirt.jpg"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good)
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    reply = real_bot.respond(session_id, "", images=[str(good), str(bad)])
    assert "photo 1" in reply.text and reply.notices
    state = real_bot.sessions.load(session_id)
    assert len(state.photos) == 1 and state.photos[0].name == "photo 1"


def test_a_restart_loses_no_conversation(real_bot, session_id, settings):
    from assistant.storage import open_sessions
    first = real_bot.respond(session_id, "men's hoodies")
    state = open_sessions(settings).load(session_id)
    assert [s.sku for s in state.shown] == [i.sku for i in first.items]


def test_a_photo_turn_like_this_but_in_blue(photo_bot, session_id, catalog):
    photo = catalog.get("MJ09-Yellow") or [p for p in catalog.all() if p.category == "Jackets"][0]
    reply = photo_bot.respond(session_id, "", images=[photo.image_path])
    assert "photo 1: looks like" in reply.text and reply.items
    assert reply.tool_calls[0]["arguments"].get("photo") == "photo 1"
    again = photo_bot.respond(session_id, "like this but in blue")
    assert again.items and all(i.color == "Blue" for i in again.items)
    assert again.tool_calls[0]["arguments"].get("photo") == "photo 1"


def test_a_catalog_photo_in_another_colour_then_follow_ups_keep_that_product(photo_bot, session_id, catalog):
    """The photographed product's variant comes first, and refining follow-ups ("what other colours does
    it come in", "size M") go on searching with the photo, "it" being the photographed product."""
    reply = photo_bot.respond(session_id, "love this but in red??", images=[catalog.get("WJ03-Blue").image_path])
    assert reply.items[0].sku == "WJ03-Red" and all(i.color == "Red" for i in reply.items)
    other = photo_bot.respond(session_id, "hmm actually not red, what other colours does it come in")
    assert other.items[0].sku.startswith("WJ03-") and all(i.color != "Red" for i in other.items)
    sized = photo_bot.respond(session_id, "cool, size M")
    assert sized.items[0].sku.startswith("WJ03-") and sized.tool_calls[0]["arguments"].get("photo") == "photo 1"
    assert all("M" in catalog.get(i.sku).sizes and i.color != "Red" for i in sized.items)


def test_not_like_this_pushes_results_away(photo_bot, session_id, catalog):
    tee = [p for p in catalog.all() if p.category == "Tees"][0]
    short = [p for p in catalog.all() if p.category == "Shorts"][0]
    photo_bot.respond(session_id, "", images=[tee.image_path])
    photo_bot.respond(session_id, "", images=[short.image_path])
    liked = photo_bot.respond(session_id, "something like photo 1")
    pushed = photo_bot.respond(session_id, "something like photo 1 but nothing like photo 2")
    vector = photo_bot.photo_reader.embed([short.image_path])[0]
    similarity = lambda reply: np.mean([photo_bot.image_index.vector(catalog.get(i.sku).id) @ vector  # noqa: E731
                                        for i in reply.items])
    assert photo_bot.sessions.load(session_id).avoid_photos == ["photo 2"]
    assert similarity(pushed) <= similarity(liked)


def test_show_it_in_a_colour_end_to_end(real_bot, session_id, catalog):
    real_bot.respond(session_id, "women's jackets")
    real = real_bot.respond(session_id, "show me the Juno Jacket in green")
    # The shipped adapter was trained with render, so the model plans it (else the tracker would).
    assert real.tool_calls == [{"name": "render", "planned_by": "model",
                                "arguments": {"item": "WJ06-Blue", "color": "green"}}]
    assert [(r.kind, r.sku) for r in real.renders] == [("catalog", "WJ06-Green")]
    rendered = real_bot.respond(session_id, "how would it look in red?")
    (shown,) = rendered.renders
    assert shown.kind == "generated" and shown.color == "Red" and Path(shown.path).is_file()
    assert shown.caption in rendered.text and "not sold in red" in shown.caption
    assert rendered.items and all(catalog.get(i.sku) for i in rendered.items)
    assert json.loads(rendered.to_json())["renders"][0]["kind"] == "generated"
    assert real_bot.sessions.load(session_id).constraints.color is None   # showing is not filtering
