"""What a reply may claim: the grounding check of assistant/explain.py, given everything a turn
legitimately speaks of (the evaluations of the controller and of explanations share it)."""
from __future__ import annotations

from assistant.explain import unsupported_claims
from tools.evidence import Anchored


def unsupported_in_reply(bot, session: str, reply, text: str) -> list[str]:
    """Prices, product names and colours in `text` (a reply's text, or one item's explanation)
    that nothing the turn speaks of supports."""
    products = [bot.catalog.get(i.sku) for i in reply.items]
    # Items the evidence speaks of ("goes with X", "because you liked Y") are in the results too.
    named = {e.anchor for i in reply.items for e in i.evidence if isinstance(e, Anchored)}
    named |= {c["arguments"]["item"] for c in reply.tool_calls if c["arguments"].get("item")}
    supported = products + [p for p in map(bot.catalog.get, sorted(named)) if p is not None]
    # A render's reply says which colours its product is sold in: its variants are supported too.
    rendered = [bot.catalog.get(c["arguments"]["item"]) for c in reply.tool_calls
                if c["name"] == "render" and c["arguments"].get("item")]
    supported += [v for p in rendered if p is not None for v in bot.catalog.variants(p.parent_sku)]
    # The shopper's own price limits and colours ("not black, as you asked", a render "in red",
    # "the closest (not gray)") and the reading of their photo are not claims about products.
    stated = [c["arguments"] for c in reply.tool_calls] + [bot.sessions.load(session).constraints.to_dict()]
    prices = [float(v) for args in stated for k, v in args.items() if k.startswith("price")]
    limits = {round(v, 2) for v in prices} | {float(round(v)) for v in prices}  # "under $60" for 59.99
    # A closest item's distance from the limit ("$7.00 over your limit") is arithmetic on both.
    limits |= {round(abs(p.price - v), 2) for p in products for v in prices}
    colours = {f"colour {str(c).lower()}" for args in stated for k, v in args.items()
               if k in ("color", "not_color") for c in (v if isinstance(v, list) else [v])}
    return [c for c in unsupported_claims(text, supported, bot.catalog)
                   if not (c.startswith("price") and round(float(c.split("$")[1]), 2) in limits) and c not in colours]

