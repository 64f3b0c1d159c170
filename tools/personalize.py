"""The session as a signal: what the shopper liked, asked about and rejected in this
conversation ranks what comes next, in search results and in recommendations.

Session score of a candidate, in [0, 1]:
  content = max over history items h of  w_h * cos(candidate, h)  -  0.5 * max over rejected r of cos(candidate, r),
            clipped to [0, 1] (w = 1 for liked, 0.5 for asked about; cosine of the MiniLM product vectors)
  cf      = the collaborative model's score for the session history, min-max scaled over the
            candidates (only when a log was ingested)
  session = content, or (content + cf) / 2 with a log.
Search blends it with the query score: final = (1 - w) * query + w * session, w = settings.session_weight,
the query score being the fused RRF score divided by the best one. The fact recorded for an
item names the signal that raised it most, so the explanation can say "because you liked X".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.base import ToolContext
from tools.evidence import Anchored, OftenBoughtWith, SessionSignal

SIGNAL_WEIGHTS = {"liked": 1.0, "asked": 0.5}
REJECT_WEIGHT = 0.5


@dataclass
class SessionSignals:
    positives: list[tuple[str, str]]  # (sku, "liked" | "asked")
    rejected: list[str]

    @classmethod
    def from_state(cls, state) -> "SessionSignals":
        if state is None:
            return cls([], [])
        liked = [(s, "liked") for s in state.liked]
        asked = [(s, "asked") for s in getattr(state, "asked", []) if s not in state.liked and s not in state.rejected]
        return cls(liked + asked, list(state.rejected))

    def __bool__(self) -> bool:
        return bool(self.positives)


def _scaled(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / span if span > 1e-12 else np.zeros_like(values)


def session_scores(ctx: ToolContext, signals: SessionSignals, candidates: list[int]) -> dict[int, tuple[float, Anchored]]:
    """item id -> (session score in [0, 1], the fact naming the strongest signal)."""
    catalog = ctx.catalog
    if not signals or not candidates or ctx.text_index is None:
        return {}
    anchors = [(catalog.get(s), kind) for s, kind in signals.positives if catalog.get(s)]
    if not anchors:
        return {}
    vec = ctx.text_index.vector
    C = np.stack([vec(i) for i in candidates])
    A = np.stack([vec(p.id) for p, _ in anchors])
    weights = np.array([SIGNAL_WEIGHTS[k] for _, k in anchors])
    sims = (C @ A.T) * weights
    content = sims.max(axis=1)
    rejected = [catalog.get(s) for s in signals.rejected if catalog.get(s)]
    if rejected:
        content = content - REJECT_WEIGHT * (C @ np.stack([vec(p.id) for p in rejected]).T).max(axis=1)
    content = np.clip(content, 0.0, 1.0)  # cosine is already on a shared scale; no rescaling
    facts = []
    for row, item_id in enumerate(candidates):
        anchor, kind = anchors[int(sims[row].argmax())]
        facts.append(SessionSignal(anchor.sku, anchor.name, kind, round(float(sims[row].max() / SIGNAL_WEIGHTS[kind]), 3)))
    score = content
    cf = ctx.recommender
    if cf is not None:
        history = [p.parent_sku for p, _ in anchors]
        by_product = cf.scores(history)
        if by_product:
            raw = np.array([by_product.get(catalog.by_id(i).parent_sku, 0.0) for i in candidates])
            collaborative = _scaled(raw)
            score = (content + collaborative) / 2
            for row, item_id in enumerate(candidates):
                # "often bought with X" only when the log, not the content, raised this item more.
                if collaborative[row] > content[row]:
                    past = cf.anchor(catalog.by_id(item_id).parent_sku, history)
                    if past is not None:
                        named = next(p for p, _ in anchors if p.parent_sku == past)
                        facts[row] = OftenBoughtWith(named.sku, named.name)
    return {item_id: (float(score[row]), facts[row]) for row, item_id in enumerate(candidates)}


def blend(ctx: ToolContext, signals: SessionSignals,
          query_scores: dict[int, float]) -> tuple[dict[int, float], dict[int, Anchored]]:
    """Re-rank query results by the session; returns new scores and, for items the session
    lifted (session score >= 0.5), the fact to add to their evidence."""
    personal = session_scores(ctx, signals, list(query_scores))
    if not personal:
        return query_scores, {}
    weight = ctx.settings.session_weight
    best = max(query_scores.values()) or 1.0
    blended = {i: (1 - weight) * s / best + weight * personal[i][0] for i, s in query_scores.items()}
    catalog = ctx.catalog
    # An item is not explained by itself: no "because you liked X" on X or its colour variants.
    lifted = {i: personal[i][1] for i in query_scores if personal[i][0] >= 0.5
              and catalog.by_id(i).parent_sku != catalog.get(personal[i][1].anchor).parent_sku}
    return blended, lifted
