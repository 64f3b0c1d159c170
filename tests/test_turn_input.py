"""Input at the boundary (assistant/turn_input.py, Assistant.respond and Assistant.feedback): what the
caller sent wrong is answered with a message saying what, the session goes on, and nothing of the
server's insides (exception names, paths) reaches the reply."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from assistant.turn_input import (InputRejected, check_api_message, check_images, check_position, check_session_id,
                                  clean_text)

pytestmark = pytest.mark.unit


def catalog_filter(**args):
    return {"name": "catalog_filter", "args": args}


def jpeg_bytes(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("images, said", [
    ([None], "not nothing (None)"),
    ([12345], "not a number"),
    ([{"path": 1}], "not an object with 1 fields"),
    ([[b"x"]], "not a list of 1 values"),
    ([b""], "empty (0 bytes)"),
    ([b"GIF89a broken"], "isn't an image we can read"),
    ([jpeg_bytes()[:300]], "damaged or incomplete"),
    ([b"%PDF-1.4 not a photo"], "isn't an image we can read"),
])
def test_a_photo_that_is_not_one_is_named_and_the_turn_goes_on(small_bot, session_id, images, said):
    bot, _ = small_bot([catalog_filter()])
    reply = bot.respond(session_id, "women's tees", images=images)
    assert said in reply.text and "went wrong" not in reply.text, reply.text
    assert reply.items  # the words were still answered
    assert bot.sessions.load(session_id).photos == []


@pytest.mark.parametrize("kwargs, said", [
    (dict(text=12345), "The message must be text, not a number."),
    (dict(text=["a", "b"]), "The message must be text, not a list of 2 values."),
    (dict(text={"text": "hi"}), "The message must be text, not an object with 1 fields."),
    (dict(text="tees", images="photo.jpg"), "not a single a str value; send [photo] for one photo."),
    (dict(text="tees", images=42), "The photos must be a list of file paths, file bytes or images, not a number."),
])
def test_a_malformed_payload_is_rejected_with_what_was_wrong_and_the_session_is_unchanged(
        small_bot, session_id, kwargs, said):
    bot, _ = small_bot([catalog_filter(), "", catalog_filter(), ""])
    bot.respond(session_id, "men's shorts")
    before = bot.sessions.load(session_id).to_dict()
    reply = bot.respond(session_id, **kwargs)
    assert said in reply.text and not reply.items and reply.notices == [reply.text]
    assert bot.sessions.load(session_id).to_dict() == before
    assert bot.respond(session_id, "in red").items  # the conversation goes on


@pytest.mark.parametrize("bad, said", [
    (None, "text, not nothing (None)"), (7, "text, not a number"), ("", "1 to 256 characters long, not 0"),
    ("x" * 200_000, "not 200000"), ("a\x00b", "printable characters only"), ("line\nbreak", "printable"),
], ids=["none", "number", "empty", "huge", "nul", "newline"])
def test_a_bad_session_id_is_rejected_without_echoing_it(small_bot, bad, said):
    bot, _ = small_bot([])
    reply = bot.respond(bad, "hello")
    assert said in reply.text and not reply.items and len(reply.text) < 200
    with pytest.raises(InputRejected):
        check_session_id(bad)


def test_control_and_invisible_characters_are_removed_and_said(small_bot, session_id):
    assert clean_text("red\x00 jac\u202eket\u200b\ttee\n") == ("red jacket\ttee\n", 3)
    assert clean_text(None) == ("", 0) and clean_text("👩\u200d🔬") == ("👩\u200d🔬", 0)  # an emoji's joiner stays
    bot, _ = small_bot([catalog_filter()])
    reply = bot.respond(session_id, "women's\x00 te\u202ees\x1b[31m")
    assert "removed 3 invisible or control characters" in reply.text and reply.items
    assert bot.sessions.load(session_id).history[-2].text == "women's tees[31m"


def test_the_same_photo_again_is_that_photo_again(small_bot, session_id):
    bot, _ = small_bot([])
    photo = jpeg_bytes()
    first = bot.respond(session_id, "", images=[photo])
    assert first.photos == ["photo 1"]
    again = bot.respond(session_id, "", images=[photo, photo, jpeg_bytes((10, 200, 10))])
    assert "That is photo 1 again." in again.text and again.photos == ["photo 1", "photo 2"]
    state = bot.sessions.load(session_id)
    assert [p.name for p in state.photos] == ["photo 1", "photo 2"]
    six = bot.respond(session_id, "", images=[photo] * 6)  # the case: six times the same photo
    assert six.photos == ["photo 1"] and "the other 2 were not used" in six.text
    assert len(bot.sessions.load(session_id).photos) == 2


def test_a_session_keeps_a_bounded_number_of_photos_and_messages(tmp_settings, small_catalog, session_id):
    import dataclasses

    from assistant import Assistant
    from tests.conftest import ScriptedPlanner
    settings = dataclasses.replace(tmp_settings, max_photos_per_session=2, max_history_entries=6)
    bot = Assistant(settings, small_catalog, ScriptedPlanner([]), None, None)
    for shade in range(4):
        reply = bot.respond(session_id, "", images=[jpeg_bytes((shade * 60, 0, 0))])
    assert "already holds 2 photos" in reply.text
    state = bot.sessions.load(session_id)
    assert [p.name for p in state.photos] == ["photo 1", "photo 2"] and len(state.history) == 6
    bot.feedback(session_id, 1, True)
    assert len(bot.sessions.load(session_id).history) == 6


@pytest.mark.parametrize("position, liked, said", [
    ("first", True, "whole number such as 1 or 2, not a str value"), (None, True, "not nothing (None)"),
    (10 ** 20, True, "from 1 to 1000"), (0, True, "from 1 to 1000"), (1, "maybe", "true or false"),
    (1.5, True, "not a number"),
])
def test_feedback_with_a_bad_position_or_reaction_says_what_was_wrong(small_bot, session_id, position, liked, said):
    bot, _ = small_bot([catalog_filter()])
    bot.respond(session_id, "hoodies")
    assert said in bot.feedback(session_id, position, liked)
    assert bot.feedback(session_id, "1", "true").startswith("Noted: you like")  # digits as text are fine


def test_the_checks_alone():
    assert check_images(None) == [] and check_images((1, 2)) == [1, 2]
    assert check_position("2") == 2 and check_position(3.0) == 3
    with pytest.raises(InputRejected, match="not a true/false value"):
        check_position(True)


def test_the_api_message_takes_uploads_only_and_says_what_was_wrong(tmp_path):
    """The /chat API's message (assistant/page.py): an upload in the server's upload folder is a photo;
    a path the caller names on the server is refused, whatever its form; other wrong values are left
    to respond(), which says what was wrong with them."""
    uploads = tmp_path / "uploads"
    (uploads / "a1").mkdir(parents=True)
    (photo := uploads / "a1" / "p.jpg").write_bytes(jpeg_bytes())
    assert check_api_message("tees", uploads) == ("tees", [])
    assert check_api_message(None, uploads) == (None, [])
    assert check_api_message({"text": "like this", "files": [{"path": str(photo)}]}, uploads) == ("like this", [str(photo)])
    assert check_api_message({"text": "x", "files": [None, 3]}, uploads) == ("x", [None, 3])
    assert check_api_message({"text": "x", "files": 3.5}, uploads) == ("x", 3.5)
    for forged in ["/etc/passwd", {"path": "/etc/passwd"}, {"path": str(uploads / ".." / "p.jpg")}, {"path": str(uploads)}]:
        with pytest.raises(InputRejected, match="uploaded as a file"):
            check_api_message({"text": "x", "files": [forged]}, uploads)
    with pytest.raises(InputRejected, match=r"not a list of 2 values"):
        check_api_message(["a", "b"], uploads)
    with pytest.raises(InputRejected, match="only \"text\" and \"files\""):
        check_api_message({"text": "x", "cmd": "rm"}, uploads)
