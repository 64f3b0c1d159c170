"""The web page: a shopper chats in words and photos; each reply comes with product cards.

`python app.py` or `shopassist serve` builds the Assistant once and serves the page on
settings.host:settings.port.
The page works offline: system font stacks only (no web fonts), analytics off, and every image
it shows is a local file served by Gradio itself.
"""
from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

# Must be set before gradio is imported: it reads the variable at import time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant import Assistant  # noqa: E402

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
    "*cheaper ones?*), or add photos of clothes you like, at any turn."
)


def new_session_id() -> str:
    return uuid.uuid4().hex


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
    """Folders whose files the page may show: catalog photos and the shopper's stored uploads.

    Gradio only serves files under the cwd, its temp dir or launch(allowed_paths=...), and the
    catalog images live in the shared data mirror. Listed narrowly so the session and catalog
    databases in data/ stay unreachable over HTTP.
    """
    from assistant.catalog.luma import MEDIA
    from assistant.catalog.download import luma_root

    roots = [Path(bot.settings.uploads_dir)]
    try:
        roots.append(luma_root(bot.settings, download=False) / MEDIA)
    except FileNotFoundError:
        log.warning("Luma sample data not found; product photos will not be shown")
    return [str(root.resolve()) for root in roots]


def launch_options(bot: Assistant) -> dict:
    """launch() arguments shared by main() and the tests (gradio 6 takes the theme at launch)."""
    return dict(server_name=bot.settings.host, server_port=bot.settings.port, theme=THEME,
                allowed_paths=media_roots(bot), show_error=True, footer_links=["api"])


def build_app(bot: Assistant) -> gr.Blocks:
    roots = [Path(p) for p in media_roots(bot)]

    def showable(path: str | None) -> bool:
        # A path outside the allowed roots would make Gradio fail the whole event.
        if not path or not Path(path).is_file():
            return False
        resolved = Path(path).resolve()
        return any(resolved.is_relative_to(root) for root in roots)

    def respond(session_id: str, message: dict | None) -> tuple[str, list]:
        """One turn; never raises, so a bad photo or a core bug cannot break the page."""
        message = message or {}
        text, files = message.get("text") or "", list(message.get("files") or [])
        try:
            reply = bot.respond(session_id, text, files)
        except Exception as exc:  # shown in the chat instead of an error toast
            log.exception("respond failed")
            return (f"Sorry, I could not handle that message ({type(exc).__name__}: {exc}). "
                    "Please try again or rephrase.", [])
        return reply.text, list(reply.items)

    # -- page events: show the shopper's turn at once, then the reply and the cards ------
    def add_user_turn(message: dict | None, history: list):
        history = list(history or [])
        for path in (message or {}).get("files") or []:
            history.append({"role": "user", "content": {"path": path}})
        if ((message or {}).get("text") or "").strip():
            history.append({"role": "user", "content": message["text"]})
        return gr.MultimodalTextbox(value=None, interactive=False), history, message

    def add_reply(message: dict | None, history: list, session_id: str | None):
        session_id = session_id or new_session_id()  # in case the load event has not run
        text, items = respond(session_id, message)
        history = list(history or []) + [{"role": "assistant", "content": text}]
        shown = [i for i in items if showable(i.image_path)]
        cards = [(i.image_path, caption(i)) for i in shown]
        return history, cards, session_id, gr.MultimodalTextbox(interactive=True), [i.position for i in shown], None

    def reset():
        return [], [], new_session_id(), gr.MultimodalTextbox(value=None, interactive=True), [], None

    # -- thumbs up / down on a card: the session's likes and rejections (tools/personalize.py)
    def select_card(positions: list, evt: gr.SelectData):
        return positions[evt.index] if positions and evt.index is not None and evt.index < len(positions) else None

    def react(liked: bool):
        def handler(position: int | None, history: list, session_id: str | None):
            if position is None or not session_id:
                text = "Click a product card first, then the button."
            else:
                text = bot.feedback(session_id, int(position), liked)
            return list(history or []) + [{"role": "assistant", "content": text}]
        return handler

    # -- API: the same turn for programs (gradio_client), with an explicit session id ----
    def chat_api(message: dict | None, session_id: str | None):
        session_id = session_id or new_session_id()
        text, items = respond(session_id, message)
        return text, [item_dict(i) for i in items], session_id

    with gr.Blocks(title="Luma shopping assistant", analytics_enabled=False) as app:
        # One conversation per browser tab: a fresh id on every page load (see app.load below).
        session = gr.State(None)
        pending = gr.State(None)
        gr.Markdown(INTRO)
        chatbot = gr.Chatbot(label="Conversation", height=460, feedback_options=None,
                             placeholder="Tell me what you are looking for.")
        box = gr.MultimodalTextbox(file_types=["image"], file_count="multiple", show_label=False,
                                   placeholder="Type a request, attach photos, or both…")
        cards = gr.Gallery(label="Products", elem_id="cards", columns=5, fit_columns=False, height=280,
                           object_fit="contain", allow_preview=True)
        with gr.Row():
            like = gr.Button("👍 I like this one", size="sm")
            dislike = gr.Button("👎 Not for me", size="sm")
            new_chat = gr.Button("New conversation", variant="secondary", size="sm")
        positions = gr.State([])   # catalog list position of each card
        selected = gr.State(None)  # position of the card last clicked

        with gr.Column(visible=False):  # inputs/outputs of the API endpoint only
            api_message = gr.MultimodalTextbox(file_types=["image"], file_count="multiple")
            api_session = gr.Textbox(label="session_id")
            api_text = gr.Textbox(label="text")
            api_items = gr.JSON(label="items")
            api_session_out = gr.Textbox(label="session_id")

        # One concurrency group: the models are shared by the page and the API.
        box.submit(add_user_turn, [box, chatbot], [box, chatbot, pending], queue=False,
                   api_visibility="private").then(
            add_reply, [pending, chatbot, session], [chatbot, cards, session, box, positions, selected],
            concurrency_id="assistant", api_visibility="private")
        app.load(new_session_id, None, session, queue=False, api_visibility="private")
        new_chat.click(reset, None, [chatbot, cards, session, box, positions, selected], api_visibility="private")
        cards.select(select_card, positions, selected, queue=False, api_visibility="private")
        like.click(react(True), [selected, chatbot, session], chatbot, api_visibility="private")
        dislike.click(react(False), [selected, chatbot, session], chatbot, api_visibility="private")
        api_message.submit(chat_api, [api_message, api_session], [api_text, api_items, api_session_out],
                           api_name="chat", concurrency_id="assistant")

        def feedback_api(session_id: str, position: int, liked: bool) -> str:
            """Thumbs up (liked=True) or down on item `position` of the session's last list."""
            return bot.feedback(session_id, int(position), bool(liked))
        gr.api(feedback_api, api_name="feedback", concurrency_id="assistant")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bot = Assistant.from_settings()  # slow (models load); done once, before the page opens
    build_app(bot).queue().launch(**launch_options(bot))

