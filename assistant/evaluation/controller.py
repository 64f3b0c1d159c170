"""`python -m assistant eval controller`: the controller's planning on the held-out dialogues.

The test split of `train dialogues` (templates and products never trained on) is replayed with
teacher forcing: before each turn the state is what the gold calls so far produced (constraints,
items on screen, photos), so every turn is scored on its own. Per turn and model variant:

* tool selection: the first decision (a tool, or a reply) equals the gold one;
* argument exact match: right tool and the same arguments (strings case-folded, numbers to cents);
* slot F1: micro-averaged over (argument, value) pairs, a wrong tool's pairs all count as errors;
* valid call rate: calls to a known tool whose every argument passes the tool's schema;
* end-task success: the predicted call, run on the catalog, returns items that all satisfy every
  constraint the dialogue stated so far (search and filter turns); for recommend and explain, the
  same item (resolved against the list on screen) and relation as the gold; for render, the same
  item, colour and photo (words to render when the gold has them); for no-tool turns, no tool.

Variants: the base model with our instruction prompt and in-context examples ("base"), the LoRA
model with photos as the reader's predicted words ("lora_text") and with projector soft tokens
("lora_projector", the shipped model). These are the model's own calls, before the controller's
grounding. The whole assistant (grounding, fallbacks, replies) is then run on a subset of the
dialogues ("system_*"), where every reply is checked for names, prices and colours that are not in
the turn's results (`unsupported_claims`). Planning latency: one model decision, adapter merged
(in the settings' inference weights) and not (float32 always: a PeftModel's layers keep their own
weights, so the mixed-precision wrapper does not apply; the two differ in precision too).
"""
from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from tqdm.auto import tqdm

from tools.base import ToolContext
from tools.catalog_filter import normalise, satisfies
from assistant.catalog.constraints import Constraints

VARIANTS = ("base", "lora_text", "lora_projector")
SHIPPED = "lora_projector"
ITEM_TOOLS = ("search", "catalog_filter")


def _norm(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 2)
    if isinstance(value, list):
        return _norm(value[0]) if len(value) == 1 else tuple(sorted(str(v).strip().lower() for v in value))
    return str(value).strip().lower()


def slots(args: dict) -> set:
    return {(k, _norm(v)) for k, v in args.items()}


def load_test_dialogues(settings, path: Path | None = None) -> list[dict]:
    path = Path(path or settings.data_dir / "controller" / "dialogues_test.jsonl")
    if not path.exists():
        from assistant.training.dialogue_dataset import build_dataset
        build_dataset(settings, 2000, 300, path.parent)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Scores:
    """Running counts for one variant."""

    def __init__(self):
        self.turns, self.tool, self.exact, self.end, self.calls, self.valid = 0, 0, 0, 0, 0, 0
        self.tp = self.fp = self.fn = 0
        self.seconds: list[float] = []
        self.by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        # Turns whose gold has one price bound: [written as the opposite bound, such turns].
        self.swapped = {"price_min": [0, 0], "price_max": [0, 0]}

    def add(self, kind: str, gold: dict, tool, args: dict, valid: bool, end: bool, seconds: float) -> None:
        same = tool == gold["tool"]
        self.turns += 1
        self.tool += same
        self.exact += same and slots(args) == slots(gold["arguments"])
        self.end += end
        self.calls += tool is not None
        self.valid += tool is not None and valid
        g, p = slots(gold["arguments"]), slots(args) if tool is not None else set()
        if not same:
            self.fp, self.fn = self.fp + len(p), self.fn + len(g)
        else:
            self.tp, self.fp, self.fn = self.tp + len(g & p), self.fp + len(p - g), self.fn + len(g - p)
        self.seconds.append(seconds)
        self.by_kind[kind][0] += same
        self.by_kind[kind][1] += 1
        bounds = [k for k in self.swapped if k in gold["arguments"]]
        if len(bounds) == 1:
            (key,), value = bounds, gold["arguments"][bounds[0]]
            other = "price_max" if key == "price_min" else "price_min"
            self.swapped[key][0] += same and key not in args and _norm(args.get(other)) == _norm(value)
            self.swapped[key][1] += 1

    def figures(self) -> dict:
        precision = self.tp / max(1, self.tp + self.fp)
        recall = self.tp / max(1, self.tp + self.fn)
        return {"tool_selection_accuracy": self.tool / max(1, self.turns),
                "argument_exact_match": self.exact / max(1, self.turns),
                "slot_f1": 2 * precision * recall / max(1e-9, precision + recall),
                "valid_call_rate": self.valid / max(1, self.calls),
                "end_task_success": self.end / max(1, self.turns),
                "planning_p50_s": statistics.median(self.seconds) if self.seconds else 0.0,
                "min_read_as_max": self.swapped["price_min"][0] / max(1, self.swapped["price_min"][1]),
                "max_read_as_min": self.swapped["price_max"][0] / max(1, self.swapped["price_max"][1])}


class Replay:
    """One test dialogue's state, advanced turn by turn with the gold calls."""

    def __init__(self, bot, dialogue: dict):
        from assistant.dialogue.state import DialogueState
        self.bot, self.state, self.vectors = bot, DialogueState(dialogue["id"]), {}

    def ctx(self) -> ToolContext:
        b = self.bot
        return ToolContext(catalog=b.catalog, vocab=b.vocab, settings=b.settings, text_index=b.text_index,
                           embedder=b.embedder, state=self.state, image_index=b.image_index,
                           fused_index=b.fused_index, photo_vectors=self.vectors, recommender=b.recommender)

    def send(self, paths: list[str], vector_of) -> list[str]:
        from assistant.dialogue.state import Photo
        from assistant.planning.compact_format import photo_words
        names = []
        for path in paths:
            name = f"photo {len(self.state.photos) + 1}"
            vector = vector_of(path)
            reading = self.bot.photo_reader.read(vector)
            self.state.photos.append(Photo(name=name, path=path, sha256="", reading=reading.summary(),
                                           looks=photo_words(reading)))
            self.vectors[name] = vector
            names.append(name)
        return names

    def run(self, tool: str, args: dict):
        return self.bot.registry.run(tool, args, self.ctx())

    def end_task(self, turn: dict, tool, args: dict) -> bool:
        gold = turn["gold"]
        if gold["tool"] is None or tool is None:
            return tool == gold["tool"]
        if gold["tool"] in ITEM_TOOLS:
            if tool not in ITEM_TOOLS:
                return False
            hits = self.run(tool, args).hits[: self.bot.settings.top_k]
            wanted, _, _ = normalise(turn["constraints"], self.bot.vocab)
            return bool(hits) and all(satisfies(self.bot.catalog.get(h.sku), wanted) for h in hits)
        if tool != gold["tool"]:
            return False
        same_item = self.resolve(args.get("item")) == self.resolve(gold["arguments"].get("item"))
        if tool == "render":  # the same item, colour and photo; words to render when the gold has them
            return same_item and all(_norm(args.get(k)) == _norm(gold["arguments"].get(k)) for k in ("color", "photo")) \
                and bool(args.get("description")) == bool(gold["arguments"].get("description"))
        return same_item and args.get("relation", "any") == gold["arguments"].get("relation", "any")

    def resolve(self, item):
        return self.state.resolve(item, self.bot.catalog) if item else None

    def advance(self, turn: dict) -> None:
        """Teacher forcing: the state the gold call leaves."""
        from assistant.dialogue.state import HistoryEntry, ShownItem
        gold = turn["gold"]
        self.state.constraints = Constraints.from_dict(turn["constraints"])
        self.state.topic = turn["gold"]["arguments"].get("query") or self.state.topic
        self.state.history += [HistoryEntry("user", turn["user"]),
                               HistoryEntry("assistant", "", [{"name": gold["tool"], "arguments": gold["arguments"]}]
                                            if gold["tool"] else [])]
        if gold["tool"] in ("search", "catalog_filter", "recommend"):
            hits = self.run(gold["tool"], gold["arguments"]).hits[: self.bot.settings.top_k]
            if hits:
                products = [self.bot.catalog.get(h.sku) for h in hits]
                self.state.shown = [ShownItem(i, p.sku, p.name, p.color, p.category, p.price)
                                    for i, p in enumerate(products, 1)]


def _decide(planner, replay: Replay, turn: dict, sent: list[str]):
    """The planner's own first step for a turn, before the controller's grounding:
    (tool or None, arguments, seconds, prompt included)."""
    from assistant.dialogue.tracker import Reading
    from assistant.planning.planner import PlannerError, Turn
    before = {"topic": turn["context"]["topic"], "constraints": turn["context"]["constraints"]}
    # The dialogue as it was before the message (what the prompted planner reads as the state).
    state = replace(replay.state, topic=before["topic"], constraints=Constraints.from_dict(before["constraints"]))
    start = time.perf_counter()
    try:
        step = planner.propose(Turn(state, turn["user"], Reading(), before, tuple(sent), replay.vectors), [])
    except PlannerError:  # a server's answer that is no step (endpoint): scored as no call
        step = None
    seconds = time.perf_counter() - start
    if step is None or step.call is None:
        return None, {}, seconds
    return step.call["name"], dict(step.call["args"]), seconds


def planners(settings, registry, embedder, variants=VARIANTS) -> dict:
    """The planner of each variant (the two LoRA variants share one merged model)."""
    from assistant.storage import open_catalog
    from assistant.catalog.vocabulary import Vocabulary
    from assistant.models.chat_model import LocalChatModel
    from assistant.planning.loader import controller_adapter
    from assistant.planning.prompted import PromptedPlanner
    from assistant.planning.tuned import TunedPlanner
    adapter = controller_adapter(settings) or controller_adapter(replace(settings, chat_adapter="shipped"))
    common = dict(model_name=settings.chat_model, models_dir=settings.models_dir, max_new_tokens=settings.max_new_tokens,
                  weights=settings.chat_weights)
    out = {}
    if "base" in variants:
        out["base"] = PromptedPlanner(LocalChatModel(**common), registry, settings, embedder)
    if "endpoint" in variants:  # the base model's conversation, asked of a server
        if not settings.chat_endpoint:
            raise ValueError("the endpoint variant needs SHOPASSIST_CHAT_ENDPOINT (an OpenAI-compatible base URL)")
        from assistant.planning.endpoint import EndpointPlanner
        out["endpoint"] = EndpointPlanner.from_settings(settings, registry, embedder)
    if not set(variants) - {"base", "endpoint"}:
        return out
    if adapter is None:
        raise FileNotFoundError("no trained controller adapter: run `python -m assistant train controller`")
    catalog = open_catalog(settings)  # the tuned planner's value and word lists, as the assistant's
    tuned = TunedPlanner.for_catalog(LocalChatModel(**common, adapter_dir=adapter), registry,
                                     Vocabulary.from_catalog(catalog), catalog)
    if "lora_projector" in variants:
        out["lora_projector"] = tuned
    if "lora_text" in variants:
        out["lora_text"] = TunedPlanner(tuned.chat_model, registry, tuned.value_options, tuned.query_words,
                                        photos_as_tokens=False, tools=list(tuned.tool_names))
    return out


def evaluate_controller(settings, variants=VARIANTS, limit: int | None = None, base_limit: int | None = 40,
                        system_dialogues: int = 60, latency_turns: int = 60, out_dir: Path = Path("data/reports"),
                        dialogues_path: Path | None = None) -> dict:
    """All figures; per-turn records and a plot go to out_dir. limit: the first N test dialogues
    (of `dialogues_path`, default data/controller/dialogues_test.jsonl); base_limit: the base model
    (slow: a long prompt with examples) only on the first N of those."""
    from assistant.assistant import Assistant
    from assistant.models.text_embedder import get_text_embedder
    from tools.registry import ToolRegistry
    dialogues = load_test_dialogues(settings, dialogues_path)[:limit]
    variant_planners = planners(settings, ToolRegistry(), get_text_embedder(settings.text_model), variants)
    bot = Assistant.from_settings(settings, variant_planners.get(SHIPPED) or next(iter(variant_planners.values())))
    if bot.photo_reader is None:
        raise RuntimeError("the evaluation needs the image index: run `python -m assistant setup`")
    scores = {v: Scores() for v in variant_planners}
    cache: dict[str, object] = {}

    def vector_of(path: str):
        if path not in cache:
            cache[path] = bot.photo_reader.embed([path])[0]
        return cache[path]
    records = []
    turns = sum(len(d["turns"]) for d in dialogues)
    base_dialogues = dialogues[:base_limit]
    calls = turns * len(variant_planners) - ("base" in variant_planners) * (turns - sum(len(d["turns"]) for d in base_dialogues))
    with tqdm(total=calls, desc="controller eval (model calls)", unit="call") as bar:
        for number, d in enumerate(dialogues):
            replay = Replay(bot, d)
            for turn in d["turns"]:
                sent = replay.send(turn["photos"], vector_of)
                record = {"dialogue": d["id"], "kind": turn["kind"], "user": turn["user"], "gold": turn["gold"]}
                for variant, planner in variant_planners.items():
                    if variant == "base" and number >= len(base_dialogues):
                        continue
                    tool, args, seconds = _decide(planner, replay, turn, sent)
                    valid = tool in bot.registry.tools and not bot.registry.repair(tool, args)[1]
                    end = replay.end_task(turn, tool, args)
                    scores[variant].add(turn["kind"], turn["gold"], tool, args, valid, end, seconds)
                    record[variant] = {"tool": tool, "arguments": args, "end_task": end, "seconds": round(seconds, 3)}
                    bar.update(1)
                records.append(record)
                replay.advance(turn)

    figures: dict = {"test_dialogues": len(dialogues), "test_turns": turns}
    if "base" in scores:
        figures["base_turns"] = scores["base"].turns
    for variant, s in scores.items():
        figures.update({f"{variant}_{k}": v for k, v in s.figures().items()})
    if SHIPPED in scores:
        figures.update(scores[SHIPPED].figures())
        system, claimed = _system(bot, dialogues[:system_dialogues])
        figures.update(system)
        figures.update(_unmerged_latency(settings, variant_planners[SHIPPED], bot, dialogues, latency_turns, vector_of))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "controller_turns.json").write_text(json.dumps(records, indent=1))
    by_kind = {v: {k: a / n for k, (a, n) in sorted(s.by_kind.items())} for v, s in scores.items()}
    swapped = {v: {k: {"swapped": a, "turns": n} for k, (a, n) in s.swapped.items()} for v, s in scores.items()}
    (out_dir / "controller_eval.json").write_text(json.dumps(
        {"figures": figures, "tool_selection_by_kind": by_kind, "single_price_bound": swapped,
         "unsupported_claim_turns": claimed if SHIPPED in scores else []}, indent=2))
    _plot(figures, by_kind, list(scores), out_dir / "controller_eval.png")
    return figures


def _system(bot, dialogues: list[dict]) -> tuple[dict, list[dict]]:
    """The whole assistant (grounding, fallbacks, templated replies) on the dialogues, in fresh
    sessions; and the replies that made an unsupported claim, with the claims, to read."""
    from assistant.evaluation.grounding import unsupported_in_reply
    tool_ok, end_ok, claims, replies, claimed = 0, 0, 0, 0, []
    for d in tqdm(dialogues, desc="controller eval (whole assistant)", unit="dialogue"):
        session = f"eval-controller-{d['id']}-{time.time_ns()}"
        for turn in d["turns"]:
            reply = bot.respond(session, turn["user"], turn["photos"])
            tool = reply.tool_calls[0]["name"] if reply.tool_calls else None
            tool_ok += tool == turn["gold"]["tool"]
            products = [bot.catalog.get(i.sku) for i in reply.items]
            if turn["gold"]["tool"] in ITEM_TOOLS:
                wanted, _, _ = normalise(turn["constraints"], bot.vocab)
                end_ok += bool(products) and all(satisfies(p, wanted) for p in products)
            elif turn["gold"]["tool"] is None:
                end_ok += tool is None
            else:  # recommend, explain: the right tool, and it answered with items
                end_ok += tool == turn["gold"]["tool"] and bool(products)
            text = "\n".join(line for line in reply.text.split("\n") if not re.match(r"photo \d+: ", line))
            unsupported = unsupported_in_reply(bot, session, reply, text)
            claims += bool(unsupported)
            if unsupported:
                claimed.append({"user": turn["user"], "reply": reply.text, "claims": unsupported})
            replies += 1
    return {"system_dialogues": len(dialogues), "system_turns": replies,
            "system_tool_selection_accuracy": tool_ok / max(1, replies),
            "system_end_task_success": end_ok / max(1, replies), "unsupported_claims": claims}, claimed


def _unmerged_latency(settings, merged, bot, dialogues: list[dict], n: int, vector_of) -> dict:
    """Planning time per turn with the adapter kept apart (PeftModel, float32), on the first n turns."""
    from assistant.models.chat_model import LocalChatModel
    from assistant.planning.tuned import TunedPlanner
    unmerged = LocalChatModel(model_name=settings.chat_model, models_dir=settings.models_dir,
                              adapter_dir=merged.chat_model.adapter_dir, merge=False)
    planner = TunedPlanner(unmerged, bot.registry, merged.value_options, merged.query_words, tools=list(merged.tool_names))
    seconds = []
    for d in dialogues:
        replay = Replay(bot, d)
        for turn in d["turns"]:
            if len(seconds) >= n:
                break
            sent = replay.send(turn["photos"], vector_of)
            seconds.append(_decide(planner, replay, turn, sent)[2])
            replay.advance(turn)
    return {"planning_p50_unmerged_s": statistics.median(seconds) if seconds else 0.0}


def _plot(figures: dict, by_kind: dict, variants: list[str], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    metrics = ["tool_selection_accuracy", "argument_exact_match", "slot_f1", "valid_call_rate", "end_task_success"]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1, 1.3]})
    width = 0.8 / len(variants)
    for i, v in enumerate(variants):
        axes[0].bar([m + i * width for m in range(len(metrics))], [figures[f"{v}_{k}"] for k in metrics], width, label=v)
    axes[0].set_xticks([m + width * (len(variants) - 1) / 2 for m in range(len(metrics))],
                       [k.replace("_", " ").replace(" accuracy", "") for k in metrics], rotation=20)
    axes[0].set(ylim=(0, 1.05), title=f"held-out dialogues ({figures['test_turns']} turns)")
    axes[0].legend()
    kinds = sorted({k for v in by_kind.values() for k in v})
    for i, v in enumerate(variants):
        axes[1].barh([k + i * width for k in range(len(kinds))], [by_kind[v].get(k, 0) for k in kinds], width, label=v)
    axes[1].set_yticks([k + width for k in range(len(kinds))], kinds)
    axes[1].invert_yaxis()
    axes[1].set(xlim=(0, 1.05), title="tool selection by kind of turn")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
