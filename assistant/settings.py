"""All configuration in one dataclass; every field can be overridden by SHOPASSIST_<FIELD>."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_data_dir() -> Path:
    return PROJECT_ROOT / "data"


def _default_mirror() -> Path:
    return PROJECT_ROOT.parent / "shared" / "data"


@dataclass
class Settings:
    # Where downloaded and derived data lives (git-ignored).
    data_dir: Path = field(default_factory=_default_data_dir)
    # Read-only mirror of public data sets; used before any download.
    data_mirror: Path = field(default_factory=_default_mirror)
    # The pinned public archive of the Luma sample data, used when the mirror lacks it.
    luma_archive_url: str = ("https://github.com/magento/magento2-sample-data/archive/"
                             "53807565ba9f23c9409268c02bb995cf39ef553d.tar.gz")
    # Text embedder: a sentence-transformers id or directory; "minilm" = the offline PyPI copy.
    text_model: str = "minilm"
    # Controller LLM: "smollm2-135m" = the offline GGUF wheel, else any HF id or local dir.
    chat_model: str = "smollm2-135m"
    # The controller behind an OpenAI-compatible server instead (vLLM, llama.cpp's server, a hosted
    # model): its base URL ("http://127.0.0.1:8000/v1"); empty: the local model above. The endpoint
    # planner (assistant/planning/endpoint.py) sends the same tool schemas and its calls are grounded
    # and validated as the local planners' are.
    chat_endpoint: str = ""
    chat_endpoint_model: str = "smollm2-135m"  # the model name the server serves
    chat_endpoint_key: str = ""                # its API key; empty: OPENAI_API_KEY, else none
    chat_endpoint_timeout: float = 30.0        # seconds per request; a failed request falls back
    # Its LoRA adapter + image projector: "shipped" = assistant/weights/controller/, a directory,
    # or "none" for the base model with the instruction prompt and in-context examples.
    chat_adapter: str = "shipped"
    # Its weights at inference: "mixed" (float16 copies of the weights for decoding steps of a few
    # tokens, about 3x faster on a CPU with float16 arithmetic; float32 for prompts), "float32", or
    # "auto": mixed where this CPU multiplies in float16 faster, timed at load. Training: float32.
    chat_weights: str = "auto"
    # Image tower: "shipped" = the trained weights in assistant/weights/, else a .safetensors path
    # with its .json config beside it (as ImageEncoder.save writes them). The image index is rebuilt
    # for it; the controller's projector was trained on the shipped tower's embeddings.
    image_encoder: str = "shipped"
    # Recolouring method: "lab" (colour statistics learned from the catalog's photos) or "diffusion"
    # (the trained diffusion renderer). LAB is the default because it scored better on held-out
    # products (`python -m assistant eval renderer`, docs/RESULTS.md#renderer-evaluation).
    renderer: str = "lab"
    renderer_weights: str = "shipped"   # "shipped" = assistant/weights/renderer.safetensors, or a path
    render_max_side: int = 1024   # renders are shown at the photo's resolution up to this height
    # The vector index backend (tools/index.py): "faiss" (exact, embedded: the default), "faiss-hnsw",
    # "qdrant", "qdrant-edge" (the Qdrant engine in-process), "milvus" or "numpy". Setup always saves
    # the vectors; an engine backend is filled from them at start.
    index_backend: str = "faiss"
    # An engine's server: a Qdrant URL (http://host:6333) or a Milvus URI (http://host:19530). Empty:
    # embedded under data/index/ (Qdrant's client local mode, Milvus Lite).
    index_url: str = ""
    # Where the catalog and the sessions are kept (assistant/storage.py): empty for SQLite files under
    # data_dir (the default), or a PostgreSQL URL (postgresql://user:password@host:5432/db) that any
    # number of server processes share; keyword search then runs on PostgreSQL full-text search.
    database_url: str = ""
    max_steps: int = 3            # tool calls the controller may make in one turn
    max_new_tokens: int = 24      # free-text reply budget of the chat model (one sentence)
    top_k: int = 5                # items shown per turn
    candidate_k: int = 50         # candidates each retriever contributes before fusion
    rrf_k: int = 60               # reciprocal-rank-fusion constant
    history_turns: int = 2        # past turns the chat model sees verbatim
    photo_change_weight: float = 0.5  # how far words move a photo query ("like this, with a hood")
    photo_avoid_weight: float = 0.5   # how far a rejected photo pushes results away
    # A category read from a shopper's photo filters search only at this calibrated probability or
    # above (a copy of a catalog photo always does); below it, it only ranks. Chosen by `eval vision`'s
    # threshold sweep on the tune half: the best photo-only precision@5 among thresholds from 0.5 (a
    # calibrated reading more likely right than wrong): 0.875 / 0.874 / 0.856 / 0.850 / 0.842 at
    # 0.5 / 0.6 / 0.7 / 0.8 / 0.9. (`train photo-reader` keeps a stricter reference, hard_filter_min:
    # the lowest threshold with 95% of hard filters right, 0.9, the setting until 2026-12-07.)
    photo_category_min: float = 0.5
    # When the reading is not sure enough to filter, the categories a photo shows with at least
    # boost_min probability rank higher: one more fused ranking (the photo's, within them), each
    # item's share times weight x its category's probability. At 2 a guess never outweighs the
    # photo's own two rankings (image, fused). Stronger leans gain precision and lose the hedge:
    # `eval vision` shows, on the tune half, photo-only precision@5 0.79 / 0.84 / 0.88 / 0.91 at
    # weights 1 / 2 / 4 / 16, and another category than the guess in the top 10 of a list below
    # the threshold 82% / 65% / 50% / 31% of the time.
    photo_category_boost_min: float = 0.1
    photo_category_boost_weight: float = 2.0
    # A photo this close (cosine) to a catalog photo is a copy of it, read as that product: no
    # shopper photo came above 0.90, a resized and re-encoded catalog photo stays above 0.99.
    photo_catalog_match_min: float = 0.95
    session_weight: float = 0.3   # share of the session signal in ranking (tools/personalize.py)
    nearest_examples: int = 3     # demonstrations chosen per turn by similarity
    calibrate: float = 0.5        # share of the model's no-request prior divided out of tool decisions
    max_message_chars: int = 2000 # longer messages are cut, and the shopper is told
    max_images_per_message: int = 4
    max_upload_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_photos_per_session: int = 20   # a conversation's photos; a repeated photo is the same one again
    max_history_entries: int = 200     # messages a session keeps (the chat model reads only the last few)
    photo_cache_size: int = 1024  # photo embeddings kept in memory, all sessions together (LRU)
    # Login for the page and the API: "user:password,user2:password2" (empty: none). Each user's sessions
    # are theirs alone (assistant/session_ids.py); serve over HTTPS (a proxy in front) beyond loopback.
    auth: str = ""
    # Sessions not touched for this many days are deleted with the photos only they held (0: kept forever).
    session_retention_days: float = 30.0
    workers: int = 1              # web server processes (`serve`), each with its own models, one session store
    turns_at_once: int = 2        # turns of different sessions running at the same time, per process
    queue_size: int = 32          # turns waiting per process; beyond it a caller is told "busy, try again in N s"
    shutdown_grace_s: float = 30.0  # on SIGTERM, how long turns in flight may take to finish
    host: str = "127.0.0.1"
    port: int = 7860
    seed: int = 0

    @property
    def db_path(self) -> Path:
        return self.data_dir / "catalog.sqlite"

    @property
    def sessions_path(self) -> Path:
        return self.data_dir / "sessions.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def renders_dir(self) -> Path:
        """Generated previews (assistant/rendering/), which the page shows."""
        return self.data_dir / "renders"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def recommender_dir(self) -> Path:
        """The collaborative model fitted on an ingested interaction log."""
        return self.models_dir / "recommender"

    @property
    def controller_adapter_dir(self) -> Path | None:
        """Where the controller's LoRA adapter and projector are; None: the base model."""
        if self.chat_adapter.lower() in ("", "none", "base"):
            return None
        return PROJECT_ROOT / "assistant" / "weights" / "controller" if self.chat_adapter == "shipped" else Path(self.chat_adapter)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then SHOPASSIST_* environment variables, then explicit keyword overrides."""
        values = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(f"SHOPASSIST_{f.name.upper()}")
            if raw is None:
                continue
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            if "Path" in kind:
                values[f.name] = Path(raw)
            elif kind == "int":
                values[f.name] = int(raw)
            elif kind == "float":
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)
        settings.data_dir = Path(settings.data_dir)
        settings.data_mirror = Path(settings.data_mirror)
        return settings
