"""`eval explanations`: are the items' explanations short, specific, contrastive and true?

The scripted dialogues (dialogues.json) and the held-out shopper wording (the robust report set,
photos included) run through the whole assistant, as their own evaluations run them. Every item
shown is scored on its explanation:

* words: the explanation's length in words (goal: a mean of at most 30);
* specific: it says something from the product's own record (the ProductFact the turn recorded);
* unsupported: prices, product names and colours nothing in the turn supports (the grounding
  check the controller's evaluation uses; goal 0).

After every turn that shows two items or more, a "why" question about one of them is asked in a
copy of the session (so the dialogue goes on as scripted), worded in one of WHY_QUESTIONS, which
are not the controller's training wordings. An answer counts as contrastive when its explanation
names a way the item differs from another shown item (a StandsOut fact, said in the text).
Questions the assistant did not answer with the item are reported apart (`why_answered_share`).
"""
from __future__ import annotations

import json
import statistics
import uuid
from pathlib import Path

from tqdm import tqdm

from assistant.evaluation.dialogues import load_dialogues
from assistant.evaluation.grounding import unsupported_in_reply
from assistant.evaluation.robust import load_set, resolve_image
from tools.evidence import ProductFact, StandsOut

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
WHY_QUESTIONS = ("why the {ordinal} one?", "what makes number {n} different from the rest?",
                 "why did you pick the {ordinal}?", "how is #{n} better than the others?",
                 "tell me why you chose the {ordinal} one", "whats special about no. {n}",
                 "why should i get the {ordinal} one instead of the others?", "why {ordinal}?")


def _share(flags) -> float:
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else 0.0


def _specific(item) -> bool:
    return any(isinstance(f, ProductFact) and f.text.split("; ")[0].lower() in item.explanation.lower()
               for f in item.evidence)


def _contrastive(item) -> bool:
    return any(isinstance(f, StandsOut) and f.text.lower() in item.explanation.lower() for f in item.evidence)


class ExplanationRun:
    """Collects the item and "why" records of one evaluation run."""

    def __init__(self, bot):
        self.bot, self.items, self.whys = bot, [], []

    def score_items(self, source: str, session: str, user: str, reply) -> None:
        for item in reply.items:
            self.items.append({"source": source, "user": user, "sku": item.sku, "explanation": item.explanation,
                               "words": len(item.explanation.split()), "specific": _specific(item),
                               "unsupported": unsupported_in_reply(self.bot, session, reply, item.explanation)})

    def ask_why(self, source: str, session: str, reply) -> None:
        """A "why" question about one shown item, in a copy of the session."""
        k = len(self.whys)
        position = 1 + k % min(len(reply.items), 3)
        question = WHY_QUESTIONS[k % len(WHY_QUESTIONS)].format(ordinal=ORDINALS[position], n=position)
        state = self.bot.sessions.load(session)
        state.session_id = f"{session}-why{k}"
        self.bot.sessions.save(state)
        answer = self.bot.respond(state.session_id, question)
        wanted = reply.items[position - 1].sku
        item = next((i for i in answer.items if i.sku == wanted), None)
        answered = item is not None and answer.tool_calls and answer.tool_calls[0]["name"] == "explain"
        self.whys.append({"source": source, "question": question, "position": position, "answered": bool(answered),
                          "contrastive": bool(answered) and _contrastive(item),
                          "explanation": item.explanation if item else answer.text.split("\n")[0],
                          "unsupported": unsupported_in_reply(self.bot, state.session_id, answer, item.explanation)
                          if item else []})

    def run_turn(self, source: str, session: str, user: str, images: list[str]) -> None:
        reply = self.bot.respond(session, user, images=images)
        self.score_items(source, session, user, reply)
        if len(reply.items) >= 2:
            self.ask_why(source, session, reply)

    def figures(self) -> dict:
        why_answers = [w for w in self.whys if w["answered"]]
        return {
            "explained_items": len(self.items),
            "explanation_words_mean": statistics.mean(r["words"] for r in self.items) if self.items else 0.0,
            "explanation_words_max": max((r["words"] for r in self.items), default=0),
            "explanation_specific_share": _share(r["specific"] for r in self.items),
            "why_questions": len(self.whys),
            "why_answered_share": _share(w["answered"] for w in self.whys),
            "why_contrast_share": _share(w["contrastive"] for w in why_answers),
            "unsupported_claims": sum(len(r["unsupported"]) for r in self.items + self.whys),
        }


def run_explanations_eval(settings, out_dir: Path, bot=None, limit: int | None = None) -> dict:
    """Both sets (the first `limit` dialogues of each), scored as the module says."""
    from assistant import Assistant
    bot = bot or Assistant.from_settings(settings)
    run, run_id = ExplanationRun(bot), uuid.uuid4().hex[:8]
    sets = {"scripted": load_dialogues()[:limit], "held-out": load_set("robust")[:limit]}
    with tqdm(total=sum(len(d["turns"]) for ds in sets.values() for d in ds), desc="explanation turns") as bar:
        for source, dialogues in sets.items():
            for d_index, dialogue in enumerate(dialogues):
                session = f"explain-{run_id}-{source}-{d_index}"
                for turn in dialogue["turns"]:
                    images = [str(resolve_image(ref, bot.catalog, settings)) for ref in turn.get("images", [])]
                    run.run_turn(source, session, turn["user"], images)
                    bar.update(1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "explanations_items.json").write_text(json.dumps(run.items, indent=2))
    (out_dir / "explanations_why.json").write_text(json.dumps(run.whys, indent=2))
    figures = run.figures()
    for source in sets:  # each set on its own too
        part = ExplanationRun(bot)
        part.items = [r for r in run.items if r["source"] == source]
        part.whys = [w for w in run.whys if w["source"] == source]
        figures.update({f"{source.replace('-', '_')}_{k}": v for k, v in part.figures().items()
                        if k in ("explanation_words_mean", "explanation_specific_share", "why_contrast_share",
                                 "unsupported_claims")})
    _plot(run, out_dir / "explanations_eval.png")
    return figures


def _plot(run: ExplanationRun, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = run.figures()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.hist([r["words"] for r in run.items], bins=range(0, 41, 2), color="#4a7ab5")
    left.axvline(30, color="#b54a4a", linestyle="--", label="goal: mean <= 30")
    left.set_xlabel("words per explanation")
    left.set_ylabel("items")
    left.set_title(f"{len(run.items)} explained items, mean {figures['explanation_words_mean']:.1f} words")
    left.legend(frameon=False)
    shares = {"specific fact": figures["explanation_specific_share"],
              "why answered": figures["why_answered_share"], "why names a difference": figures["why_contrast_share"]}
    right.bar(list(shares), list(shares.values()), color="#4a9a6a")
    right.axhline(0.9, color="#b54a4a", linestyle="--", label="goal 0.9")
    right.set_ylim(0, 1.05)
    right.set_title(f"unsupported claims: {figures['unsupported_claims']}")
    right.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
