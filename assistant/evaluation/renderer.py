"""`python -m assistant eval renderer` and `bench renderer`: renders scored against real photos.

Recolour: every ordered (source colour -> target colour) pair of the HELD-OUT products' variants
(never trained on), at 256 x 320. Methods: do nothing (the source), the LAB baseline (colour
statistics learned from the training products) and the diffusion renderer (its 64 x 80 colour
decision transferred onto the source, as shown to shoppers). On the garment mask against the real
target photo: PSNR, SSIM, CIEDE2000. Then as our image tower sees it: the colour it reads (top-1
== the target colour) and the rank of the real target variant among all catalog photos when the
render is the query (the source variant competes too).

Decoder (words -> image): captions of held-out products decoded at 64 x 80. KID on the image
tower's features against the held-out products' real photos, with real-vs-real (training
products' photos against the same held-out photos) as the floor; and render-then-retrieve against
searching the image index with the words' own embedding, by whether the top 5 have the caption's
category and colour.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from assistant.storage import open_catalog
from assistant.models.image_encoder import get_image_encoder
from assistant.models.photo_reader import CATEGORY_NOUNS, PhotoReader
from assistant.models.text_embedder import get_text_embedder
from assistant.rendering.colour import lab_recolour, transfer_colour
from assistant.rendering.metrics import delta_e, kid, psnr, ssim
from assistant.rendering.renderer import Renderer
from assistant.rendering.variants import EVAL_SIZE, VariantImages, is_held_out, split_groups, variant_groups
from assistant.settings import Settings
from tools.index import load_index

METHODS = ("none", "baseline", "renderer")
BATCH = 8


def run_renderer_eval(settings: Settings, out_dir: Path, limit: int | None = None) -> dict:
    catalog = open_catalog(settings)
    embedder = get_text_embedder(settings.text_model)
    renderer = Renderer.load(settings, embedder)
    encoder = get_image_encoder(settings.image_encoder)
    reader = PhotoReader(encoder, embedder, catalog)
    index = load_index(settings.index_dir / "image")
    _, held = split_groups(variant_groups(catalog.all()))
    decoded = VariantImages.build(held, EVAL_SIZE, settings.data_dir / "rendering")
    pairs = [(a, b, g.parent_sku) for g in held for a, b in g.pairs()]
    skipped = [(a, b) for a, b, _ in pairs if b.color not in renderer.targets]
    pairs = [p for p in pairs if p[1].color in renderer.targets][:limit]

    scores = {m: {"psnr": [], "ssim": [], "delta_e": [], "colour_ok": [], "rank": []} for m in (*METHODS, "real_target")}
    examples = []
    for start in tqdm(range(0, len(pairs), BATCH), desc="renderer on held-out pairs", unit="batch"):
        chunk = pairs[start:start + BATCH]
        sources = np.stack([decoded.images[a.sku] for a, _, _ in chunk])
        masks = np.stack([decoded.masks[parent] for _, _, parent in chunk])
        small = renderer.model_recolour(sources, masks, [b.color for _, b, _ in chunk])
        for (a, b, parent), src, mask, low in zip(chunk, sources, masks, small):
            target = decoded.images[b.sku]
            outputs = {"none": src, "baseline": lab_recolour(src, mask, b.color, renderer.targets),
                       "renderer": transfer_colour(src, mask, low), "real_target": target}
            vectors = encoder.encode([Image.fromarray(im) for im in outputs.values()])
            for (method, image), vector in zip(outputs.items(), vectors):
                s = scores[method]
                if method != "real_target":
                    s["psnr"].append(psnr(image, target, mask))
                    s["ssim"].append(ssim(image, target, mask))
                    s["delta_e"].append(delta_e(image, target, mask))
                s["colour_ok"].append(reader.read(vector).color[0][0] == b.color)
                ranking = [i for i, _ in index.search(vector, 50)]
                s["rank"].append(ranking.index(b.id) if b.id in ranking else 50)
            if len(examples) < 8 and (not examples or examples[-1][0].parent_sku != parent):
                examples.append((a, b, src, target, outputs["baseline"], outputs["renderer"]))

    figures = {"pairs": len(pairs), "pairs_skipped_colour_unseen_in_training": len(skipped),
               "held_out_products": len(held)}
    for method, s in scores.items():
        if s["psnr"]:
            figures[f"{method}_psnr"] = round(float(np.mean(s["psnr"])), 2)
            figures[f"{method}_ssim"] = round(float(np.mean(s["ssim"])), 3)
            figures[f"{method}_delta_e"] = round(float(np.mean(s["delta_e"])), 2)
        figures[f"{method}_color_accuracy"] = round(float(np.mean(s["colour_ok"])), 3)
        figures[f"{method}_target_top1"] = round(float(np.mean([r < 1 for r in s["rank"]])), 3)
        figures[f"{method}_target_top5"] = round(float(np.mean([r < 5 for r in s["rank"]])), 3)
    # The names for the diffusion renderer's figures (the others already have theirs).
    figures["render_color_accuracy"] = figures["renderer_color_accuracy"]
    figures["render_target_top5"] = figures["renderer_target_top5"]
    figures.update(decoder_eval(renderer, encoder, embedder, catalog, index, out_dir))
    figures["render_p50_s"] = time_renders(renderer, held, n=8)["recolour_p50_s"]  # the default method
    figures["train_minutes"] = renderer.meta.get("train_minutes")
    figures["train_steps"] = renderer.meta.get("steps")
    figures["default_method"] = settings.renderer
    _grid(examples, out_dir / "renderer_examples.png")
    return figures


def decoder_eval(renderer: Renderer, encoder, embedder, catalog, index, out_dir: Path) -> dict:
    """Words -> image on held-out products' captions: KID and render-then-retrieve vs. words."""
    products = catalog.all()
    held = [p for p in products if is_held_out(p.parent_sku) and p.color]
    train = [p for p in products if not is_held_out(p.parent_sku)]
    captions = [f"a photo of a {p.color.lower()} {CATEGORY_NOUNS.get(p.category, p.category.lower())}" for p in held]
    decoded = np.concatenate([renderer.imagine(captions[i:i + BATCH], seed=i)
                              for i in tqdm(range(0, len(captions), BATCH), desc="decoding captions", unit="batch")])
    real_held = encoder.encode([p.image_path for p in held])
    real_train = encoder.encode([p.image_path for p in train[: len(held) * 2]])
    fake = encoder.encode([Image.fromarray(im) for im in decoded])
    words = embedder.encode(captions)

    def precision(vectors) -> float:
        hits = []
        for p, v in zip(held, vectors):
            top = [catalog.by_id(i) for i, _ in index.search(v, 5)]
            hits += [q.category == p.category and q.color == p.color for q in top]
        return round(float(np.mean(hits)), 3)

    _strip(decoded[:16], [p.name for p in held[:16]], captions[:16], out_dir / "renderer_decoded.png")
    return {"decoder_captions": len(captions), "decoder_kid": round(kid(fake, real_held), 4),
            "decoder_kid_real_floor": round(kid(real_train, real_held), 4),
            "render_then_retrieve_p5": precision(fake), "words_retrieve_p5": precision(words)}


def time_renders(renderer: Renderer, groups, n: int = 8, method: str | None = None) -> dict:
    """Wall time of whole renders as the tool makes them (full-resolution output, not stored), with
    `method` (default: the configured one); each job is another product, so its mask is found too."""
    jobs = [(g, p, q.color) for g in groups for p, q in g.pairs()][:: max(1, len(groups) // n)][:n]
    configured, renderer.method = renderer.method, method or renderer.method
    times = []
    try:
        for g, product, colour in tqdm(jobs, desc=f"timing {renderer.method} renders", unit="render"):
            start = time.perf_counter()
            renderer.recolour(product, list(g.variants), colour)
            times.append(time.perf_counter() - start)
    finally:
        renderer.method = configured
    return {"renders_timed": len(times), "recolour_p50_s": round(statistics.median(times), 2),
            "recolour_max_s": round(max(times), 2)}


def run_renderer_bench(settings: Settings, turns: int) -> dict:
    """`bench renderer`: render p50 for colour renders by each method, composites and words."""
    catalog = open_catalog(settings)
    renderer = Renderer.load(settings, get_text_embedder(settings.text_model))
    _, held = split_groups(variant_groups(catalog.all()))
    renderer.recolour(held[0].variants[0], list(held[0].variants), held[0].variants[1].color)  # warm-up
    figures = {"renderer": settings.renderer}
    for method in ("lab", "diffusion"):
        timed = time_renders(renderer, held, n=turns, method=method)
        figures.update({"renders_timed": timed["renders_timed"], f"{method}_p50_s": timed["recolour_p50_s"],
                        f"{method}_max_s": timed["recolour_max_s"]})
    photo = next(Path(settings.data_mirror, "clothing-dataset-small", "validation").rglob("*.jpg"))
    for name, work in (("composite", lambda g: renderer.composite(g.variants[0], list(g.variants), photo)),
                       ("words", lambda g: renderer.imagine(f"a {g.variants[0].color.lower()} jacket"))):
        times = []
        for g in held[:turns]:
            start = time.perf_counter()
            work(g)
            times.append(time.perf_counter() - start)
        figures[f"{name}_p50_s"] = round(statistics.median(times), 2)
    figures["render_p50_s"] = figures[f"{settings.renderer}_p50_s"]
    return figures


def _grid(examples, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if not examples:
        return
    titles = ("source", "real target", "LAB baseline", "diffusion render")
    fig, axes = plt.subplots(len(examples), 4, figsize=(8, 2.6 * len(examples)), squeeze=False)
    for row, (a, b, *images) in zip(axes, examples):
        for ax, image, title in zip(row, images, titles):
            ax.imshow(image)
            ax.set_axis_off()
            ax.set_title(f"{title}" + (f"\n{a.name[:22]} {a.color}->{b.color}" if title == "source" else ""), fontsize=7)
    fig.suptitle("held-out products: source -> target colour", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _strip(images, names, captions, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 8, figsize=(12, 4.2), squeeze=False)
    for ax, image, caption in zip(axes.flat, images, captions):
        ax.imshow(image)
        ax.set_title(caption.replace("a photo of a ", ""), fontsize=7)
        ax.set_axis_off()
    fig.suptitle("decoded from words (64 x 80), held-out products' captions", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
