"""What every tool shares: the context it runs in and the result it returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tools.evidence import Evidence

if TYPE_CHECKING:  # types only: importing tools/ never imports the assistant's modules (many import tools)
    import numpy as np

    from assistant.catalog.store import Catalog
    from assistant.catalog.vocabulary import Vocabulary
    from assistant.dialogue.state import DialogueState
    from assistant.models.photo_reader import PhotoReading
    from assistant.models.text_embedder import TextEmbedder
    from assistant.recommender.retail_log import CatalogCF
    from assistant.rendering.renderer import Renderer
    from assistant.settings import Settings
    from tools.index import VectorIndex


@dataclass
class Hit:
    """One ranked product with the facts that put it there (tools/evidence.py)."""
    sku: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ToolResult:
    tool: str
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)    # mappings made, relaxations, ...
    error: str | None = None                         # a clear message for the shopper
    constraints: dict = field(default_factory=dict)  # the normalised constraints applied
    data: dict = field(default_factory=dict)         # tool-specific extras

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self, catalog, limit: int = 5) -> str:
        """Compact text the chat model reads as the tool's answer."""
        if self.error:
            return f"error: {self.error}"
        lines = [f"{len(self.hits)} items"] + [f"note: {n}" for n in self.notes]
        for pos, hit in enumerate(self.hits[:limit], 1):
            p = catalog.get(hit.sku)
            lines.append(f"{pos}. {p.name} | {p.color or '-'} | ${p.price:.2f}")
        return "\n".join(lines)


@dataclass(kw_only=True)
class ToolContext:
    """Everything a tool may read; built once per process (by keyword), `state` set per turn."""
    catalog: Catalog
    vocab: Vocabulary
    settings: Settings
    text_index: VectorIndex | None = None    # product text embeddings
    embedder: TextEmbedder | None = None
    state: DialogueState | None = None       # the current session's dialogue state
    image_index: VectorIndex | None = None   # product image embeddings (the trained image encoder)
    fused_index: VectorIndex | None = None   # image + text, normalised
    photo_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # photo name -> embedding, this session
    photo_readings: dict[str, PhotoReading] = field(default_factory=dict)  # photo name -> what it was read as
    recommender: CatalogCF | None = None     # collaborative scores, when a retailer's log was ingested
    renderer: Renderer | None = None         # assistant/rendering/, loaded on the first render request
    focus: str | None = None                 # the item this message points at ("the first one in purple")

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        # langchain builds a pydantic model of each tool's arguments, the injected context among
        # them: accept an instance as is, without resolving the type-checking-only annotations above.
        from pydantic_core import core_schema
        return core_schema.is_instance_schema(cls)
