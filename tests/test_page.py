"""The web page (assistant/page.py, assistant/page_cards.py): product cards and the API form of an item,
what the page may serve, and, end to end, a real Assistant behind the Gradio app driven over loopback by
gradio_client. The page in a real browser: tests/browser/."""
from __future__ import annotations

import dataclasses
import json
import re
import urllib.request
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")
from gradio_client import Client, handle_file  # noqa: E402
from PIL import Image  # noqa: E402

from assistant.catalog.download import luma_root  # noqa: E402
from assistant.catalog.luma import MEDIA  # noqa: E402
from assistant.page import (build_app, caption, explains_shown_item, item_dict, launch_options, media_roots,  # noqa: E402
                            serve_on_loopback)
from assistant.page_cards import CSS, card_html  # noqa: E402


@pytest.mark.unit
def test_a_card_says_position_name_price_colour_and_why(small_bot, session_id):
    bot, _ = small_bot([{"name": "catalog_filter", "args": {}}])
    item = bot.respond(session_id, "women's jackets").items[0]
    assert caption(item) == f"{item.position}. {item.name} — ${item.price:.2f} — {item.color}: {item.explanation}"
    no_colour = dataclasses.replace(item, color=None)
    assert caption(no_colour) == f"1. {item.name} — ${item.price:.2f} — {item.explanation}"
    data = json.loads(json.dumps(item_dict(item)))  # the API's JSON form
    assert {k: data[k] for k in ("position", "sku", "name", "price", "color")} == {
        "position": 1, "sku": item.sku, "name": item.name, "price": item.price, "color": item.color}
    assert data["caption"] == caption(item) and [f["kind"] for f in data["evidence"]] == [f.kind for f in item.evidence]


@pytest.mark.unit
def test_the_page_serves_catalog_photos_only_never_uploads_or_renders(small_bot):
    bot, _ = small_bot([])
    roots = media_roots(bot)
    photos = luma_root(bot.settings, download=False) / MEDIA
    assert roots == [str(photos.resolve())]  # a shopper's photos and renders go inline to their own page
    assert not any(Path(r) in bot.settings.sessions_path.parents for r in roots)  # the sessions stay unreachable
    options = launch_options(bot)
    assert (options["server_name"], options["server_port"]) == (bot.settings.host, bot.settings.port)
    assert options["allowed_paths"] == roots


@pytest.mark.unit
def test_the_page_serves_a_retailers_catalog_photos_from_their_folders(tmp_settings, tmp_path):
    """An ingested catalog (tests/clothing_catalog.py) keeps its photos outside the Luma tree."""
    from assistant import Assistant
    from assistant.storage import open_catalog
    from assistant.ingest_catalog import ingest_catalog
    from tests.clothing_catalog import CLASSES, photo_root, write_catalog_file
    from tests.conftest import ScriptedPlanner
    settings = dataclasses.replace(tmp_settings, data_dir=tmp_path / "data")
    ingest_catalog(write_catalog_file(tmp_path / "file", "csv"), settings, build_indexes=False)
    roots = media_roots(Assistant(settings, open_catalog(settings), ScriptedPlanner([]), None, None))
    assert roots[1:] == sorted(str((photo_root() / kind).resolve()) for kind in CLASSES)
    assert not any(Path(r) in settings.sessions_path.parents for r in roots)


@pytest.mark.unit
def test_the_page_uses_no_emoji(small_bot, session_id):
    """Buttons and labels are plain words: without an emoji font, emoji render as empty boxes."""
    from assistant import page
    emoji = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
    bot, _ = small_bot([{"name": "catalog_filter", "args": {}}])
    item = bot.respond(session_id, "women's jackets").items[0]
    texts = [Path(page.__file__).read_text(), CSS, card_html(item, photo=True), *page.EXAMPLES, page.INTRO]
    assert not [t for t in texts if emoji.search(t)]


@pytest.mark.unit
def test_an_explanation_is_not_a_new_list(small_bot, session_id):
    bot, _ = small_bot([{"name": "catalog_filter", "args": {}}, "", {"name": "explain", "args": {"item": "2"}}, ""])
    shown = bot.respond(session_id, "women's jackets")
    why = bot.respond(session_id, "why the second one?")
    assert not explains_shown_item(shown) and explains_shown_item(why)
    assert why.items[0].position == 2


@pytest.fixture(scope="module")
def bot(real_bot):
    """The real assistant from conftest.py (SmolLM2 controller, built by setup once)."""
    return real_bot


@pytest.fixture(scope="module")
def served(page_url):
    client = Client(page_url, verbose=False)
    yield client, page_url
    client.close()


def chat(client, session_id, text="", files=()):
    return client.predict({"text": text, "files": [handle_file(str(f)) for f in files]}, session_id,
                          api_name="/chat")


def prices_in(text: str) -> list[float]:
    return [float(p.replace(",", "")) for p in re.findall(r"\$(\d[\d,]*(?:\.\d+)?)", text)]


def test_two_turns_share_one_session(served, bot):
    client, _ = served
    text, items, session = chat(client, "", "women's jackets under $60")  # the server issues the id
    assert re.fullmatch(r"s-[0-9a-f]{32}-[0-9a-f]{16}", session)
    assert items, text
    for item in items:
        product = bot.catalog.get(item["sku"])  # real catalog rows, not invented ones
        assert product.name == item["name"] and product.price == item["price"]
        assert item["name"] in text and item["caption"].startswith(f"{item['position']}. {item['name']}")
        assert item["gender"] == "Women" and item["category"] == "Jackets" and item["price"] <= 60
    assert prices_in(text) and all(p <= 60 for p in prices_in(text)), text

    # "instead" keeps the rest of the request: still women's jackets under $60, now blue.
    text, items, _ = chat(client, session, "in blue instead")
    assert items, text
    for item in items:
        assert (item["gender"], item["category"], item["color"]) == ("Women", "Jackets", "Blue")
        assert item["price"] <= 60
    assert prices_in(text) and all(p <= 60 for p in prices_in(text)), text

    # A thumbs-up on a card (the page's button; the same call over the API) is a session like.
    message = client.predict(session, 1, True, api_name="/feedback")
    assert message == f"Noted: you like {items[0]['name']}. I will rank similar items higher."
    assert bot.sessions.load(session).liked == [items[0]["sku"]]


def test_photo_turn(served, tmp_path):
    client, _ = served
    photo = tmp_path / "jacket.jpg"
    Image.new("RGB", (96, 128), (30, 60, 160)).save(photo, "JPEG")
    text, items, _ = chat(client, "", "something like this", [photo])
    assert text.strip() and "went wrong" not in text and "could not handle" not in text


def test_bad_photo_and_empty_message_are_answered(served, tmp_path):
    client, _ = served
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"this is not a jpeg")
    text, items, session = chat(client, "", "", [broken])
    assert text.strip() and items == []
    text, items, _ = chat(client, session, "")
    assert text.strip() and items == []


def test_core_failure_is_shown_in_chat(bot):
    class Broken:
        settings = bot.settings

        def respond(self, session_id, text, images=()):
            raise RuntimeError("index offline")

    app = build_app(Broken())
    client = Client(serve_on_loopback(app, bot), verbose=False)
    try:
        text, items, _ = chat(client, "", "hello")
        assert "could not handle" in text and items == []
        assert "index offline" not in text and "RuntimeError" not in text  # no internals reach the client
    finally:
        client.close()
        app.close()


def test_a_session_is_only_its_callers(served, bot):
    """Ids the server did not issue ("1", "alice", one of the right shape) are refused, and the
    conversation they name is neither read nor written."""
    client, _ = served
    text, items, session = chat(client, "", "men's hoodies")
    assert items
    before = bot.sessions.load(session).to_dict()
    forged = session[:-1] + ("0" if session[-1] != "0" else "1")
    for other in ("1", "alice", forged, "s-" + "0" * 32 + "-" + "0" * 16, "x" * 100_000):
        text, items, sid = chat(client, other, "why the first one?")
        assert "not a session id this server issued" in text or "belongs to someone else" in text, text
        assert items == [] and sid == ""
        assert "Leave session_id empty" in client.predict(other, 1, True, api_name="/feedback")
    assert bot.sessions.load(session).to_dict() == before
    assert bot.sessions.load(forged).history == []  # nothing was written under the forged id


def test_the_api_rejects_malformed_payloads_with_what_was_wrong(served):
    client, _ = served
    assert "must be true or false" in client.predict(chat(client, "", "tees")[2], 1, "maybe", api_name="/feedback")
    text, items, _ = chat(client, "", "\x00\x00 women's tees \u202e under $30")
    assert "removed 3 invisible or control characters" in text and items
    assert chat(client, "", 12345)[0] == "The message must be text, not a number."  # as JSON, not a bare error
    text, items, _ = client.predict({"text": "tees", "files": ["/etc/hostname"]}, "", api_name="/chat")
    assert "must be uploaded as a file" in text and not items  # a path on the server is never read


def test_a_sample_of_the_fuzz_corpus_over_http(served, bot, tmp_path):
    """Cases of the corpus (assistant/evaluation/fuzz_corpus.py) through /chat, files uploaded and
    wrong payload types sent as the JSON they are: each answered, nothing of the server's insides in
    the reply, items within the session's constraints (the whole corpus: `bench load --parts fuzz-http`)."""
    from assistant.evaluation.fuzz_corpus import load_corpus, sample
    from assistant.evaluation.fuzz_http import keeping_replies, run_case
    client, _ = served
    cases = load_corpus()
    wrong_types = [c for c in cases if c["kind"] in ("wrong_type", "bad_photo", "huge_list")]
    with keeping_replies(bot) as replies:
        for case in sample(cases, 10) + sample(wrong_types, 4):
            assert not run_case(client, bot, case, tmp_path, replies), case["id"]


def test_page_needs_nothing_from_outside(served):
    _, url = served
    page = urllib.request.urlopen(url, timeout=30).read().decode()
    theme = urllib.request.urlopen(url.rstrip("/") + "/theme.css", timeout=30).read().decode()
    assert "Luma shopping assistant" in page
    for text in (page, theme):
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
    assert not re.search(r"url\(\s*['\"]?https?://", theme) and "@import" not in theme
