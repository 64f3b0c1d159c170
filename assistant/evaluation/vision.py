"""`python -m assistant eval vision`: photos against the catalog, with the production search path.

* Colour-swap composed retrieval on Luma: query = main image of product P in colour A plus a
  request for colour B, target = P in colour B.
  - Methods on "in <colour B>": image only (the photo's embedding against the image index), text
    only (the words' embedding against the image index), naive sum (the two embeddings added), and
    ours (tools.retriever.hybrid_search with the colour as a constraint, the photo ranking within it).
  - Paraphrases: the request in several natural wordings (PARAPHRASES) through the production
    reading path: the photo read as the assistant reads an upload, the dialogue-state tracker's
    reading of the words, the search call as the controller grounds it, the registered search tool.
* Shopper photo to catalog: clothing-dataset-small validation photos whose class has a Luma
  counterpart, sent alone through the same path; precision@5 (and @10) of the categories of what
  the search returns. The validation photos are split by a hash of the file name: the TUNE half
  chose the photo classifier's temperature and weight decay (`train photo-reader`) and the hard-filter
  threshold and ranking weight (the sweeps below); the REPORT half gives the headline figures.
* Text to image: each product's short text against image-only embeddings, Recall@10.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.dialogue import tracker
from assistant.dialogue.state import DialogueState, Photo
from assistant.models.photo_classifier import OTHER, reliability
from assistant.planning.planner import Turn
from assistant.training.photo_reader import (SHOPPER_TO_CATALOG, class_right, shopper_photos, top_right,
                                             validation_half)
from tools.base import ToolContext
from tools.retriever import hybrid_search

KS = (1, 5, 10)
BOOST_WEIGHTS = (1, 2, 4, 8, 16)  # settings.photo_category_boost_weight, tried on the tune half
FILTER_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)  # settings.photo_category_min, tried on the tune half
# Ways a shopper asks for the product in the photo in another colour; {c} is the colour, lower case.
PARAPHRASES = ("in {c}", "do you have this in {c}?", "is there a {c} version", "same one but {c}",
               "{c} instead of this colour", "can I get it in {c}")


def _recall(ranks: list[int | None], k: int) -> float:
    return sum(r is not None and r < k for r in ranks) / len(ranks) if ranks else 0.0


def _rank(ranking: list[int], target: int) -> int | None:
    return ranking.index(target) if target in ranking else None


def _slug(template: str) -> str:
    return re.sub(r"[^a-z]+", "_", template.replace("{c}", "c").lower()).strip("_")


def photo_turn(bot, path: str, text: str, limit: int, **settings):
    """One shopper message with one photo, as the assistant handles it up to the search: the photo
    read as an upload is (Assistant.read_photo), the tracker's reading of the words applied to the
    state, the search call the controller makes for a photo turn (its fallback: {} grounded in the
    state; the planner is left out, so the figure does not depend on its sampling), run by the
    registry; `settings` override the assistant's for the tools. Returns (result, tracker reading,
    grounded arguments, the photo's reading)."""
    state = DialogueState("eval-vision")
    photo = Photo(name="photo 1", path=str(path), sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())
    bot.read_photo(photo)
    state.photos.append(photo)
    reading = tracker.read(text, state, bot.vocab, bot.catalog, new_photos=[photo.name])
    before = {"topic": state.topic, "constraints": state.constraints.to_dict()}
    tracker.apply(reading, state)
    ctx = bot.tool_context(state)
    ctx = dataclasses.replace(ctx, settings=dataclasses.replace(bot.settings, top_k=limit, **settings))
    turn = Turn(state, text, reading, before, (photo.name,), ctx.photo_vectors)
    args = bot.controller.ground("search", {}, turn, bot.catalog)
    return bot.registry.run("search", args or {}, ctx), reading, args, ctx.photo_readings.get(photo.name)


def colour_swap_pairs(catalog) -> list:
    return [(a, b) for parent in sorted({p.parent_sku for p in catalog.all()})
            for a in catalog.variants(parent) for b in catalog.variants(parent)
            if a.sku != b.sku and a.color and b.color and a.color != b.color]


def colour_swap(bot, limit: int = 10) -> dict:
    catalog, image_index = bot.catalog, bot.image_index
    embed = bot.photo_reader.embed
    pairs = colour_swap_pairs(catalog)
    ranks = {m: [] for m in ("image_only", "text_only", "naive_sum", "ours")}
    ctx = ToolContext(catalog=catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                      embedder=bot.embedder, image_index=image_index, fused_index=bot.fused_index)
    for a, b in tqdm(pairs, desc="colour-swap queries"):
        photo = embed([a.image_path])[0]
        words = bot.embedder.encode_one(f"in {b.color.lower()}")
        naive = photo + words
        for method, q in (("image_only", photo), ("text_only", words), ("naive_sum", naive)):
            ranking = [i for i, _ in image_index.search(q, limit + 1) if i != a.id][:limit]
            ranks[method].append(_rank(ranking, b.id))
        ours = hybrid_search(ctx, "", {"color": b.color}, limit, photos=[photo], photo_names=["query"])
        ranks["ours"].append(_rank([catalog.get(h.sku).id for h in ours.hits], b.id))
    figures = {"colour_swap_queries": len(pairs)}
    for method, r in ranks.items():
        for k in KS:
            figures[f"colour_swap_{method}_recall_at_{k}"] = _recall(r, k)
    figures["colour_swap_recall_at_10"] = figures["colour_swap_ours_recall_at_10"]
    return figures


def colour_swap_paraphrases(bot, sample: int | None = None, seed: int = 0, limit: int = 10) -> tuple[dict, dict, list]:
    """Recall of the target per paraphrase through photo_turn; with `sample`, a seeded sample of pairs.
    Also, per paraphrase, how the tracker read it: the colour asked for, and the search words it left."""
    pairs = colour_swap_pairs(bot.catalog)
    if sample is not None and sample < len(pairs):
        pairs = random.Random(seed).sample(pairs, sample)
    figures = {"colour_swap_paraphrase_pairs": len(pairs), "colour_swap_paraphrases": len(PARAPHRASES)}
    details, examples, means = {}, [], {k: [] for k in KS}
    for template in PARAPHRASES:
        ranks, colour_read, worded, failures = [], [], [], []
        for a, b in tqdm(pairs, desc=f"colour swap: {template!r}"):
            text = template.format(c=b.color.lower())
            result, reading, args, _ = photo_turn(bot, a.image_path, text, limit)
            rank = _rank([h.sku for h in result.hits], b.sku)
            ranks.append(rank)
            colour_read.append(reading.set.get("color") == b.color)
            worded.append(bool((args or {}).get("query")))
            if (rank is None or rank >= limit) and len(failures) < 3:
                failures.append({"pair": f"{a.sku} -> {b.sku}", "text": text, "colour_read": reading.set.get("color"),
                                 "arguments": args, "error": result.error, "top": [h.sku for h in result.hits[:3]]})
            new_category = a.category != (examples[-1][0].category if examples else None)
            if template == PARAPHRASES[0] and len(examples) < 4 and new_category:
                examples.append((a, b, [h.sku for h in result.hits[:5]]))
        slug = _slug(template)
        for k in KS:
            figures[f"colour_swap_paraphrase_{slug}_recall_at_{k}"] = _recall(ranks, k)
            means[k].append(_recall(ranks, k))
        figures[f"colour_swap_paraphrase_{slug}_colour_read"] = float(np.mean(colour_read))
        figures[f"colour_swap_paraphrase_{slug}_with_search_words"] = float(np.mean(worded))
        details[template] = failures
    for k in KS:
        figures[f"colour_swap_paraphrase_recall_at_{k}"] = float(np.mean(means[k]))
    return figures, details, examples


def _precision(bot, result, label: str, k: int) -> float:
    """The share of the first k places (k, not the hits returned) taken by a right category."""
    return sum(bot.catalog.get(h.sku).category in SHOPPER_TO_CATALOG[label] for h in result.hits[:k]) / k


def validation_photos(bot) -> list[tuple[Path, str]]:
    """The validation photos of the shopper classes with a catalog counterpart."""
    from assistant.catalog.download import shopper_photos_root
    return [(p, label) for p, label in shopper_photos(shopper_photos_root(bot.settings), "validation")
            if label in SHOPPER_TO_CATALOG]


def boost_weight_sweep(bot) -> dict:
    """TUNE half only, per weight of the likely categories' ranking (settings.photo_category_boost_weight
    was chosen with these): photo-only precision@5, and for photos read below the hard-filter
    threshold, how often the top 10 still holds another category than the reading's top guess."""
    tune = [(p, label) for p, label in validation_photos(bot) if validation_half(p) == "tune"]
    figures = {}
    for weight in tqdm(BOOST_WEIGHTS, desc="boost weights (tune half)"):
        precision, mixed = [], []
        for path, label in tune:
            result, _, _, reading = photo_turn(bot, str(path), "", 10, photo_category_boost_weight=weight)
            precision.append(_precision(bot, result, label, 5))
            if reading.category_guess(bot.settings.photo_category_min) is None:
                mixed.append(any(bot.catalog.get(h.sku).category != reading.category[0][0] for h in result.hits))
        figures[f"photo_category_precision_at_5_tune_half_boost_weight_{weight}"] = float(np.mean(precision))
        figures[f"photo_mixed_top_10_tune_half_boost_weight_{weight}"] = float(np.mean(mixed)) if mixed else None
    return figures


def filter_threshold_sweep(bot) -> dict:
    """TUNE half only, per hard-filter threshold (settings.photo_category_min was chosen with these:
    the best photo-only precision@5 among thresholds from 0.5, where a calibrated reading is more
    likely right than wrong): photo-only precision@5 and the share of photos whose top 5 are all right."""
    tune = [(p, label) for p, label in validation_photos(bot) if validation_half(p) == "tune"]
    base, figures = bot.settings, {}
    try:
        for threshold in tqdm(FILTER_THRESHOLDS, desc="hard-filter thresholds (tune half)"):
            bot.settings = dataclasses.replace(base, photo_category_min=threshold)  # read_photo applies it
            precision = [_precision(bot, photo_turn(bot, str(path), "", 5)[0], label, 5) for path, label in tune]
            figures[f"photo_category_precision_at_5_tune_half_threshold_{threshold}"] = float(np.mean(precision))
            figures[f"photo_all_5_right_tune_half_threshold_{threshold}"] = float(np.mean(np.equal(precision, 1.0)))
    finally:
        bot.settings = base
    return figures


def shopper_photos_eval(bot, limit: int = 10) -> tuple[dict, list, dict]:
    """Photo-only searches for the validation photos of the classes with a catalog counterpart."""
    photos = validation_photos(bot)
    if not photos:
        return {}, [], {}
    rows, examples = [], []
    for path, label in tqdm(photos, desc="shopper photos"):
        result, _, _, photo_reading = photo_turn(bot, str(path), "", limit)
        top = photo_reading.category[0][0] if photo_reading else None
        rows.append({"label": label, "half": validation_half(path),
                     "p5": _precision(bot, result, label, 5), "p10": _precision(bot, result, label, 10),
                     "filtered": "category" in result.constraints,  # the words say nothing: any category is the photo's
                     "right": top in SHOPPER_TO_CATALOG[label]})
        if len(examples) < 2 * len(SHOPPER_TO_CATALOG) and sum(r["label"] == label for r in rows) <= 2:
            examples.append((str(path), label, [h.sku for h in result.hits[:5]]))
    mean = lambda key, chosen: float(np.mean([r[key] for r in chosen])) if chosen else float("nan")  # noqa: E731
    report = [r for r in rows if r["half"] == "report"]
    tune = [r for r in rows if r["half"] == "tune"]
    filtered = [r for r in report if r["filtered"]]
    figures = {"photo_queries": len(rows), "photo_queries_report_half": len(report),
               "photo_queries_tune_half": len(tune),
               "photo_category_precision_at_5": mean("p5", report),
               "photo_category_precision_at_5_tune_half": mean("p5", tune),
               "photo_category_precision_at_10_report_half": mean("p10", report),
               "photo_category_precision_at_10": mean("p10", rows),  # all validation photos, as before the split
               "photo_reading_accuracy_report_half": mean("right", report),
               "photo_hard_filter_share_report_half": len(filtered) / len(report) if report else float("nan"),
               "photo_hard_filter_precision_report_half": mean("right", filtered)}
    for label in SHOPPER_TO_CATALOG:
        figures[f"photo_precision_at_5_{label}"] = mean("p5", [r for r in report if r["label"] == label])
        figures[f"photo_precision_at_10_{label}"] = mean("p10", [r for r in rows if r["label"] == label])
    return figures, examples


def reading_calibration(bot) -> tuple[dict, dict]:
    """How well the category readings' probabilities are calibrated, per half, on every validation
    photo read as production reads an upload. Two questions: the classifier's own (its top class,
    "other" included, against the photo class's training targets: what the temperature was fitted
    for) and the hard filter's (the top catalog category against the rubric; classes the catalog
    sells). Returns the ECE figures and the reliability curves."""
    from assistant.catalog.download import shopper_photos_root
    classes = bot.photo_reader.categories + [OTHER]
    halves: dict[str, list] = {"tune": [], "report": []}
    for path, label in tqdm(shopper_photos(shopper_photos_root(bot.settings), "validation"), desc="photo readings"):
        reading = bot.photo_reader.read_photo(str(path))
        by_class = {**dict(reading.category), OTHER: reading.other}
        halves[validation_half(path)].append(([by_class[c] for c in classes], label))
    figures, curves = {}, {}
    for half, chosen in halves.items():
        if not chosen:
            continue
        probs, labels = np.array([p for p, _ in chosen]), [label for _, label in chosen]
        mapped = [i for i, label in enumerate(labels) if label in SHOPPER_TO_CATALOG]
        curves[f"top class, {half} half"] = reliability(*class_right(probs, labels, classes))
        curves[f"top catalog category, {half} half"] = reliability(
            *top_right(probs[mapped], [labels[i] for i in mapped], classes))
        figures[f"photo_class_ece_{half}_half"] = curves[f"top class, {half} half"]["ece"]
        figures[f"photo_top_category_ece_{half}_half"] = curves[f"top catalog category, {half} half"]["ece"]
    return figures, curves


def text_to_image(bot, limit: int = 10) -> dict:
    from assistant.training.vision_data import product_text
    products = bot.catalog.all()
    texts = bot.embedder.encode([product_text(p) for p in products])
    ranks = [_rank([i for i, _ in bot.image_index.search(v, limit)], p.id) for p, v in zip(products, texts)]
    return {"text_to_image_recall_at_1": _recall(ranks, 1), "text_to_image_recall_at_10": _recall(ranks, 10)}


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _grid(bot, swaps: list, photos: list, path: Path) -> None:
    from PIL import Image
    plt = _plt()
    rows = [(a.image_path, f"{a.name}\n+ '{PARAPHRASES[0].format(c=b.color.lower())}'", skus) for a, b, skus in swaps]
    rows += [(p, f"shopper photo\n({label})", skus) for p, label, skus in photos[::2][:4]]
    fig, axes = plt.subplots(len(rows), 6, figsize=(12, 2.2 * len(rows)))
    for row, (query, title, skus) in zip(np.atleast_2d(axes), rows):
        for ax in row:
            ax.axis("off")
        row[0].imshow(Image.open(query).convert("RGB"))
        row[0].set_title(title, fontsize=7)
        for ax, sku in zip(row[1:], skus):
            product = bot.catalog.get(sku)
            ax.imshow(Image.open(product.image_path).convert("RGB"))
            ax.set_title(f"{product.name[:22]}\n{product.color} ${product.price:.0f}", fontsize=7)
    fig.suptitle("Photo queries (left) and the top 5 the assistant returns", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _paraphrase_bars(figures: dict, path: Path) -> None:
    plt = _plt()
    values = [figures[f"colour_swap_paraphrase_{_slug(t)}_recall_at_10"] for t in PARAPHRASES]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.barh([t.format(c="<colour>") for t in PARAPHRASES][::-1], values[::-1], color="tab:blue")
    for y, v in enumerate(values[::-1]):
        ax.text(min(v, 0.98), y, f"{v:.3f}", va="center", ha="right", color="white", fontsize=8)
    mean = figures["colour_swap_paraphrase_recall_at_10"]
    ax.axvline(mean, color="k", ls="--", label=f"mean {mean:.3f}")
    ax.axvline(0.95, color="r", ls=":", label="goal 0.95")
    ax.set(xlim=(0, 1), xlabel="Recall@10", title=f"Colour swap per wording "
           f"({figures['colour_swap_paraphrase_pairs']} pairs, catalog photo + request, production path)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _reliability_plot(curves: dict, reader: str, path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, question, xlabel, ylabel in (
            (axes[0], "top class", "probability of the top class (\"other\" included)", "its class is the photo's"),
            (axes[1], "top catalog category", "probability of the top catalog category", "right by the rubric")):
        for name, r in curves.items():
            if name.startswith(question + ","):
                ax.plot(r["confidence"], r["accuracy"], marker="o", label=f"{name.split(', ')[1]} (ECE {r['ece']:.3f})")
        ax.plot([0, 1], [0, 1], "k:", lw=1)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=xlabel, ylabel=ylabel, title=f"{question} ({reader} reader)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_vision_eval(settings, out_dir: Path, bot=None, sample: int | None = None) -> dict:
    """All figures, flat; `sample`: the paraphrase test on a seeded sample of pairs (default: all)."""
    import json

    from assistant import Assistant
    bot = bot or Assistant.from_settings(settings)
    if bot.photo_reader is None:
        raise RuntimeError("no image index: train the encoder (`python -m assistant train vision`), then `setup`")
    started = time.time()
    swap = colour_swap(bot)
    paraphrases, failures, swap_examples = colour_swap_paraphrases(bot, sample=sample)
    photos, photo_examples = shopper_photos_eval(bot)
    calibration, curves = reading_calibration(bot) if photos else ({}, {})
    sweep = ({**boost_weight_sweep(bot), **filter_threshold_sweep(bot)}
             if photos and bot.photo_reader.kind == "classifier" else {})
    figures = {**swap, **paraphrases, **photos, **calibration, **sweep, **text_to_image(bot),
               "photo_reader": bot.photo_reader.kind, "eval_seconds": round(time.time() - started, 1)}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _grid(bot, swap_examples, photo_examples, out_dir / "vision_examples.png")
    _paraphrase_bars(figures, out_dir / "vision_paraphrases.png")
    if curves:
        _reliability_plot(curves, bot.photo_reader.kind, out_dir / "vision_reliability.png")
    (out_dir / "vision_paraphrase_failures.json").write_text(json.dumps(failures, indent=1, default=str))
    return figures
