"""The Assistant: one call per shopper turn, from words and photos to a ranked, explained list."""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field

from tools.base import ToolContext
from tools.evidence import Evidence
from tools.catalog_filter import violations
from tools.index import open_index
from tools.product_facts import facts_about
from tools.registry import ToolRegistry
from assistant.catalog.constraints import Constraints, describe
from assistant.catalog.vocabulary import Vocabulary

from assistant.dialogue import tracker
from assistant.catalog.store import Catalog
from assistant import storage
from assistant.controller import Controller
from assistant.explain import explanation, replies, unsupported_claims
from assistant.recommender.retail_log import CatalogCF
from assistant.planning.compact_format import photo_words
from assistant.planning.loader import load_planner
from assistant.planning.planner import Planner, Turn, offers
from assistant.settings import Settings
from assistant.dialogue.state import DialogueState, HistoryEntry, Photo, ShownItem
from assistant.lru_cache import LRUCache
from assistant.rendering.renderer import Render
from assistant.turn_gate import Busy, TurnGate
from assistant.turn_input import MAX_SESSION_ID, InputRejected, check_images, check_liked, check_position, check_session_id, clean_text
from assistant.uploads import ImageRejected, store_photo

log = logging.getLogger(__name__)


@dataclass
class ItemResult:
    position: int
    sku: str
    name: str
    price: float
    color: str | None
    category: str
    gender: str
    image_path: str
    score: float
    explanation: str
    evidence: list[Evidence] = field(default_factory=list)  # in to_dict/to_json: each fact's dict, with its "kind"


@dataclass
class Reply:
    text: str
    items: list[ItemResult]
    tool_calls: list[dict]
    session_id: str
    notices: list[str] = field(default_factory=list)
    proposed_tools: list = field(default_factory=list)  # the chat model's own choice per step
    renders: list[Render] = field(default_factory=list)  # images shown with the reply, each labelled by kind
    relaxed: list[str] = field(default_factory=list)     # constraints relaxed because nothing met them all
    photos: list[str] = field(default_factory=list)      # the session's photos this message sent ("photo 1"), a repeat too

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


class Assistant:
    def __init__(self, settings: Settings, catalog: Catalog, planner: Planner | None, embedder, text_index,
                 photo_reader=None, image_index=None, fused_index=None, recommender=None):
        """planner: None for the one the settings ask for (assistant/planning/loader.py)."""
        self.settings = settings
        self.recommender = recommender  # collaborative scores, only when a real log was ingested
        self.photo_reader, self.image_index, self.fused_index = photo_reader, image_index, fused_index
        self._photo_vectors = LRUCache(settings.photo_cache_size)  # sha256 -> embedding, shared by sessions
        self._photo_readings = LRUCache(settings.photo_cache_size)  # sha256 -> PhotoReading, likewise
        self.catalog = catalog
        self.vocab = Vocabulary.from_catalog(catalog)
        self.registry = ToolRegistry()
        planner = planner or load_planner(settings, self.registry, self.vocab, catalog, embedder)
        self.controller = Controller(planner, self.registry, settings)
        self.sessions = storage.open_sessions(settings)  # SQLite or PostgreSQL, as the settings say
        self.embedder, self.text_index = embedder, text_index
        self.templates = replies()
        self.gate = TurnGate(settings.turns_at_once, settings.queue_size)
        self._renderer, self._renderer_lock = None, threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, planner: Planner | None = None) -> "Assistant":
        """Build everything once: catalog, indexes, embedder, planner (setup runs if needed)."""
        from assistant.models.text_embedder import get_text_embedder
        from assistant.setup import image_index_stale, run_setup
        settings = settings or Settings.from_env()
        if (storage.catalog_record(settings) is None or not (settings.index_dir / "text" / "meta.json").exists()
                or image_index_stale(settings)):  # e.g. another image encoder was chosen
            run_setup(settings, with_model=False)
        catalog, embedder = storage.open_catalog(settings), get_text_embedder(settings.text_model)

        def index(name: str):  # served by the chosen backend, each item with its payload
            return open_index(settings.index_dir / name, catalog, settings.index_backend, settings.index_url)
        photo_reader = image_index = fused_index = None
        if (settings.index_dir / "image" / "meta.json").exists():  # photos need the trained encoder
            from assistant.models.photo_reader import PhotoReader
            from assistant.models.image_encoder import get_image_encoder
            photo_reader = PhotoReader.from_settings(settings, get_image_encoder(settings.image_encoder), embedder, catalog)
            image_index, fused_index = index("image"), index("fused")
        bot = cls(settings, catalog, planner, embedder, index("text"),
                  photo_reader, image_index, fused_index, CatalogCF.load(settings.recommender_dir))
        bot.controller.planner.warm_up()  # load weights and cache the system prompt now
        return bot

    # -- one turn -----------------------------------------------------------------------

    def respond(self, session_id: str, text: str | None, images: list | None = None) -> Reply:
        """One turn. Never raises for what the caller sent: input the turn cannot take is answered
        with a message saying what was wrong with it (assistant/turn_input.py), and the session is
        left as it was; a failure inside is answered without its details (they go to the log)."""
        try:
            session_id = check_session_id(session_id)
            text, removed = clean_text(text)
            images = check_images(images)
        except InputRejected as exc:
            return Reply(str(exc), [], [], session_id if isinstance(session_id, str) and len(session_id) <= MAX_SESSION_ID else "",
                         [str(exc)])
        try:
            with self.gate.admit(), self.sessions.hold(session_id), self.gate.slot(time.monotonic):
                return self._respond(session_id, text, images, removed)
        except Busy as busy:  # nothing of the turn was read or stored: the session is as it was
            message = self.templates["busy"].format(seconds=busy.retry_after_s)
            return Reply(message, [], [], session_id, [message])

    def _respond(self, session_id: str, text: str, images: list, removed: int) -> Reply:
        """The turn, with its session held (across server processes on PostgreSQL) and a slot."""
        state = self.sessions.load(session_id)
        state.forget_missing_products(self.catalog)
        before = json.dumps(state.to_dict())
        try:
            reply = self._turn(state, text, images, removed)
        except Exception:  # the conversation goes on, with the state it had
            log.exception("turn failed")
            state = DialogueState.from_dict(json.loads(before))
            reply = Reply(self.templates["internal_error"], [], [], session_id)
            state.history += [HistoryEntry("user", text[:500]), HistoryEntry("assistant", reply.text)]
        state.history = state.history[-self.settings.max_history_entries:]
        self.sessions.save(state)
        return reply

    @property
    def turns_in_flight(self) -> int:
        """Turns running or waiting for their session or a slot now (graceful shutdown waits for 0)."""
        return self.gate.admitted

    def _turn(self, state, text: str, images: list, removed_chars: int = 0) -> Reply:
        t = self.templates
        notices = [t["control_removed"].format(n=removed_chars)] if removed_chars else []
        if len(text) > self.settings.max_message_chars:
            text = text[: self.settings.max_message_chars]
            notices.append(t["truncated"].format(limit=self.settings.max_message_chars))
        photos = self._store_photos(state, images, notices)
        state.turn += 1
        if not text.strip() and not (photos and self.photo_reader):
            lead = t["photo_received"].format(photos=", ".join(p.name for p in photos)) if photos else t["empty_message"]
            return self._finish(state, text, Reply(" ".join(notices + [lead]), [], [], state.session_id, notices,
                                                   photos=[p.name for p in photos]))

        reading = tracker.read(text, state, self.vocab, self.catalog, [p.name for p in photos])
        before = {"topic": state.topic, "constraints": state.constraints.to_dict()}
        tracker.apply(reading, state)
        # The renderer when the tracker read a render request, or the planner may plan one itself.
        # The item in focus: the one pointed at, else the catalog product a photo searched with is a copy of.
        photo_item = next((p.match_sku for p in state.photos if p.name == reading.photo), None)
        ctx = self.tool_context(state, render=bool(reading.render) or offers(self.controller.planner, "render"),
                                focus=None if reading.rejected else reading.reference or photo_item)
        turn = Turn(state, text, reading, before, tuple(p.name for p in photos), ctx.photo_vectors)
        outcome = self.controller.run(turn, ctx)
        final = outcome.final
        items: list[ItemResult] = []
        lines = list(notices) + list(reading.errors)
        if reading.notes:  # how the words were read: a typo fixed, "cheap" as a price
            lines.append("(" + "; ".join(dict.fromkeys(reading.notes)) + ".)")
        for photo in photos:
            lines.append(t["photo_read"].format(name=photo.name, reading=photo.reading) if photo.reading is not None
                         else t["photo_received"].format(photos=photo.name))
        renders = [r for result in outcome.results for r in result.data.get("renders", [])]
        lines += [r.caption for r in renders]
        if final is not None and final.error and not final.hits:
            lines.append(t["tool_error"].format(error=final.error))
        elif final is not None and final.hits:
            items = self._items(final, text)
            lines.append(self._lead(outcome, final, state, items))
            for item in items:
                lines.append(f"{item.position}. **{item.name}** ({item.color or '-'}) — ${item.price:.2f}: {item.explanation}")
            if final.tool != "explain":
                state.shown = [ShownItem(i.position, i.sku, i.name, i.color, i.category, i.price,
                                         i.explanation, i.evidence) for i in items]
        elif final is not None:
            lines.append(t["nothing"] + (" " + "; ".join(final.notes) if final.notes else ""))
        elif outcome.reply_kind:  # the planner chose the kind of reply; the words are ours
            lines.append(t.get(f"reply_{outcome.reply_kind}", t["fallback"]))
        else:
            said = outcome.reply.strip()
            ok = said and not unsupported_claims(said, [], self.catalog) and not any(ch.isdigit() for ch in said)
            lines.append(said if ok else t["fallback"])
        relaxed = [final.data["relaxed"]["field"]] if final is not None and items and final.data.get("relaxed") else []
        return self._finish(state, text, Reply("\n".join(lines), items, outcome.calls, state.session_id, notices,
                                               outcome.proposed, renders, relaxed, [p.name for p in photos]))

    def renderer(self):
        """The renderer (assistant/rendering/), loaded on the first request for a render; None
        when its weights are missing (the render tool then says so)."""
        with self._renderer_lock:  # two turns asking at once load it once
            if self._renderer is None:
                from assistant.rendering.renderer import Renderer
                try:
                    self._renderer = Renderer.load(self.settings, self.embedder)
                except FileNotFoundError:
                    log.exception("renderer unavailable")
            return self._renderer

    def feedback(self, session_id: str, position: int, liked: bool) -> str:
        """A thumbs-up or thumbs-down on an item of the last list (the page's buttons)."""
        try:
            session_id, position, liked = check_session_id(session_id), check_position(position), check_liked(liked)
        except InputRejected as exc:
            return str(exc)
        with self.sessions.hold(session_id):
            state = self.sessions.load(session_id)
            state.forget_missing_products(self.catalog)
            sku = state.resolve(position)
            if sku is None:
                return self.templates["feedback_unknown"]
            add, remove = (state.liked, state.rejected) if liked else (state.rejected, state.liked)
            if sku not in add:
                add.append(sku)
            if sku in remove:
                remove.remove(sku)
            message = self.templates["feedback_liked" if liked else "feedback_rejected"].format(
                name=state.shown_item(sku).name)
            state.history.append(HistoryEntry("assistant", message))
            state.history = state.history[-self.settings.max_history_entries:]
            self.sessions.save(state)
            return message

    def _lead(self, outcome, final, state, items) -> str:
        t = self.templates
        if final.tool == "render":
            generated = any(r.kind == "generated" for r in final.data.get("renders", []))
            return t["found_render" if generated else "found_render_shown"]
        if final.tool == "explain":
            return t["explain"].format(position=items[0].position, name=items[0].name)
        are = "are" if len(items) > 1 else "is"
        if relaxed := final.data.get("relaxed"):
            return t["found_relaxed"].format(are=are, n=len(items), said=relaxed["said"])
        products = [self.catalog.get(i.sku) for i in items]
        said = outcome.reply.strip()
        if said and not unsupported_claims(said, products, self.catalog) and len(said) < 200:
            return said
        if final.tool == "recommend":
            anchor = self.catalog.get(final.data.get("anchor") or "")
            if anchor is None:
                key = "found_personal" if final.data.get("personal") else "found_popular"
                return t[key].format(are=are, n=len(items), what=describe(Constraints(**final.constraints), "items"))
            return t["found_recommend"].format(are=are, n=len(items), what="items", anchor=anchor.name)
        return t["found"].format(are=are, n=len(items), what=describe(Constraints(**final.constraints), state.topic))

    def _items(self, result, asked: str) -> list[ItemResult]:
        items = []
        wanted = Constraints(**result.constraints) if result.tool != "explain" else None
        # An explained item keeps the position the shopper saw it at ("why the second one?" is #2);
        # a new list is numbered 1..n.
        shown_at = result.data.get("position") if result.tool == "explain" else None
        for hit in result.hits:
            product = self.catalog.get(hit.sku)
            if wanted is not None and violations(product, wanted):
                log.error("tool %s returned %s violating %s", result.tool, hit.sku, violations(product, wanted))
                continue  # never show an item that breaks a stated constraint
            evidence = list(hit.evidence) + facts_about(product, hit.evidence, asked)
            items.append(ItemResult(shown_at or len(items) + 1, product.sku, product.name, product.price, product.color,
                                    product.category, product.gender, product.image_path, hit.score,
                                    explanation(evidence), evidence))
        return items

    def _store_photos(self, state, images: list, notices: list[str]) -> list[Photo]:
        """The photos of this turn, stored and read. A photo the session already holds (the same
        normalised pixels) is that photo again ("photo 1 again"), not a new one; a session keeps at
        most max_photos_per_session."""
        t, limit = self.templates, self.settings.max_images_per_message
        stored = []
        for number, image in enumerate(images[:limit], 1):
            try:
                photo = store_photo(image, self.settings.uploads_dir, len(state.photos) + 1,
                                    max_bytes=self.settings.max_upload_bytes,
                                    max_pixels=self.settings.max_image_pixels)
            except ImageRejected as exc:
                notices.append(f"{t['photo_rejected'].format(number=number)} {exc}" if len(images) > 1 else str(exc))
                continue
            same = next((p for p in state.photos if p.sha256 == photo.sha256), None)
            if same is not None:
                notices.append(t["photo_again"].format(name=same.name))
                if same not in stored:
                    stored.append(same)
                continue
            if len(state.photos) >= self.settings.max_photos_per_session:
                notices.append(t["photo_limit"].format(limit=self.settings.max_photos_per_session))
                continue
            record = Photo(name=photo.name, path=photo.path, sha256=photo.sha256)
            self.read_photo(record)
            state.photos.append(record)
            stored.append(record)
        if len(images) > limit:
            notices.append(t["photos_per_message"].format(limit=limit, other=len(images) - limit))
        return stored

    def _photo_vector(self, photo: Photo):
        """A stored photo's embedding, kept while recently used (photos are content-addressed)."""
        return self._photo_vectors.get_or_compute(photo.sha256, lambda: self.photo_reader.embed([photo.path])[0])

    def _photo_reading(self, photo: Photo):
        """What the photo reader reads in a stored photo, kept like its embedding."""
        return self._photo_readings.get_or_compute(
            photo.sha256, lambda: self.photo_reader.read_photo(photo.path, self._photo_vector(photo)))

    def read_photo(self, record: Photo) -> None:
        """Fill in what a photo shows: the reading said to the shopper, its top guesses for prompts,
        and the category to search within, set only when the reading is sure of it (a copy of a
        catalog photo, or a calibrated probability at least `photo_category_min`)."""
        if self.photo_reader is None:
            return
        reading = self._photo_reading(record)
        record.reading = reading.summary()
        record.looks = photo_words(reading)
        record.category_guess = reading.category_guess(self.settings.photo_category_min)
        record.match_sku = reading.match_sku

    def tool_context(self, state, render: bool = False, focus: str | None = None) -> ToolContext:
        """What the tools read this turn: the catalog, indexes and models, the dialogue state, and the
        session's photos (embeddings and readings); the renderer only when the turn asks for a render."""
        photos = state.photos if self.photo_reader else []
        return ToolContext(catalog=self.catalog, vocab=self.vocab, settings=self.settings, text_index=self.text_index,
                           embedder=self.embedder, state=state, image_index=self.image_index,
                           fused_index=self.fused_index, recommender=self.recommender,
                           photo_vectors={p.name: self._photo_vector(p) for p in photos},
                           photo_readings={p.name: self._photo_reading(p) for p in photos},
                           renderer=self.renderer() if render else None, focus=focus)

    def _finish(self, state, text: str, reply: Reply) -> Reply:
        state.history += [HistoryEntry("user", text[:500]),
                          HistoryEntry("assistant", reply.text.split("\n")[0], reply.tool_calls)]
        return reply
