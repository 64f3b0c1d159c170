"""The explain tool: the recorded evidence for an item the shopper was shown ("why the second one?")."""
from __future__ import annotations

from tools.base import Hit, ToolContext, ToolResult


def explain_shown(ctx: ToolContext, item: str) -> ToolResult:
    state = ctx.state
    if state is None or not state.shown:
        return ToolResult("explain", error="nothing has been shown yet, so there is no item to explain")
    sku = state.resolve(item, ctx.catalog)
    shown = state.shown_item(sku) if sku else None
    if shown is None:
        listing = ", ".join(f"{s.position}. {s.name}" for s in state.shown)
        return ToolResult("explain", error=f"could not tell which item '{item}' means; shown: {listing}")
    # The facts recorded when it was shown, unchanged. Its position is in `data`, not a fact:
    # the reply's lead line already says it ("Why #2, ..."), so a clause would only repeat it.
    return ToolResult("explain", hits=[Hit(shown.sku, 1.0, list(shown.evidence))], data={"position": shown.position})
