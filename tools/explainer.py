"""The explain tool: the recorded evidence for an item the shopper was shown ("why the second one?")."""
from __future__ import annotations

from tools.base import Hit, ToolContext, ToolResult
from tools.contrast import stands_out
from tools.evidence import StandsOut


def explain_shown(ctx: ToolContext, item: str) -> ToolResult:
    state = ctx.state
    if state is None or not state.shown:
        return ToolResult("explain", error="nothing has been shown yet, so there is no item to explain")
    sku = state.resolve(item, ctx.catalog)
    shown = state.shown_item(sku) if sku else None
    if shown is None:
        listing = ", ".join(f"{s.position}. {s.name}" for s in state.shown)
        return ToolResult("explain", error=f"could not tell which item '{item}' means; shown: {listing}")
    # What sets it apart from the others shown, then the facts recorded when it was shown. Its
    # position is in `data`, not a fact: the reply's lead line says it ("Why #2, ...").
    recorded = [f for f in shown.evidence if not isinstance(f, StandsOut)]
    evidence = stands_out(shown, state.shown, ctx.catalog) + recorded
    return ToolResult("explain", hits=[Hit(shown.sku, 1.0, evidence)], data={"position": shown.position})
