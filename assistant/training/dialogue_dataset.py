"""The controller's training data on disk: both splits as JSONL, their summaries and a plot
(`python -m assistant train dialogues`)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from assistant.training.dialogues import generate


def write(dialogues: list[dict], path) -> Path:
    """One dialogue per line (JSONL)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues)
    return path


def summary(dialogues: list[dict]) -> dict:
    turns = [t for d in dialogues for t in d["turns"]]
    count = lambda values: dict(Counter(values).most_common())  # noqa: E731
    return {"dialogues": len(dialogues), "turns": len(turns), "kinds": count(t["kind"] for t in turns),
            "tools": count(t["gold"]["tool"] or "none" for t in turns),
            "templates": len({t["meta"]["template"] for t in turns}),
            "price_forms": count(t["meta"]["price_form"] for t in turns if t["meta"]["price_form"]),
            "typo_turns": sum(t["meta"]["typo"] for t in turns), "photo_turns": sum(bool(t["photos"]) for t in turns),
            "products": len({s for d in dialogues for s in d["products"]})}


def build_dataset(settings, n_train: int, n_test: int, out_dir: Path) -> dict:
    """`python -m assistant train dialogues`: both splits as JSONL in out_dir, their summaries,
    and a plot of turns per kind."""
    from assistant.storage import open_catalog
    from assistant.catalog.vocabulary import Vocabulary
    from tqdm.auto import tqdm
    catalog = open_catalog(settings)
    vocab = Vocabulary.from_catalog(catalog)
    out_dir = Path(out_dir)
    summaries = {}
    for split, n in tqdm((("train", n_train), ("test", n_test)), desc="dialogues"):
        dialogues = generate(catalog, vocab, n, settings.seed, split)
        write(dialogues, out_dir / f"dialogues_{split}.jsonl")
        summaries[split] = summary(dialogues)
    (out_dir / "dialogues_summary.json").write_text(json.dumps(summaries, indent=2))
    _plot(summaries, out_dir / "dialogues_kinds.png")
    figures = {}
    for split, s in summaries.items():
        figures.update({f"{split}_{k}": s[k] for k in ("dialogues", "turns", "templates", "typo_turns", "photo_turns", "products")})
        figures.update({f"{split}_tool_{tool}": n for tool, n in s["tools"].items()})
    return figures


def _plot(summaries: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    kinds = list(summaries["train"]["kinds"])
    fig, ax = plt.subplots(figsize=(10, 5))
    for offset, split in ((-0.2, "train"), (0.2, "test")):
        total = summaries[split]["turns"]
        ax.barh([i + offset for i in range(len(kinds))], [summaries[split]["kinds"].get(k, 0) / total for k in kinds],
                height=0.4, label=f"{split} ({total} turns)")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.invert_yaxis()
    ax.set_xlabel("share of turns")
    ax.set_title("self-instruct dialogues: turns per kind")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
