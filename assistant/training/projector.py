"""Stage 1 of LLaVA-style image input for the controller: a projector from the image encoder's
384-d embedding to a few soft tokens in the chat model's input-embedding space, trained alone
(the language model frozen) to describe catalog and shopper photos: "women's red jacket".

`python -m assistant train projector` — seeded, resumable (a checkpoint per epoch), progress
bars, loss curve PNG; held-out accuracy of the descriptions' words (category, colour, gender) on
alternate catalog views never trained on and on the shopper photos' validation split.
Stage 2 (LoRA adapters on the language model, trained with the projector on the dialogues)
builds on this module.
"""
from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from assistant.models.projector import ImageProjector

from assistant.models.photo_reader import CATEGORY_NOUNS
from assistant.training.vision_data import SHOPPER_CLASSES, luma_items, photo_embeddings, shopper_items

PROMPT = "Describe the item in the photo:"
WHO = {"Men": "men's ", "Women": "women's "}


def descriptions(products, root, split: str) -> list[tuple[str, str, dict]]:
    """(image path, target text, its words by attribute) for catalog views and shopper photos.
    split "train": every catalog view but the held-out ones, and the shopper train photos;
    "heldout": one alternate view per product (never trained on), and the validation photos."""
    train, heldout = luma_items(products)
    out = []
    for item in (train if split == "train" else heldout):
        p = products[item.products[0]]
        noun = CATEGORY_NOUNS.get(p.category, p.category.lower())
        colour = p.color.lower() if p.color else ""
        words = {"category": noun, "colour": colour, "gender": WHO.get(p.gender, "").strip()}
        out.append((item.path, " ".join(w for w in (WHO.get(p.gender, "").strip(), colour, noun) if w), words))
    for item in shopper_items(root, "train" if split == "train" else "validation"):
        noun = SHOPPER_CLASSES[item.label][0].removeprefix("a ").removeprefix("an ")
        out.append((item.path, noun, {"category": noun}))
    return out


class _Describer:
    """The frozen language model with soft image tokens in front of the prompt."""

    def __init__(self, model, tokenizer, projector: ImageProjector):
        self.model, self.tokenizer, self.projector = model, tokenizer, projector
        self.embed = model.get_input_embeddings()
        self.prompt = torch.tensor(tokenizer(PROMPT, add_special_tokens=False)["input_ids"])

    def inputs(self, images: torch.Tensor, targets: list[str] | None = None):
        """inputs_embeds, attention mask and labels (-100 outside the target words)."""
        soft = self.projector(images)
        n = len(images)
        prompt = self.embed(self.prompt).unsqueeze(0).expand(n, -1, -1)
        if targets is None:
            embeds = torch.cat([soft, prompt], 1)
            return embeds, torch.ones(embeds.shape[:2], dtype=torch.long), None
        eos = self.tokenizer.eos_token_id
        ids = [self.tokenizer(" " + t, add_special_tokens=False)["input_ids"] + [eos] for t in targets]
        width = max(map(len, ids))
        target = torch.full((n, width), eos, dtype=torch.long)
        mask = torch.zeros((n, width), dtype=torch.long)
        for row, seq in enumerate(ids):
            target[row, :len(seq)], mask[row, :len(seq)] = torch.tensor(seq), 1
        embeds = torch.cat([soft, prompt, self.embed(target)], 1)
        prefix = soft.shape[1] + prompt.shape[1]
        attention = torch.cat([torch.ones((n, prefix), dtype=torch.long), mask], 1)
        labels = torch.full(attention.shape, -100, dtype=torch.long)
        labels[:, prefix:] = torch.where(mask.bool(), target, torch.tensor(-100))
        return embeds, attention, labels

    @torch.no_grad()
    def describe(self, images: torch.Tensor, max_new_tokens: int = 8) -> list[str]:
        embeds, attention, _ = self.inputs(images)
        out = self.model.generate(inputs_embeds=embeds, attention_mask=attention, max_new_tokens=max_new_tokens,
                                  do_sample=False, pad_token_id=self.tokenizer.eos_token_id)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]


def word_accuracy(said: list[str], words: list[dict]) -> dict[str, float]:
    """Share of held-out photos whose description contains the right word, per attribute."""
    scores: dict[str, list[bool]] = {}
    for text, wanted in zip(said, words):
        for attribute, word in wanted.items():
            if word:
                # "men's" must not match inside "women's"
                scores.setdefault(attribute, []).append(bool(re.search(rf"(?<![a-z]){re.escape(word)}", text.lower())))
    return {a: float(np.mean(v)) for a, v in scores.items()}


def train_projector(settings, epochs: int = 3, n_tokens: int = 4, kind: str = "mlp2x_gelu", lr: float = 1e-3,
                    batch_size: int = 16, eval_limit: int = 300, train_limit: int | None = None,
                    out_dir: Path = Path("data/reports"), work_dir: Path | None = None,
                    cache_dir: Path | None = None, model=None, tokenizer=None) -> dict:
    """Train the projector (the chat model frozen); writes work_dir (default data/models/projector/),
    a loss curve and per-epoch held-out word accuracy. Resumes from the last finished epoch.
    train_limit: a seeded subset of the training photos (for quick runs)."""
    from assistant.storage import open_catalog
    from assistant.catalog.download import shopper_photos_root
    from assistant.models.chat_model import load_causal_lm
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    if model is None:
        model, tokenizer = load_causal_lm(settings.chat_model, settings.models_dir)
    for param in model.parameters():
        param.requires_grad_(False)
    products, root = open_catalog(settings).all(), shopper_photos_root(settings)
    train, held = descriptions(products, root, "train"), descriptions(products, root, "heldout")
    held = random.Random(settings.seed).sample(held, min(eval_limit, len(held)))
    if train_limit is not None:
        train = random.Random(settings.seed).sample(train, min(train_limit, len(train)))
    cache_dir = Path(cache_dir or settings.data_dir / "cache")
    vectors = photo_embeddings([p for p, _, _ in train + held], cache_dir / "projector_photos.npz")
    train_x = torch.from_numpy(np.stack([vectors[p] for p, _, _ in train]))
    held_x = torch.from_numpy(np.stack([vectors[p] for p, _, _ in held]))

    work = Path(work_dir or settings.models_dir / "projector")
    checkpoint = work / "checkpoint.pt"
    projector = ImageProjector(train_x.shape[1], model.config.hidden_size, n_tokens, kind)
    optimizer = torch.optim.AdamW(projector.parameters(), lr=lr)
    history: list[dict] = []
    if checkpoint.exists():  # resume: same data and settings, next epoch
        state = torch.load(checkpoint, weights_only=False)
        if state["config"] == projector.config:
            projector.load_state_dict(state["projector"])
            optimizer.load_state_dict(state["optimizer"])
            history = state["history"]
    describer = _Describer(model, tokenizer, projector)
    start = time.perf_counter()
    for epoch in range(len(history), epochs):
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(settings.seed + epoch))
        losses = []
        bar = tqdm(range(0, len(order), batch_size), desc=f"projector epoch {epoch + 1}/{epochs}", unit="batch")
        for at in bar:
            idx = order[at:at + batch_size]
            embeds, attention, labels = describer.inputs(train_x[idx], [train[i][1] for i in idx.tolist()])
            loss = model(inputs_embeds=embeds, attention_mask=attention, labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        said = [t for at in range(0, len(held), 64) for t in describer.describe(held_x[at:at + 64])]
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "losses": losses,
                        "heldout": word_accuracy(said, [w for _, _, w in held]), "examples": list(zip(
                            [t for _, t, _ in held[:8]], said[:8]))})
        work.mkdir(parents=True, exist_ok=True)
        torch.save({"config": projector.config, "projector": projector.state_dict(),
                    "optimizer": optimizer.state_dict(), "history": history}, checkpoint)
    projector.save(work / "projector.safetensors")
    _plot(history, Path(out_dir) / "projector_training.png")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    (Path(out_dir) / "projector_training.json").write_text(json.dumps(history, indent=2))
    last = history[-1]
    return {"train_photos": len(train), "heldout_photos": len(held), "epochs": len(history),
            "final_loss": last["loss"], "train_s_this_run": time.perf_counter() - start,
            **{f"heldout_{a}_accuracy": v for a, v in last["heldout"].items()}}


def _plot(history: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    steps = [loss for h in history for loss in h["losses"]]
    axes[0].plot(steps, alpha=0.4)
    axes[0].plot(np.convolve(steps, np.ones(20) / 20, mode="valid"))
    axes[0].set(title="projector stage 1: training loss", xlabel="batch")
    for attribute in history[-1]["heldout"]:
        axes[1].plot([h["epoch"] for h in history], [h["heldout"][attribute] for h in history], "o-", label=attribute)
    axes[1].set(title="held-out photos: right word in the description", xlabel="epoch", ylim=(0, 1))
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
