"""What every tool shares: the context it runs in and the result it returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.evidence import Evidence


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


@dataclass
class ToolContext:
    """Everything a tool may read; built once per process, `state` set per turn."""
    catalog: Any
    vocab: Any
    settings: Any
    text_index: Any = None      # tools.index.VectorIndex over product text embeddings
    embedder: Any = None        # assistant.models.text_embedder.TextEmbedder
    state: Any = None           # assistant.dialogue.state.DialogueState of the current session
    image_index: Any = None     # product image embeddings (the trained image encoder)
    fused_index: Any = None     # image + text, normalised
    photo_vectors: dict = field(default_factory=dict)  # photo name -> embedding, this session
    recommender: Any = None     # assistant.recommender.retail_log.CatalogCF, when a log was ingested
