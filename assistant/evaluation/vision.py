"""`python -m assistant eval vision`: photos against the catalog, with the production search path.

* Colour-swap composed retrieval on Luma: query = main image of product P in colour A plus
  "in <colour B>", target = P in colour B. Methods: image only (the photo's embedding against
  the image index), text only (the words' embedding against the image index), naive sum (the two
  embeddings added), and ours (tools.retriever.hybrid_search: the colour in the words becomes a
  constraint, the photo ranks within it on the image and fused indexes).
* Shopper photo to catalog: clothing-dataset-small validation photos whose class has a Luma
  counterpart; precision@10 of the category of what photo-only search returns.
* Text to image: each product's short text against image-only embeddings, Recall@10.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from tools.base import ToolContext
from tools.retriever import hybrid_search

# Shopper-photo classes with a Luma counterpart, and the catalog categories that count as right.
# Button-up shirts, dresses, skirts, hats and shoes have no Luma counterpart and are left out.
SHOPPER_TO_CATALOG = {
    "t-shirt": {"Tees", "Tanks", "Bras & Tanks"}, "longsleeve": {"Tees", "Hoodies & Sweatshirts", "Jackets"},
    "outwear": {"Jackets", "Hoodies & Sweatshirts"}, "pants": {"Pants"}, "shorts": {"Shorts"},
}
KS = (1, 5, 10)


def _recall(ranks: list[int | None], k: int) -> float:
    return sum(r is not None and r < k for r in ranks) / len(ranks) if ranks else 0.0


def _rank(ranking: list[int], target: int) -> int | None:
    return ranking.index(target) if target in ranking else None


def colour_swap(bot, limit: int = 10) -> dict:
    catalog, image_index = bot.catalog, bot.image_index
    embed = bot.photo_reader.embed
    pairs = [(a, b) for parent in {p.parent_sku for p in catalog.all()}
             for a in catalog.variants(parent) for b in catalog.variants(parent)
             if a.sku != b.sku and a.color and b.color and a.color != b.color]
    ranks = {m: [] for m in ("image_only", "text_only", "naive_sum", "ours")}
    ctx = ToolContext(catalog=catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                      embedder=bot.embedder, image_index=image_index, fused_index=bot.fused_index)
    examples = []
    for a, b in tqdm(pairs, desc="colour-swap queries"):
        photo = embed([a.image_path])[0]
        words = bot.embedder.encode_one(f"in {b.color.lower()}")
        naive = photo + words
        for method, q in (("image_only", photo), ("text_only", words), ("naive_sum", naive)):
            ranking = [i for i, _ in image_index.search(q, limit + 1) if i != a.id][:limit]
            ranks[method].append(_rank(ranking, b.id))
        ours = hybrid_search(ctx, "", {"color": b.color}, limit, photos=[photo], photo_names=["query"])
        ranking = [catalog.get(h.sku).id for h in ours.hits]
        ranks["ours"].append(_rank(ranking, b.id))
        if len(examples) < 4 and a.category != (examples[-1][0].category if examples else None):
            examples.append((a, b, [h.sku for h in ours.hits[:5]]))
    figures = {"colour_swap_queries": len(pairs)}
    for method, r in ranks.items():
        for k in KS:
            figures[f"colour_swap_{method}_recall_at_{k}"] = _recall(r, k)
    figures["colour_swap_recall_at_10"] = figures["colour_swap_ours_recall_at_10"]
    return figures, examples


def shopper_photos(bot, limit: int = 10) -> tuple[dict, list]:
    from assistant.catalog.download import shopper_photos_root
    root = shopper_photos_root(bot.settings)
    if root is None:
        return {}, []
    ctx = ToolContext(catalog=bot.catalog, vocab=bot.vocab, settings=bot.settings, text_index=bot.text_index,
                      embedder=bot.embedder, image_index=bot.image_index, fused_index=bot.fused_index)
    precisions, per_class, examples = [], {}, []
    for label, wanted in SHOPPER_TO_CATALOG.items():
        paths = sorted((root / "validation" / label).glob("*.jpg"))
        vectors = bot.photo_reader.embed([str(p) for p in paths])
        scores = []
        for path, vector in tqdm(list(zip(paths, vectors)), desc=f"shopper photos: {label}"):
            guess = bot.photo_reader.read(vector).category_guess(bot.settings.photo_category_min)
            hits = hybrid_search(ctx, "", {}, limit, photos=[vector], photo_names=["query"],
                                 photo_category=guess).hits
            scores.append(sum(bot.catalog.get(h.sku).category in wanted for h in hits) / limit)
            if len(examples) < 2 * len(SHOPPER_TO_CATALOG) and len(scores) <= 2:
                examples.append((str(path), label, [h.sku for h in hits[:5]]))
        per_class[f"photo_precision_at_10_{label}"] = float(np.mean(scores))
        precisions += scores
    return {"photo_queries": len(precisions), "photo_category_precision_at_10": float(np.mean(precisions)),
            **per_class}, examples


def text_to_image(bot, limit: int = 10) -> dict:
    from assistant.training.vision_data import product_text
    products = bot.catalog.all()
    texts = bot.embedder.encode([product_text(p) for p in products])
    ranks = [_rank([i for i, _ in bot.image_index.search(v, limit)], p.id) for p, v in zip(products, texts)]
    return {"text_to_image_recall_at_1": _recall(ranks, 1), "text_to_image_recall_at_10": _recall(ranks, 10)}


def _grid(bot, swaps: list, photos: list, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    rows = [(a.image_path, f"{a.name}\n+ 'in {b.color.lower()}'", skus) for a, b, skus in swaps]
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


def run_vision_eval(settings, out_dir: Path, bot=None) -> dict:
    from assistant import Assistant
    bot = bot or Assistant.from_settings(settings)
    if bot.photo_reader is None:
        raise RuntimeError("no image index: train the encoder (`python -m assistant train vision`), then `setup`")
    swap, swap_examples = colour_swap(bot)
    photos, photo_examples = shopper_photos(bot)
    figures = {**swap, **photos, **text_to_image(bot)}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _grid(bot, swap_examples, photo_examples, out_dir / "vision_examples.png")
    return figures
