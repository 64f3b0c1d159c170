"""The page (assistant/page.py) in a real browser: headless Chromium driven by Playwright, over the real
Assistant served on a free loopback port (one server and one browser for the module).

Each test opens its own page, so its own conversation (a fresh session per page load). Every request
each page makes is recorded, and all of them must go to the loopback server. Tests wait for observable
state (a new reply in the chat, a card's text), never for a fixed time.

Needs Debian's `chromium` (/usr/bin/chromium, or $CHROMIUM_PATH) and the `playwright` wheel; .ci/run
installs both. With SHOPASSIST_SCREENSHOTS=1 the conversation test also writes docs/images/page_*.png.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium; make test does)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOPPER_PHOTOS = Path(os.environ.get("SHOPASSIST_DATA_MIRROR", REPO.parent / "shared" / "data")) / \
    "clothing-dataset-small" / "validation"
TURN_TIMEOUT_MS = 180_000  # a turn takes seconds; the first render loads the renderer
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# Pictographs, less ©, ® and ™: those are plain text characters in every font ("Cocona®", "LumaTech™"
# in a product's material), shown as text unless a variation selector asks for the emoji form.
EMOJI = r"(?![\u00A9\u00AE\u2122](?!\uFE0F))\p{Extended_Pictographic}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, page_url):
    """open_page(viewport) -> a Playwright page on the served app, a new conversation. Checked after the
    test: no request left the machine and the page logged no error."""
    contexts, pages = [], []

    def open_(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.requests, page.errors = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.set_default_timeout(30_000)
        page.goto(page_url)
        page.wait_for_selector("#message textarea")
        contexts.append(context)
        pages.append(page)
        return page
    yield open_
    for page in pages:
        outside = [url for url in page.requests if not is_local(url)]
        assert not outside, f"requests left the machine: {outside[:5]}"
        assert not page.errors, page.errors
    for context in contexts:
        context.close()


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in ("127.0.0.1", "localhost", "::1")


# -- driving the page ----------------------------------------------------------------------

def send(page, text: str = "", files=()) -> str:
    """Type (and attach) a message, send it, wait for the reply; returns the reply's text."""
    rows = page.locator("#chat .bot-row").count()
    if files:
        page.set_input_files("#message input[type=file]", [str(f) for f in files])
        page.wait_for_function("n => document.querySelectorAll('#message .thumbnail-item:not(.thumbnail-add)').length >= n",
                               arg=len(files))
    page.locator("#message textarea").fill(text)
    page.locator("#message textarea").press("Enter")
    return wait_for_reply(page, rows)


def wait_for_reply(page, rows_before: int) -> str:
    page.wait_for_function(
        """n => document.querySelectorAll('#chat .bot-row').length > n && !document.querySelector('#chat .pending')
               && !document.querySelector('#message textarea').disabled""", arg=rows_before, timeout=TURN_TIMEOUT_MS)
    return page.locator("#chat .bot-row").last.inner_text()


def cards(page) -> list[dict]:
    """The visible product cards, in order: position, name, the price/colour line, the reason, the photo."""
    out = []
    for article in page.locator(".card-slot:visible article.card").all():
        image = article.locator(".card-photo img")
        out.append({"position": int(article.get_attribute("data-position")),
                    "name": article.locator(".card-name").inner_text().strip(),
                    "title": article.locator(".card-title").inner_text(),
                    "meta": article.locator(".card-meta").inner_text(),
                    "why": article.locator(".card-why").inner_text(),
                    "alt": image.get_attribute("alt") if image.count() else None,
                    "loaded": loaded(image) if image.count() else False,
                    "explained": "explained" in (article.get_attribute("class") or "")})
    return out


def loaded(image) -> bool:
    """Whether an <img> shows a real picture: waits for it to finish loading (or fail)."""
    return image.evaluate("""i => i.complete ? i.naturalWidth > 0 : new Promise(done => {
        i.addEventListener('load', () => done(i.naturalWidth > 0));
        i.addEventListener('error', () => done(false)); })""")


def listed(page) -> list[tuple[int, str]]:
    """The numbered items of the last reply in the chat: [(position, name)]. The reply's markdown lines
    "2. **Name** (Colour) ..." show as an ordered list, or as text where they cannot start one (a list
    that starts at 2, the explained item, stays a line of its paragraph)."""
    row = page.locator("#chat .bot-row").last
    items = row.evaluate("""row => [...row.querySelectorAll('ol')].flatMap(ol => [...ol.children].map(
        (li, i) => [ol.start + i, li.querySelector('strong').innerText.trim()]))""")
    text = [(int(n), name.strip()) for n, name in re.findall(r"^(\d+)\. (.+?) \(", row.inner_text(), re.M)]
    return [tuple(pair) for pair in items] + text


def price(card: dict) -> float:
    return float(re.match(r"\$([\d.]+)", card["meta"]).group(1))


def shopper_photo(kind: str = "t-shirt") -> Path:
    photos = sorted((SHOPPER_PHOTOS / kind).glob("*.jpg"))
    if not photos:
        pytest.fail(f"no shopper photos in {SHOPPER_PHOTOS / kind} (the shared data mirror)")
    return photos[0]


def no_emoji(page) -> list[str]:
    """Emoji anywhere the page shows text: its text, button labels, alt/aria text, CSS generated content."""
    return page.evaluate("""re => { const emoji = new RegExp(re, 'u'), found = [];
        if (emoji.test(document.body.innerText)) found.push('text');
        for (const el of document.querySelectorAll('*')) {
            for (const a of ['alt', 'title', 'aria-label', 'placeholder', 'value'])
                if (emoji.test(el.getAttribute(a) || '')) found.push(el.tagName + ' ' + a);
            for (const ps of ['::before', '::after'])
                if (emoji.test(getComputedStyle(el, ps).content || '')) found.push(el.tagName + ps);
        }
        return found; }""", EMOJI)


# -- the tests -------------------------------------------------------------------------------

def test_a_text_turn_shows_cards_and_a_refinement_replaces_them(open_page):
    page = open_page()
    reply = send(page, "women's jackets under $60")
    shown = cards(page)
    assert shown and [(c["position"], c["name"]) for c in shown] == listed(page)[: len(shown)], reply
    assert [c["position"] for c in shown] == list(range(1, len(shown) + 1))
    assert page.locator(".card-slot:visible").count() == len(shown)  # unused slots are hidden
    for card in shown:
        assert card["title"].startswith(f"{card['position']}") and price(card) <= 60 and card["why"]
        colour = card["meta"].split(" · ")[1]
        assert card["alt"] == f"{card['name']}, {colour}" and card["loaded"], card
    # The details toggle lists the evidence, one fact per line.
    first = page.locator(".card-slot:visible article.card").first
    assert not first.locator("details li").first.is_visible()
    first.locator("details summary").click()
    facts = first.locator("details li").all_inner_texts()
    assert facts and any("$" in f for f in facts) and first.locator("details li").first.is_visible()

    reply = send(page, "in blue instead")
    blue = cards(page)
    assert blue and [(c["position"], c["name"]) for c in blue] == listed(page)[: len(blue)], reply
    assert all(c["meta"].endswith("· Blue") and price(c) <= 60 for c in blue)
    assert page.locator(".card-slot:visible").count() == len(blue)


def test_an_example_prompt_is_sent_and_cheaper_ones_refine_it(open_page):
    page = open_page()
    rows = page.locator("#chat .bot-row").count()
    page.get_by_role("button", name="women's jackets under $60").click()
    reply = wait_for_reply(page, rows)
    assert "women's jackets under $60" in page.locator("#chat .user-row").last.inner_text()
    before = cards(page)
    assert before and listed(page)
    send(page, "cheaper ones?")
    after = cards(page)
    assert after and max(price(c) for c in after) < max(price(c) for c in before)


def test_a_like_on_a_card_changes_the_next_ranking(open_page):
    page = open_page()
    send(page, "women's jackets under $60")
    before = cards(page)
    assert len(before) >= 3
    liked = before[2]["name"]
    page.locator("#like-3").click()
    page.wait_for_function("name => [...document.querySelectorAll('#chat .bot-row')].some(r => r.innerText.includes('Noted: you like ' + name))",
                           arg=liked)
    page.locator("#like-3", has_text="Liked").wait_for()  # the card says so
    send(page, "women's jackets under $60")
    after = cards(page)
    assert [c["name"] for c in after] != [c["name"] for c in before]
    assert [c["name"] for c in after].index(liked) < 2  # the liked jacket ranks higher (it was #3)
    evidence = page.locator(".card-slot:visible details li").all_text_contents()  # closed toggles too
    assert any(f"because you liked {liked}" in fact for fact in evidence)
    assert page.locator("#like-3").inner_text() == "Like"  # a new list: the buttons start over


def test_why_the_second_one_keeps_the_positions_the_shopper_saw(open_page):
    page = open_page()
    send(page, "men's hoodies")
    before = cards(page)
    assert len(before) >= 2
    reply = send(page, "why the second one?")
    assert reply.startswith(f"Why #2, {before[1]['name']}"), reply
    assert listed(page) == [(2, before[1]["name"])]
    after = cards(page)
    assert [(c["position"], c["name"]) for c in after] == [(c["position"], c["name"]) for c in before]
    assert [c["explained"] for c in after] == [c["position"] == 2 for c in after]
    # The cards still act on what the shopper saw: a Like on card 2 is the second hoodie.
    page.locator("#like-2").click()
    page.wait_for_function("name => document.querySelector('#chat').innerText.includes('Noted: you like ' + name)",
                           arg=before[1]["name"])


def test_photos_are_shown_named_and_searched_with(open_page):
    page = open_page()
    reply = send(page, "something like this", [shopper_photo("t-shirt")])
    figure = page.locator("#chat figure.sent-photo")
    assert figure.count() == 1 and figure.locator("figcaption").inner_text() == "photo 1"
    assert loaded(figure.locator("img"))
    assert "photo 1" in reply and cards(page), reply
    reply = send(page, "", [shopper_photo("pants")])
    assert [f.inner_text() for f in page.locator("#chat figure.sent-photo figcaption").all()] == ["photo 1", "photo 2"]
    assert "photo 2" in reply


def test_a_render_is_shown_in_the_chat_captioned_as_generated(open_page):
    page = open_page()
    send(page, "women's jackets under $60")
    first = cards(page)[0]
    assert "green" not in first["meta"].lower()  # not sold in green (else the real photo is shown): a render
    rows = page.locator("#chat .bot-row").count()
    # What the page shows while the turn runs, noted in the page the moment it appears (a fast turn
    # could be over before a check from here): the queue's progress and timer on the chat, and the
    # cards' and examples' buttons waiting (they would act on a list about to be replaced).
    page.evaluate("""() => { window.duringTurn = null;
        const watch = new MutationObserver(() => {
            const progress = document.querySelector('#chat .progress-text');
            // "processing | 0.6s" or "queue: 1/1 | 0.2s" while it runs (after a turn its time stays: "2.1s")
            if (!progress || !/(processing|queue).*\\d/.test(progress.innerText)) return;
            const example = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'cheaper ones?');
            window.duringTurn = {progress: progress.innerText, like: document.querySelector('#like-1').disabled,
                                 example: example.disabled};
            watch.disconnect(); });
        watch.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true}); }""")
    page.locator("#message textarea").fill("show the first one in green")
    page.locator("#message textarea").press("Enter")
    wait_for_reply(page, rows)
    during = page.evaluate("window.duringTurn")
    assert during and during["like"] and during["example"], during
    assert page.locator("#like-1").is_enabled()
    figure = page.locator("#chat figure.render")
    assert figure.count() == 1
    caption = figure.locator("figcaption").inner_text()
    assert caption.startswith("Generated preview, not a product photo"), caption
    assert f"the {first['name']} in green" in caption and "not sold in green" in caption
    assert figure.locator("img").get_attribute("alt").startswith("Generated preview, not a product photo")
    assert loaded(figure.locator("img"))
    # the stored render, inline (a catalog photo would come by URL)
    assert figure.locator("img").get_attribute("src").startswith("data:image/jpeg;base64,")
    beside = cards(page)  # the real products closest to it, as cards beside it
    assert beside and [(c["position"], c["name"]) for c in beside] == listed(page)[: len(beside)]
    assert all("closest real product to the preview" in c["why"].lower() for c in beside)


def test_a_file_that_is_not_an_image_is_answered_clearly(open_page, tmp_path):
    page = open_page()
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is a text file renamed to .jpg\n")
    reply = send(page, "", [fake])
    assert "isn't an image we can read" in reply and "JPEG, PNG" in reply, reply
    assert page.locator("#chat figure.sent-photo").count() == 0  # it is not "photo 1"
    assert not cards(page)
    reply = send(page, "women's jackets under $60")  # the conversation goes on
    assert cards(page) and listed(page)


def test_the_page_works_at_phone_width(open_page):
    page = open_page(PHONE)
    send(page, "women's jackets under $60", [shopper_photo("outwear")])
    shown = page.locator(".card-slot:visible")
    assert shown.count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = [shown.nth(i).bounding_box() for i in range(shown.count())]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes), boxes
    assert len({round(b["x"]) for b in boxes}) <= 2  # one or two columns
    assert page.locator("#like-1").is_visible() and page.locator("#like-1").bounding_box()["height"] >= 24
    assert no_emoji(page) == []


def test_a_whole_conversation_stays_on_the_machine(open_page, request):
    """Every request a conversation makes goes to the loopback server (checked by open_page too), the
    page shows no emoji, and with SHOPASSIST_SCREENSHOTS=1 the conversation is saved as the README's
    screenshots (docs/images/page_desktop.png, page_phone.png)."""
    screenshots = os.environ.get("SHOPASSIST_SCREENSHOTS") == "1"
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")) if screenshots else ((DESKTOP, "desktop"),):
        page = open_page(viewport)
        send(page, "women's jackets under $60")
        send(page, "something like this, in blue", [shopper_photo("outwear")])
        send(page, "why the second one?")
        send(page, "show the second one in green")
        page.locator("#like-1").click()
        page.locator("#like-1", has_text="Liked").wait_for()
        page.locator(".card-slot:visible details summary").first.click()
        assert page.requests and all(is_local(url) for url in page.requests)
        assert any("/gradio_api/file=" in url for url in page.requests)  # the product photos came from the server
        # the shopper's photo and the render are inline in the page, never at a URL another could fetch
        for private in ("figure.sent-photo img", "figure.render img"):
            assert page.locator(private).first.get_attribute("src").startswith("data:image/jpeg;base64,"), private
        assert no_emoji(page) == []
        if screenshots:
            # The whole conversation, not the chat's scrolled window.
            page.add_style_tag(content="#chat, #chat > div, #chat .bubble-wrap { height: auto !important; "
                                       "max-height: none !important; overflow: visible !important; }")
            page.wait_for_timeout(300)  # let the layout settle before the capture (not a wait for state)
            out = REPO / "docs" / "images" / f"page_{name}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
