"""The web page: a shopper chats in words and photos; each reply comes with product cards.

`python app.py` or `shopassist serve` builds the Assistant once and serves the page on
settings.host:settings.port.
The cards are a fixed set of slots (settings.top_k, the most items a reply lists) that always show
the list the shopper's words refer to ("the second one", a card's Like): a new list replaces them,
an explanation of a shown item only highlights its card. Renders and the shopper's photos appear in
the chat, labelled (assistant/page_cards.py builds the HTML).
The page works offline: system font stacks only (no web fonts), analytics off, no emoji or icon
fonts, and every image it shows is a local file served by Gradio itself.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

# Must be set before gradio is imported: it reads the variable at import time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from gradio.utils import get_upload_folder  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.page_cards import CSS, card_html, file_url, inline_image, render_html, sent_photo_html  # noqa: E402
from assistant.session_ids import SessionIds, SessionRefused, load_key  # noqa: E402
from assistant.turn_input import InputRejected, check_api_message  # noqa: E402

log = logging.getLogger(__name__)

# System font stacks: the default theme would otherwise ask for named web fonts.
THEME = gr.themes.Default(
    primary_hue="orange",
    font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
INTRO = (
    "## Luma shopping assistant\n"
    "Ask for what you want (*women's jackets under $60*), refine it (*in blue instead*, "
    "*cheaper ones?*), ask *why the second one?*, or add photos of clothes you like, at any turn."
)
# What the page says when the core fails: never the exception's text or a server path (the log has them).
FAILED = "Sorry, I could not handle that message. Your conversation is intact; please try again or rephrase."
GRADIO_CACHE_S = 600  # how long Gradio keeps an uploaded file in its own cache (the turn copies it at once)
EXAMPLES = ("women's jackets under $60", "red running shorts for men, not black", "cheaper ones?",
            "why the second one?", "show the first one in green")


def user_of(request: gr.Request | None) -> str | None:
    """The logged-in user (SHOPASSIST_AUTH), who owns the sessions started under that login."""
    return getattr(request, "username", None) if request is not None else None


def auth_option(spec: str) -> list[tuple[str, str]] | None:
    """SHOPASSIST_AUTH "user:password,user2:password2" as Gradio's launch(auth=...); empty: no login."""
    pairs = [p.strip() for p in (spec or "").split(",") if p.strip()]
    if not pairs:
        return None
    if not all(":" in p and p.split(":", 1)[0] and p.split(":", 1)[1] for p in pairs):
        raise ValueError("SHOPASSIST_AUTH must be user:password pairs separated by commas, each part non-empty")
    return [tuple(p.split(":", 1)) for p in pairs]


def caption(item) -> str:
    # Name and price first: the gallery grid shows one line, the preview the whole caption.
    colour = f"{item.color}: " if item.color else ""
    return f"{item.position}. {item.name} — ${item.price:.2f} — {colour}{item.explanation}"


def item_dict(item) -> dict:
    """The JSON form of an ItemResult for the API: evidence as a list of facts, each with its "kind"."""
    fields = ("position", "sku", "name", "price", "color", "category", "gender",
              "image_path", "score", "explanation")
    out = {name: getattr(item, name, None) for name in fields}
    out["score"] = float(out["score"]) if out["score"] is not None else None
    out["caption"] = caption(item)
    out["evidence"] = [fact.to_dict() for fact in getattr(item, "evidence", None) or []]
    return out


def media_roots(bot: Assistant) -> list[str]:
    """Folders whose files Gradio may serve by URL: the catalog photos only.

    Gradio only serves files under the cwd, its temp dir or launch(allowed_paths=...), and the
    catalog images live in the shared data mirror. Listed narrowly so the session and catalog
    databases in data/ stay unreachable over HTTP, and so are the shopper's uploads and renders:
    those reach their own page inline (page_cards.inline_image), never by URL.
    """
    from assistant.catalog.luma import MEDIA
    from assistant.catalog.download import luma_root

    roots = []
    try:
        roots.append(luma_root(bot.settings, download=False) / MEDIA)
    except FileNotFoundError:
        log.warning("Luma sample data not found; product photos will not be shown")
    roots = [root.resolve() for root in roots]
    # A retailer's catalog (ingest-catalog) keeps its photos anywhere: each folder holding one.
    # The page takes any object with settings and respond(); one without a catalog adds none.
    products = bot.catalog.all() if getattr(bot, "catalog", None) is not None else []
    folders = {Path(f).parent.resolve() for p in products for f in [p.image_path] + p.extra_images}
    roots += sorted(f for f in folders if not any(f.is_relative_to(root) for root in roots))
    return [str(root) for root in roots]


def launch_options(bot: Assistant) -> dict:
    """launch() arguments shared by main() and the tests (gradio 6 takes the theme and CSS at launch)."""
    return dict(server_name=bot.settings.host, server_port=bot.settings.port, theme=THEME, css=CSS,
                allowed_paths=media_roots(bot), show_error=False, footer_links=["api"],
                auth=auth_option(bot.settings.auth))


def serve_on_loopback(app: gr.Blocks, bot: Assistant) -> str:
    """Launch `app` (a build_app result) on 127.0.0.1, on a free port, in Gradio's own thread (for
    the tests and the HTTP fuzz bench); returns the local URL."""
    from assistant.ports import free_port
    options = launch_options(bot)
    options.update(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    _, url, _ = app.queue().launch(**options)
    return url


def explains_shown_item(reply) -> bool:
    """An explanation of an item already shown ("why the second one?"): not a new list."""
    return bool(reply.tool_calls) and reply.tool_calls[-1].get("name") == "explain"


def session_photos(bot, session_id: str) -> list:
    """The photos the session holds, named by the assistant in the order sent ("photo 1", ...)."""
    try:
        return list(bot.sessions.load(session_id).photos)
    except Exception:  # a bot without sessions (a test double) or an unreadable session: no names
        return []


def build_app(bot: Assistant) -> gr.Blocks:
    roots = [Path(p) for p in media_roots(bot)]
    private_roots = [Path(bot.settings.uploads_dir).resolve(), Path(bot.settings.renders_dir).resolve()]
    max_pixels = bot.settings.max_image_pixels
    ids = SessionIds(load_key(bot.settings.data_dir))
    slots = max(1, int(bot.settings.top_k))  # the most items one reply lists

    def under(path: str | None, folders: list[Path]) -> bool:
        if not path or not Path(path).is_file():
            return False
        resolved = Path(path).resolve()
        return any(resolved.is_relative_to(root) for root in folders)

    def showable(path: str | None) -> bool:  # a path outside the allowed roots would fail the whole event
        return under(path, roots)

    def private_src(path: str | None) -> str | None:
        """A stored upload or render of this session, inline; None for anything else."""
        return inline_image(path, max_pixels) if under(path, private_roots) else None

    def respond(session_id: str, message: dict | None):
        """One turn -> (text, items, reply or None); never raises, so a bad photo or a core bug
        cannot break the page."""
        message = message if isinstance(message, dict) else {}
        try:
            reply = bot.respond(session_id, message.get("text"), message.get("files"))
        except Exception:  # shown in the chat instead of an error toast; the details go to the log only
            log.exception("respond failed")
            return FAILED, [], None
        return reply.text, list(reply.items), reply

    # -- the cards: slot i shows item i of the list the shopper's words refer to -------------
    def card_updates(items: list, explained: int | None = None, reset_buttons: bool = True) -> list:
        if len(items) > slots:
            log.warning("a reply listed %d items; the page shows the first %d as cards", len(items), slots)
        out = []
        for i in range(slots):
            item = items[i] if i < len(items) else None
            out += [gr.Column(visible=item is not None),
                    card_html(item, showable(item.image_path), item.position == explained) if item else ""]
            if reset_buttons:
                out += [gr.Button(value="Like", variant="secondary", interactive=True),
                        gr.Button(value="Not for me", variant="secondary", interactive=True)]
            else:
                out += [gr.Button(interactive=True), gr.Button(interactive=True)]
        return out

    def unchanged_cards() -> list:
        return [gr.Column(), gr.HTML(), gr.Button(interactive=True), gr.Button(interactive=True)] * slots

    def buttons(active: bool) -> list:
        """The example and New conversation buttons, on or off (off while a turn runs: a click then
        would act on a list about to be replaced, or overwrite the reply in the chat)."""
        return [gr.Button(interactive=active) for _ in range(len(EXAMPLES) + 1)]

    # -- a turn: show the shopper's message at once, then the reply and the cards ----------
    def add_user_turn(message: dict | None, history: list):
        history = list(history or [])
        start = len(history)
        for path in (message or {}).get("files") or []:  # replaced by the named copies after the reply
            history.append({"role": "user", "content": gr.HTML(sent_photo_html("your photo (sending)",
                                                                               inline_image(path, max_pixels)))})
        if ((message or {}).get("text") or "").strip():
            history.append({"role": "user", "content": message["text"]})
        cards_off = [gr.Button(interactive=False)] * (2 * slots)
        return [gr.MultimodalTextbox(value=None, interactive=False), history, {"message": message, "start": start}] + \
            buttons(False) + cards_off

    def new_session(request: gr.Request = None) -> str:
        return ids.issue(user_of(request))

    def add_reply(pending: dict | None, history: list, session_id: str | None, shown: list,
                  request: gr.Request = None):
        session_id = session_id or new_session(request)  # in case the load event has not run
        pending = pending or {}
        message = pending.get("message") or {}
        text, items, reply = respond(session_id, message)
        history = list(history or [])[: pending.get("start", len(history or []))]
        # The photos as the assistant names them ("photo 1", or "photo 1" again for a repeat); a file
        # it refused is not one of them (the reply says why).
        sent = set(getattr(reply, "photos", None) or [])
        for photo in session_photos(bot, session_id) if sent else []:
            if photo.name in sent and (src := private_src(photo.path)):
                history.append({"role": "user", "content": gr.HTML(sent_photo_html(photo.name, src))})
        if (message.get("text") or "").strip():
            history.append({"role": "user", "content": message["text"]})
        history.append({"role": "assistant", "content": text})
        for render in (reply.renders if reply is not None else []):
            # a render made for this session, inline; a catalog photo shown as one, by URL
            if src := private_src(render.path) or (file_url(render.path) if showable(render.path) else None):
                history.append({"role": "assistant", "content": gr.HTML(render_html(render, src))})
        if reply is not None and explains_shown_item(reply):
            cards = card_updates(shown, reply.items[0].position if reply.items else None, reset_buttons=False)
        elif items:
            shown, cards = items, card_updates(items)
        else:  # no new list: the cards stay the list "the second one" still refers to
            cards = unchanged_cards()
        return [history, session_id, gr.MultimodalTextbox(interactive=True), shown] + buttons(True) + cards

    def reset(request: gr.Request = None):
        return [[], new_session(request), gr.MultimodalTextbox(value=None, interactive=True), []] + card_updates([])

    # -- Like / Not for me on a card: the session's likes and rejections (tools/personalize.py)
    def react(slot: int, liked: bool):
        def handler(shown: list, history: list, session_id: str | None):
            if slot >= len(shown or []) or not session_id:
                return list(history or []), gr.Button(), gr.Button()
            text = bot.feedback(session_id, shown[slot].position, liked)
            history = list(history or []) + [{"role": "assistant", "content": text}]
            if text == getattr(bot, "templates", {}).get("feedback_unknown"):
                return history, gr.Button(), gr.Button()
            return (history, gr.Button(value="Liked" if liked else "Like", variant="primary" if liked else "secondary"),
                    gr.Button(value="Not for me", variant="secondary" if liked else "stop"))
        return handler

    # -- API: the same turn for programs (gradio_client), with an explicit session id ----
    def chat_api(message: dict | None, session_id: str | None, request: gr.Request = None):
        """session_id empty: a new conversation, whose id the reply returns. Only ids this server
        issued to this caller are taken (assistant/session_ids.py)."""
        try:
            session_id = ids.check(session_id, user_of(request)) if session_id else new_session(request)
        except SessionRefused as exc:
            return str(exc), [], ""
        try:
            text, photos = check_api_message(message, get_upload_folder())
        except InputRejected as exc:
            return str(exc), [], session_id
        text, items, _ = respond(session_id, {"text": text, "files": photos})
        return text, [item_dict(i) for i in items], session_id

    # Gradio keeps each uploaded file in its cache, at a URL with a random part, until deleted; the
    # turn has copied it into data/uploads by then, so copies older than 10 minutes are removed.
    with gr.Blocks(title="Luma shopping assistant", analytics_enabled=False,
                   delete_cache=(GRADIO_CACHE_S, GRADIO_CACHE_S)) as app:
        # One conversation per browser tab: a fresh id on every page load (see app.load below).
        session = gr.State(None)
        pending = gr.State(None)
        shown = gr.State([])  # the ItemResults on the cards: the list positions refer to
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=300):
                chatbot = gr.Chatbot(label="Conversation", elem_id="chat", height=520, feedback_options=None,
                                     placeholder="Tell me what you are looking for.")
                box = gr.MultimodalTextbox(file_types=["image"], file_count="multiple", show_label=False,
                                           elem_id="message", placeholder="Type a request, attach photos, or both…")
                with gr.Row(elem_id="examples", elem_classes=["example-row"]):
                    gr.Markdown("Try:", elem_classes=["examples-label"])
                    examples = [gr.Button(text, size="sm", variant="secondary", min_width=0) for text in EXAMPLES]
                new_chat = gr.Button("New conversation", variant="secondary", size="sm", elem_id="new-chat")
            with gr.Column(scale=6, min_width=300):
                gr.Markdown("### Products\nNumbered as in the conversation: *the second one* is card 2.")
                slot_outputs, card_buttons = [], []
                with gr.Row(elem_id="cards", elem_classes=["card-grid"]):
                    for i in range(slots):
                        with gr.Column(visible=False, elem_id=f"card-{i + 1}", elem_classes=["card-slot"],
                                       min_width=0) as column:
                            body = gr.HTML()
                            with gr.Row(elem_classes=["card-buttons"]):
                                like = gr.Button("Like", size="sm", elem_id=f"like-{i + 1}", min_width=0)
                                dislike = gr.Button("Not for me", size="sm", elem_id=f"dislike-{i + 1}", min_width=0)
                        slot_outputs += [column, body, like, dislike]
                        card_buttons += [like, dislike]
                        like.click(react(i, True), [shown, chatbot, session], [chatbot, like, dislike],
                                   concurrency_limit=None, api_visibility="private")
                        dislike.click(react(i, False), [shown, chatbot, session], [chatbot, like, dislike],
                                      concurrency_limit=None, api_visibility="private")

        with gr.Column(visible=False):  # inputs/outputs of the API endpoint only
            # Any JSON, checked by chat_api itself: a wrong payload gets words on what was wrong
            # (a MultimodalTextbox here made Gradio refuse it with a bare "error").
            api_message = gr.JSON(label="message")
            api_session = gr.Textbox(label="session_id")
            api_text = gr.Textbox(label="text")
            api_items = gr.JSON(label="items")
            api_session_out = gr.Textbox(label="session_id")

        def run_turn(listener, fill=None):
            """The message (in the box, or `fill`'s) shown at once, then the reply. Gradio runs every
            turn it gets (no concurrency limit of its own): the Assistant's turn gate decides how many
            run, how many wait, and answers "busy" beyond that. The chat shows progress and a timer."""
            show = dict(fn=add_user_turn, inputs=[box, chatbot], queue=False, api_visibility="private",
                        outputs=[box, chatbot, pending] + examples + [new_chat] + card_buttons)
            event = listener(**show) if fill is None else listener(fill, None, box, queue=False,
                                                                   api_visibility="private").then(**show)
            event.then(add_reply, [pending, chatbot, session, shown],
                       [chatbot, session, box, shown] + examples + [new_chat] + slot_outputs,
                       concurrency_limit=None, show_progress="full", show_progress_on=[chatbot],
                       api_visibility="private")

        run_turn(box.submit)
        for button, text in zip(examples, EXAMPLES):  # an example is sent as if typed
            run_turn(button.click, fill=lambda t=text: {"text": t, "files": []})
        app.load(new_session, None, session, queue=False, api_visibility="private")
        new_chat.click(reset, None, [chatbot, session, box, shown] + slot_outputs, api_visibility="private")
        api_message.change(chat_api, [api_message, api_session], [api_text, api_items, api_session_out],
                           api_name="chat", concurrency_limit=None)

        def feedback_api(session_id: str, position: int, liked: bool, request: gr.Request = None) -> str:
            """Thumbs up (liked=True) or down on item `position` of the session's last list."""
            try:  # Assistant.feedback checks its input and says what is wrong with it
                return bot.feedback(ids.check(session_id, user_of(request)), position, liked)
            except SessionRefused as exc:
                return str(exc)
            except Exception:
                log.exception("feedback failed")
                return FAILED
        gr.api(feedback_api, api_name="feedback", concurrency_limit=None)
    return app


def main() -> None:
    """Serve the page with uvicorn (assistant/server.py: /health, graceful shutdown, workers)."""
    from assistant.server import serve
    from assistant.settings import Settings
    serve(Settings.from_env())
