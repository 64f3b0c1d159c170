"""Where each argument of a tool call comes from, declared beside the tool (`@grounded` in
tools/registry.py) and applied by the controller (assistant/controller.py) before the tool runs.

The model chooses the tool and proposes arguments; a declared source decides each argument from
what the shopper said. An argument with no source is the model's (the registry validates it), and
a constraint the model proposes is never kept unless the shopper said its value.
"""
from __future__ import annotations

from enum import Enum


class Source(Enum):
    TRACKER = "tracker"            # the tracker's value while it holds one; else none if the shopper
                                   # dropped the field this turn; else the model's value, if said
    TRACKER_ONLY = "tracker_only"  # the tracker's value or none (prices: only its price grammar tells
                                   # "under 50" from "over 50")
    THIS_TURN = "this_turn"        # the value the tracker read in this message, or none
    TOPIC = "topic"                # what the shopper is looking for, plus the model's words they said
    PHOTO = "photo"                # the photo the message points at, or none; never the model's choice
    ITEM_POINTED_AT = "item"       # an item the shopper pointed at; with none, a request for
                                   # recommendations goes without, anything else is not run
    ITEM_ON_SCREEN = "item_on_screen"  # an item of the list on screen the shopper pointed at, else not run
    SORT = "sort"                  # the order the shopper asked for ("cheapest first"), else the model's
    RENDER = "render"              # the tracker's reading of a render request ("show it in green"); without
                                   # one, what the message says: the item pointed at, a colour said, the photo
                                   # the words point at, the model's description in the shopper's words;
                                   # neither an item nor a description: not run


def grounded(constraints: Source | None = None, **arguments: Source):
    """Declare a tool's sources: `constraints` for every constraint argument the tool takes (a
    named one may differ and keeps its place), then the named arguments, applied in that order."""
    def declare(fn):
        fn.grounding = (constraints, arguments)
        return fn
    return declare


def sources(fn, constraint_args: list[str]) -> dict[str, Source]:
    """Argument -> source, in the order they are applied, for a tool taking `constraint_args`."""
    constraints, arguments = getattr(fn, "grounding", (None, {}))
    out = {name: constraints for name in constraint_args} if constraints is not None else {}
    out.update(arguments)
    return out
