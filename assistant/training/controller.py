"""Stage 2 of the controller: LoRA adapters (peft) on the chat model, trained together with the
stage-1 image projector on the self-instruct dialogues (`python -m assistant train controller`).

Each turn of `data/controller/dialogues_train.jsonl` is one example: the compact prompt of
`assistant.planning` (dialogue state before the turn, photos, message) and the gold answer as the
constrained decoder would write it; the loss is on the answer tokens only. Every photo turn is
shown either as soft tokens (projector) or as the photo reader's predicted words, drawn 50/50 by
a seeded coin, so one adapter serves both ways of seeing a photo. Turns whose one price bound is
a plain phrase of their message also train as a twin with the opposite bound (`price_twins`).

The model learns to call the planned tools and any routed tool the dialogues' gold calls use (the
render tool); the adapter's `controller.json` lists them (`tools_trained`), so the tuned planner is
offered exactly those. `init_adapter` (`--init-adapter DIR`) continues from an adapter and its
projector instead of fresh LoRA weights: a shorter fine-tune, e.g. on a kind-balanced mix of new and
old turns (`--turns N`).

Seeded and resumable (a checkpoint every `checkpoint_every` steps, mid-epoch included; the run's
settings, the init adapter's content included, must match), tqdm progress, loss-curve PNG. The
adapter is saved with `save_pretrained` (loadable with `PeftModel.from_pretrained`) next to the
projector, in `assistant/weights/controller/` by default.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from assistant.planning.compact_format import IMAGE_TOKEN, MAX_PHOTOS, SYSTEM, TRAINING_RECORD, answer_ids, chatml, \
    photo_words, render_turn, tool_schemas, tools_trained

from assistant.training.price_twins import add_price_twins
from assistant.training.vision_data import photo_embeddings

# Attention and MLP: adapters on attention alone left this small model mixing up word meanings
# such as "at least" (a minimum) and "up to" (a maximum).
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def turn_examples(dialogues: list[dict]) -> list[dict]:
    """Every turn with what its prompt needs: context, message, the photos by name, the gold."""
    out = []
    for d in dialogues:
        paths: list[str] = []
        for turn in d["turns"]:
            sent = []
            for path in turn["photos"]:
                paths.append(path)
                sent.append(f"photo {len(paths)}")
            out.append({"dialogue": d["id"], "context": turn["context"], "text": turn["user"], "sent": sent,
                        "paths": {f"photo {i + 1}": p for i, p in enumerate(paths)}, "gold": turn["gold"],
                        "kind": turn["kind"], "constraints": turn["constraints"]})
    return out


def balanced_sample(examples: list[dict], n: int, seed: int) -> list[dict]:
    """A seeded subset of n turns drawn with weight 1/(turns of its kind)^0.35: rare kinds (sorted
    requests, out-of-scope questions) get more of the budget than their share, common ones less.
    Weighted sampling without replacement by Efraimidis-Spirakis keys u^(1/w)."""
    if n >= len(examples):
        return list(examples)
    counts: dict[str, int] = {}
    for e in examples:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    rng = random.Random(seed)
    keyed = sorted(examples, key=lambda e: rng.random() ** (counts[e["kind"]] ** 0.35), reverse=True)
    return keyed[:n]


class Encoded:
    """Token ids of prompt + answer, the answer's span, and the photo paths behind the image tokens."""

    def __init__(self, example: dict, tokenizer, schemas: dict, n_tokens: int, words: dict | None):
        encode = lambda text: tokenizer.encode(text, add_special_tokens=False)  # noqa: E731
        names = example["context"]["photos"] + example["sent"]
        photos = {n: words[example["paths"][n]] if words is not None else None for n in names}
        user = render_turn(example["context"], example["text"], example["sent"], photos, n_tokens)
        self.prompt = encode(chatml(SYSTEM, user))
        self.answer = answer_ids(encode, example["gold"], schemas)
        shown = [n for n in names[-MAX_PHOTOS:] if photos.get(n) is None]
        self.images = [example["paths"][n] for n in shown]


def trained_tools(examples: list[dict], registry, init_adapter: Path | None = None) -> list[str]:
    """The tools the model learns to call, in the registry's order: the planned ones, those the gold
    calls use (a routed tool such as render) and those the init adapter already knew."""
    gold = {e["gold"]["tool"] for e in examples if e["gold"]["tool"]}
    unknown = gold - set(registry.tools)
    if unknown:
        raise ValueError(f"gold calls to unknown tools {sorted(unknown)}")
    known = set(tools_trained(init_adapter, registry)) if init_adapter is not None else set()
    return [name for name in registry.tools if name in registry.names or name in gold | known]


def _digest(folder: Path) -> str:
    """The content of an adapter and its projector, for the checkpoint key (a path alone could be retrained)."""
    sha = hashlib.sha256()
    for name in ("adapter_model.safetensors", "projector.safetensors"):
        if (folder / name).exists():
            sha.update((folder / name).read_bytes())
    return sha.hexdigest()[:16]


def inputs_embeds(model, projector, ids: torch.Tensor, image_id: int, vectors: torch.Tensor | None):
    """Token embeddings with every image placeholder replaced by the projector's soft tokens
    (placeholders in reading order, n_tokens per photo, photos in `vectors` order)."""
    embeds = model.get_input_embeddings()(ids)
    mask = ids == image_id
    if vectors is not None and len(vectors):
        soft = projector(vectors).reshape(-1, embeds.shape[-1])
        if int(mask.sum()) != len(soft):
            raise ValueError(f"{int(mask.sum())} image placeholders for {len(soft)} soft tokens")
        embeds = embeds.masked_scatter(mask.unsqueeze(-1), soft.to(embeds.dtype))
    return embeds


def answer_loss(model, embeds, attention, labels) -> torch.Tensor:
    """Cross-entropy on the answer tokens, with the LM head applied to those positions only
    (the 49k-word head over every prompt position would cost a tenth of the step for nothing)."""
    causal = model.get_base_model()
    hidden = causal.model(inputs_embeds=embeds, attention_mask=attention).last_hidden_state
    targets = labels[:, 1:]
    where = targets != -100
    logits = causal.lm_head(hidden[:, :-1][where])
    return torch.nn.functional.cross_entropy(logits.float(), targets[where])


def _order(encoded: list, batch_size: int, seed: int) -> list[int]:
    """A seeded shuffle, sorted by length within windows of 8 batches (little padding), then the
    batches shuffled again so lengths do not drift through the epoch."""
    rng = random.Random(seed)
    order = list(range(len(encoded)))
    rng.shuffle(order)
    window = 8 * batch_size
    batches = []
    for at in range(0, len(order), window):
        chunk = sorted(order[at:at + window], key=lambda i: len(encoded[i].prompt) + len(encoded[i].answer))
        batches += [chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return [i for batch in batches for i in batch]


def _batch(items: list[Encoded], pad_id: int, vectors: dict[str, torch.Tensor]):
    width = max(len(e.prompt) + len(e.answer) for e in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), -100, dtype=torch.long)
    attention = torch.zeros((len(items), width), dtype=torch.long)
    for row, e in enumerate(items):
        seq = e.prompt + e.answer
        ids[row, :len(seq)] = torch.tensor(seq)
        labels[row, len(e.prompt):len(seq)] = torch.tensor(e.answer)
        attention[row, :len(seq)] = 1
    images = [vectors[p] for e in items for p in e.images]
    return ids, labels, attention, (torch.stack(images) if images else None)


def train_controller(settings, epochs: int = 1, batch_size: int = 8, lr: float = 1e-3, projector_lr: float = 2e-4,
                     rank: int = 16, train_limit: int | None = None, price_twins: float = 1.0,
                     checkpoint_every: int = 50,
                     dialogues_path: Path | None = None, out_dir: Path = Path("data/reports"),
                     weights_dir: Path | None = None, work_dir: Path | None = None, projector_path: Path | None = None,
                     cache_dir: Path | None = None, init_adapter: Path | None = None, model=None, tokenizer=None) -> dict:
    """Train LoRA + projector; returns the figures printed by the CLI. Resumes from work_dir's
    checkpoint when its settings match. train_limit: a seeded subset of turns (quick runs, tests);
    price_twins: the share of turns with a single price bound that also train as their twin;
    projector_path: the stage-1 projector (default: the init adapter's, else data/models/projector/);
    init_adapter: an adapter directory (save_pretrained + projector) to continue from, instead of
    fresh LoRA weights (its rank and targets then hold; `rank` is ignored); model, tokenizer:
    another causal LM to adapt (tests use a tiny one)."""
    from peft import LoraConfig, PeftModel, get_peft_model

    from assistant.storage import open_catalog
    from assistant.models.text_embedder import get_text_embedder
    from assistant.models.chat_model import DEFAULT_MODEL, fresh_causal_lm
    from assistant.models.photo_reader import PhotoReader
    from assistant.models.image_encoder import get_image_encoder
    from tools.registry import ToolRegistry

    from assistant.models.projector import ImageProjector

    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    dialogues_path = Path(dialogues_path or settings.data_dir / "controller" / "dialogues_train.jsonl")
    if not dialogues_path.exists():
        raise FileNotFoundError(f"{dialogues_path} is missing: run `python -m assistant train dialogues` first")
    dialogues = [json.loads(line) for line in dialogues_path.read_text().splitlines() if line.strip()]
    examples = turn_examples(dialogues)
    if train_limit is not None:
        examples = balanced_sample(examples, train_limit, settings.seed)
    examples = add_price_twins(examples, price_twins, settings.seed)

    init = Path(init_adapter) if init_adapter is not None else None
    if init is not None and not (init / "adapter_config.json").exists():
        raise FileNotFoundError(f"--init-adapter {init}: no adapter_config.json there")
    registry = ToolRegistry()
    tools = trained_tools(examples, registry, init)
    schemas = tool_schemas(registry, tools)

    if model is None:
        model, tokenizer = fresh_causal_lm(settings.chat_model, settings.models_dir)
    if projector_path is None and init is not None and (init / "projector.safetensors").exists():
        projector_path = init / "projector.safetensors"
    projector_path = Path(projector_path or settings.models_dir / "projector" / "projector.safetensors")
    if not projector_path.exists():
        raise FileNotFoundError(f"{projector_path} is missing: run `python -m assistant train projector` (stage 1)")
    projector = ImageProjector.load(projector_path)
    n_tokens = projector.config["n_tokens"]

    # Photos: embeddings for the soft tokens, the reader's words for the text view.
    paths = sorted({p for e in examples for p in e["paths"].values()})
    vectors = {p: torch.from_numpy(v) for p, v in
               photo_embeddings(paths, Path(cache_dir or settings.data_dir / "cache") / "controller_photos.npz").items()}
    catalog = open_catalog(settings)
    reader = PhotoReader(get_image_encoder(), get_text_embedder(settings.text_model), catalog)
    words = {p: photo_words(reader.read(v.numpy())) for p, v in vectors.items()}
    coin = random.Random(settings.seed)
    encoded = [Encoded(e, tokenizer, schemas, n_tokens, words if coin.random() < 0.5 else None)
               for e in tqdm(examples, desc="encoding turns", unit="turn")]

    if init is None:
        config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=LORA_TARGETS,
                            task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
    else:  # continue from its LoRA weights (trainable), with its rank and targets
        model = PeftModel.from_pretrained(model, str(init), is_trainable=True)
        rank = model.peft_config["default"].r
    optimizer = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.requires_grad], "lr": lr},
                                   {"params": projector.parameters(), "lr": projector_lr}], weight_decay=0.0)
    steps_per_epoch = -(-len(encoded) // batch_size)
    total = epochs * steps_per_epoch
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / total))
    run = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "projector_lr": projector_lr, "rank": rank,
           "examples": len(encoded), "seed": settings.seed, "n_tokens": n_tokens,
           "targets": LORA_TARGETS if init is None else sorted(model.peft_config["default"].target_modules),
           "price_twins": price_twins, "tools": tools, "dialogues": str(dialogues_path),
           "init_adapter": str(init) if init is not None else None,
           "init_digest": _digest(init) if init is not None else None}
    work = Path(work_dir or settings.models_dir / "controller_training")
    checkpoint = work / "checkpoint.pt"
    step, losses, seconds = 0, [], 0.0
    if checkpoint.exists():
        saved = torch.load(checkpoint, weights_only=False)
        if saved["run"] == run:
            model.load_state_dict(saved["lora"], strict=False)
            projector.load_state_dict(saved["projector"])
            optimizer.load_state_dict(saved["optimizer"])
            schedule.load_state_dict(saved["schedule"])
            step, losses, seconds = saved["step"], saved["losses"], saved["seconds"]

    image_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    model.train()
    projector.train()
    start = time.perf_counter() - seconds
    bar = tqdm(total=total, initial=step, desc="controller LoRA", unit="step")
    while step < total:
        epoch, at = divmod(step, steps_per_epoch)
        order = _order(encoded, batch_size, settings.seed + epoch)
        ids, labels, attention, images = _batch([encoded[i] for i in order[at * batch_size:(at + 1) * batch_size]],
                                                tokenizer.eos_token_id, vectors)
        embeds = inputs_embeds(model, projector, ids, image_id, images)
        loss = answer_loss(model, embeds, attention, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        step += 1
        losses.append(float(loss.detach()))
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        if step % checkpoint_every == 0 or step == total:
            work.mkdir(parents=True, exist_ok=True)
            lora = {k: v for k, v in model.state_dict().items() if "lora_" in k}
            torch.save({"run": run, "lora": lora, "projector": projector.state_dict(), "step": step,
                        "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "losses": losses,
                        "seconds": time.perf_counter() - start}, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").replace(checkpoint)
    bar.close()
    seconds = time.perf_counter() - start

    weights = Path(weights_dir or settings.controller_adapter_dir)
    weights.mkdir(parents=True, exist_ok=True)
    if settings.chat_model == DEFAULT_MODEL:  # name the public base model, not this machine's cache path
        model.peft_config["default"].base_model_name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct"
    model.save_pretrained(weights, save_embedding_layers=False)  # LoRA only; and no hub lookup to decide
    (weights / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
    projector.save(weights / "projector.safetensors")
    record = {"tools_trained": tools, "init_adapter": run["init_adapter"], "init_digest": run["init_digest"],
              "dialogues": run["dialogues"], "examples": len(encoded), "steps": step}
    (weights / TRAINING_RECORD).write_text(json.dumps(record, indent=2))  # read by planning's tools_trained
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {**run, "steps": step, "train_s": seconds, "final_loss": float(np.mean(losses[-50:])),
              "first_loss": float(np.mean(losses[:20])), "losses": losses}
    (out_dir / "controller_training.json").write_text(json.dumps(report, indent=2))
    _plot(losses, steps_per_epoch, out_dir / "controller_training.png")
    return {k: v for k, v in report.items() if k != "losses"}


def _plot(losses: list[float], steps_per_epoch: int, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(losses, alpha=0.35, label="batch")
    if len(losses) >= 20:
        ax.plot(range(19, len(losses)), np.convolve(losses, np.ones(20) / 20, mode="valid"), label="mean of 20")
    for e in range(steps_per_epoch, len(losses), steps_per_epoch):
        ax.axvline(e, color="grey", lw=0.8, ls="--")
    ax.set(title="controller stage 2 (LoRA + projector): loss on the answer tokens", xlabel="step",
           ylabel="cross-entropy", yscale="log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
