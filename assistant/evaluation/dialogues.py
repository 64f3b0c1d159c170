"""Scripted multi-turn dialogues: does the assistant pick the right tool, and keep the shopper's constraints?

Each dialogue in dialogues.json runs in a fresh session. Per turn we score:

* tool selection: correct when the name of the first tool call equals `expected_tool`, or when
  `expected_tool` is null and no tool was called.
* constraint success: the turn's checked constraints are the cumulative hard constraints the
  shopper has stated (`constraints`, raw shopper words), restricted to the turn's optional
  `check` list (recommend turns check only gender and price_max). The turn passes when
    - it returned items and every item satisfies every checked constraint, or
    - it returned no items and nothing was asked for: `expected_tool` is null (chit-chat,
      out of scope) or the turn is marked `bad_input` (unknown colour, negative price),
      where refusing and explaining is a correct answer.
  An empty list for a turn that should have returned items FAILS: an assistant that never
  shows anything must not score as one that never breaks a constraint.
"""
from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from tools.catalog_filter import Constraints, normalise, violations

DIALOGUES = Path(__file__).with_name("dialogues.json")
TOOLS = ("search", "catalog_filter", "recommend", "explain", None)


def _share(flags) -> float:
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else 0.0


def load_dialogues(path: Path = DIALOGUES) -> list[dict]:
    return json.loads(Path(path).read_text())


def checked_constraints(turn: dict, vocab) -> Constraints:
    """The turn's stated constraints, limited to its `check` list, in catalog terms."""
    raw = turn.get("constraints", {})
    check = turn.get("check")
    raw = {k: v for k, v in raw.items() if check is None or k in check}
    constraints, _, errors = normalise(raw, vocab)
    if errors:
        raise ValueError(f"bad constraints in dialogue turn {turn['user']!r}: {errors}")
    return constraints


def tool_correct(expected: str | None, calls: list[dict]) -> bool:
    actual = calls[0]["name"] if calls else None
    return actual == expected


def model_calls(proposed: list) -> list[dict]:
    """The chat model's own first choice, before grounding and fallbacks, as a call list."""
    return [{"name": proposed[0]}] if proposed and proposed[0] else []


def score_turn(products: list, constraints: Constraints, expected_tool: str | None,
               bad_input: bool = False) -> dict:
    """{"passed": bool, "violations": {sku: [field, ...]}} for the products one turn returned."""
    bad = {p.sku: v for p in products if (v := violations(p, constraints))}
    if not products:
        return {"passed": expected_tool is None or bad_input, "violations": {}}
    return {"passed": not bad, "violations": bad}


def _plot(records: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = defaultdict(list)
    for r in records:
        groups[r["expected_tool"] or "none"].append(r)
    names = [t or "none" for t in TOOLS if (t or "none") in groups]
    bars = {"tool selection (system)": "tool_correct", "tool selection (model alone)": "model_tool_correct",
            "constraint success": "constraints_passed"}
    x = range(len(names))
    fig, ax = plt.subplots(figsize=(8, 4))
    for k, (label, key) in enumerate(bars.items()):
        ax.bar([i + (k - 1) * 0.27 for i in x], [_share(r[key] for r in groups[n]) for n in names], 0.27, label=label)
    ax.set_xticks(list(x), [f"{n}\n(n={len(groups[n])})" for n in names])
    ax.set_ylim(0, 1.25)
    ax.set_xlabel("expected tool")
    ax.set_title("Scripted dialogues, per expected tool")
    ax.legend(loc="upper center", ncol=3, frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_dialogue_eval(settings, out_dir: Path, bot=None) -> dict:
    from assistant import Assistant
    bot = bot or Assistant.from_settings(settings)
    dialogues = load_dialogues()
    run_id = uuid.uuid4().hex[:8]
    records = []
    with tqdm(total=sum(len(d["turns"]) for d in dialogues), desc="dialogue turns") as bar:
        for d_index, dialogue in enumerate(dialogues):
            session = f"eval-{run_id}-{d_index}-{dialogue.get('id', '')}"
            for t_index, turn in enumerate(dialogue["turns"]):
                start = time.perf_counter()
                reply = bot.respond(session, turn["user"], images=[])
                seconds = time.perf_counter() - start
                products = [bot.catalog.get(item.sku) for item in reply.items]
                score = score_turn(products, checked_constraints(turn, bot.vocab), turn["expected_tool"],
                                   turn.get("bad_input", False))
                records.append({
                    "dialogue": dialogue.get("id", d_index), "turn": t_index, "user": turn["user"],
                    "expected_tool": turn["expected_tool"],
                    "actual_tool": reply.tool_calls[0]["name"] if reply.tool_calls else None,
                    "tool_calls": reply.tool_calls,
                    "tool_correct": tool_correct(turn["expected_tool"], reply.tool_calls),
                    "model_tool_correct": tool_correct(turn["expected_tool"], model_calls(reply.proposed_tools)),
                    "constraints": turn.get("constraints", {}), "check": turn.get("check"),
                    "items": [i.sku for i in reply.items], "constraints_passed": score["passed"],
                    "violations": score["violations"], "seconds": round(seconds, 3),
                    "reply": reply.text.split("\n")[0][:300],
                })
                bar.update(1)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "dialogues_turns.json").write_text(json.dumps(records, indent=2, default=str))
    _plot(records, out_dir / "dialogues_eval.png")
    figures = {
        "dialogues": len(dialogues),
        "turns": len(records),
        "constraint_success": _share(r["constraints_passed"] for r in records),
        "tool_selection_accuracy": _share(r["tool_correct"] for r in records),
        "model_tool_selection_accuracy": _share(r["model_tool_correct"] for r in records),
        "turns_with_items": sum(bool(r["items"]) for r in records),
        "mean_turn_s": statistics.mean(r["seconds"] for r in records),
    }
    for tool in TOOLS:
        group = [r for r in records if r["expected_tool"] == tool]
        if group:
            name = tool or "none"
            figures[f"tool_accuracy_{name}"] = _share(r["tool_correct"] for r in group)
            figures[f"constraint_success_{name}"] = _share(r["constraints_passed"] for r in group)
    return figures
