"""Photos in the conversation, with the shipped image encoder: readings, photo search, 'like this but'."""
import numpy as np
import pytest

from tools.base import ToolContext
from tools.retriever import hybrid_search


@pytest.fixture(scope="module")
def bot(real_bot):
    if real_bot.photo_reader is None:
        pytest.fail("no image index: the shipped encoder weights must be in assistant/weights/")
    return real_bot


def test_photo_readings_name_catalog_categories(bot, catalog):
    jackets = [p for p in catalog.all() if p.category == "Jackets"][::6]
    vectors = bot.photo_reader.embed([p.image_path for p in jackets])
    readings = [bot.photo_reader.read(v) for v in vectors]
    assert np.mean([r.category[0][0] == "Jackets" for r in readings]) >= 0.6
    assert all(abs(sum(p for _, p in r.color) - 1) < 1e-2 for r in readings)  # rounded to 3 places
    assert "looks like" in readings[0].summary()


def test_colour_swap_with_the_production_search(bot, catalog):
    """A product photo in one colour plus a colour constraint finds the same product in that colour."""
    ctx = ToolContext(catalog=catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                      embedder=bot.embedder, image_index=bot.image_index, fused_index=bot.fused_index)
    parents = sorted({p.parent_sku for p in catalog.all() if len(catalog.variants(p.parent_sku)) >= 2})[::10]
    found = []
    for parent in parents:
        a, b = catalog.variants(parent)[:2]
        photo = bot.photo_reader.embed([a.image_path])[0]
        hits = hybrid_search(ctx, "", {"color": b.color}, 10, photos=[photo], photo_names=["photo 1"]).hits
        assert all(catalog.get(h.sku).color == b.color for h in hits)
        assert hits and all(any(f.kind == "photo" for f in h.evidence) for h in hits)
        found.append(b.sku in [h.sku for h in hits])
    assert np.mean(found) >= 0.7


def test_a_photo_turn_like_this_but_in_blue(bot, session_id, catalog):
    photo = catalog.get("MJ09-Yellow") or [p for p in catalog.all() if p.category == "Jackets"][0]
    reply = bot.respond(session_id, "", images=[photo.image_path])
    assert "photo 1: looks like" in reply.text and reply.items
    assert reply.tool_calls[0]["arguments"].get("photo") == "photo 1"
    again = bot.respond(session_id, "like this but in blue")
    assert again.items and all(i.color == "Blue" for i in again.items)
    assert again.tool_calls[0]["arguments"].get("photo") == "photo 1"


def test_not_like_this_pushes_results_away(bot, session_id, catalog):
    tee = [p for p in catalog.all() if p.category == "Tees"][0]
    short = [p for p in catalog.all() if p.category == "Shorts"][0]
    bot.respond(session_id, "", images=[tee.image_path])
    bot.respond(session_id, "", images=[short.image_path])
    liked = bot.respond(session_id, "something like photo 1")
    pushed = bot.respond(session_id, "something like photo 1 but nothing like photo 2")
    vector = bot.photo_reader.embed([short.image_path])[0]
    similarity = lambda reply: np.mean([bot.image_index.vector(catalog.get(i.sku).id) @ vector  # noqa: E731
                                        for i in reply.items])
    assert bot.sessions.load(session_id).avoid_photos == ["photo 2"]
    assert similarity(pushed) <= similarity(liked)


def test_without_words_push_a_photo_query_away(bot, catalog):
    ctx = ToolContext(catalog=catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                      embedder=bot.embedder, image_index=bot.image_index, fused_index=bot.fused_index)
    hoodie = [p for p in catalog.all() if "Hoodie" in p.name][0]
    photo = bot.photo_reader.embed([hoodie.image_path])[0]
    hood = bot.embedder.encode_one("hood")
    mean_hood = lambda hits: np.mean([bot.image_index.vector(catalog.get(h.sku).id) @ hood for h in hits])  # noqa: E731
    plain = hybrid_search(ctx, "", {}, 10, photos=[photo], photo_names=["photo 1"]).hits
    without = hybrid_search(ctx, "without the hood", {}, 10, photos=[photo], photo_names=["photo 1"]).hits
    assert mean_hood(without) < mean_hood(plain)
