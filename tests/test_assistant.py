"""The real default assistant end to end: whole turns, photo turns, and bad input answered with the
session intact."""
import json

import numpy as np

from assistant import Reply
from tools.catalog_filter import Constraints, satisfies


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
    assert all(satisfies(catalog.get(i.sku), wanted) for i in reply.items)


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
    from assistant.dialogue.sessions import SessionStore
    first = real_bot.respond(session_id, "men's hoodies")
    state = SessionStore(settings.sessions_path).load(session_id)
    assert [s.sku for s in state.shown] == [i.sku for i in first.items]


def test_a_photo_turn_like_this_but_in_blue(photo_bot, session_id, catalog):
    photo = catalog.get("MJ09-Yellow") or [p for p in catalog.all() if p.category == "Jackets"][0]
    reply = photo_bot.respond(session_id, "", images=[photo.image_path])
    assert "photo 1: looks like" in reply.text and reply.items
    assert reply.tool_calls[0]["arguments"].get("photo") == "photo 1"
    again = photo_bot.respond(session_id, "like this but in blue")
    assert again.items and all(i.color == "Blue" for i in again.items)
    assert again.tool_calls[0]["arguments"].get("photo") == "photo 1"


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
