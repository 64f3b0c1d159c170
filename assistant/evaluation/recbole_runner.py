"""Train and test RecBole models on our own pre-split data; write the results as JSON.

Standalone: it runs inside the RecBole benchmark env (see recbole_env.py), where our package is
not installed, so it imports only the standard library, torch and recbole.

    python recbole_runner.py --data-dir D --dataset NAME --models BPR LightGCN MultiVAE --out results.json \
        [--epochs N] [--seed 2020]

D/NAME/ holds NAME.train.inter, NAME.valid.inter and NAME.test.inter (RecBole atomic files with the
header `user_id:token  item_id:token  rating:float  timestamp:float`). `benchmark_filename` makes
RecBole use exactly that split instead of splitting again. Every interaction is a positive
(implicit feedback, no rating threshold). Test ranks all items, with the user's train and valid
items masked out (RecBole's full-sort history mask). Each model's entry also lists every test
user's top-10 items (`test_top`), for figures per user (by history length).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import torch

import recbole
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.utils import get_model, get_trainer, init_seed
from recbole.utils.logger import RemoveColorFilter

# Hyperparameters echoed into the JSON, so a result says what produced it.
REPORTED_KEYS = ("epochs", "train_batch_size", "learning_rate", "learner", "weight_decay",
                 "embedding_size", "n_layers", "reg_weight", "stopping_step", "eval_step",
                 "train_neg_sample_args", "valid_metric", "seed")


# Per-model settings: MultiVAE is a non-sampling model (its loss is over every item of a user's
# history row, and RecBole feeds it users, not pairs), so negative sampling is turned off.
MODEL_OVERRIDES = {"MultiVAE": {"train_neg_sample_args": None}}
TOP_K = 10


def make_config(model: str, dataset: str, data_dir: Path, checkpoint_dir: Path,
                seed: int, epochs: int | None) -> Config:
    overrides = {
        "data_path": str(data_dir),
        "benchmark_filename": ["train", "valid", "test"],
        "load_col": {"inter": ["user_id", "item_id", "rating", "timestamp"]},
        "threshold": None, "val_interval": None,  # implicit feedback: keep every interaction
        "eval_args": {"split": {"RS": [0.8, 0.1, 0.1]}, "order": "RO",  # split/order unused
                      "group_by": "user", "mode": "full"},                # with benchmark files
        "metrics": ["Recall", "NDCG", "MRR"], "topk": [10], "valid_metric": "NDCG@10",
        "use_gpu": False, "gpu_id": "",  # an empty gpu_id is what makes RecBole pick the CPU
        "seed": seed, "reproducibility": True,
        "checkpoint_dir": str(checkpoint_dir), "show_progress": False, "log_wandb": False,
    }
    if epochs is not None:
        overrides["epochs"] = epochs
    overrides.update(MODEL_OVERRIDES.get(model, {}))
    config = Config(model=model, dataset=dataset, config_dict=overrides)
    # Config points the name "ml-100k" at RecBole's bundled copy whatever data_path says.
    config["data_path"] = str(data_dir / dataset)
    return config


def run_model(name: str, args: argparse.Namespace, workdir: Path) -> dict:
    config = make_config(name, args.dataset, args.data_dir, workdir / "saved",
                         args.seed, args.epochs)
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    logging.info(str(dataset))  # the filter strips colour codes from msg, not from args
    train_data, valid_data, test_data = data_preparation(config, dataset)

    # Re-seed before the model, as RecBole's own run_recbole does.
    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)

    # Wrap the trainer's hooks to get pure training time (fit also validates every epoch
    # for early stopping) and the epoch whose checkpoint was kept.
    epoch_times: list[float] = []
    saved_epochs: list[int] = []
    train_epoch, save_checkpoint = trainer._train_epoch, trainer._save_checkpoint

    def timed_train_epoch(*a, **kw):
        start = time.perf_counter()
        try:
            return train_epoch(*a, **kw)
        finally:
            epoch_times.append(time.perf_counter() - start)

    def tracked_save_checkpoint(epoch, *a, **kw):
        saved_epochs.append(epoch)
        return save_checkpoint(epoch, *a, **kw)

    trainer._train_epoch, trainer._save_checkpoint = timed_train_epoch, tracked_save_checkpoint

    start = time.perf_counter()
    _, valid_best = trainer.fit(train_data, valid_data, saved=True, show_progress=False)
    fit_s = time.perf_counter() - start
    test = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    logging.info("%s test: %s", name, dict(test))
    test_top = top_items(trainer, test_data, dataset)
    return {
        "test": {k: float(v) for k, v in test.items()},
        "valid_best": {k: float(v) for k, v in (valid_best or {}).items()},
        "fit_s": round(fit_s, 3),
        "train_s": round(sum(epoch_times), 3),
        "epochs": len(epoch_times),
        "best_epoch": saved_epochs[-1] if saved_epochs else None,  # 0-based, as RecBole logs
        "n_users": dataset.user_num - 1, "n_items": dataset.item_num - 1,  # minus RecBole's [PAD]
        "n_train": len(train_data._dataset), "n_valid": len(valid_data._dataset),
        "n_test": len(test_data._dataset),
        "config": {k: config[k] for k in REPORTED_KEYS if k in config},
        "test_top": test_top,
    }


def top_items(trainer, test_data, dataset) -> dict[str, list[str]]:
    """Each test user's top-10 items (dataset ids), ranked as RecBole's own evaluate ranks them
    (the same full-sort scores and history mask), so the caller can compute per-user figures."""
    trainer.model.eval()
    out: dict[str, list[str]] = {}
    with torch.no_grad():
        for batch in test_data:
            interaction, scores, _, _ = trainer._full_sort_batch_eval(batch)
            top = torch.topk(scores, TOP_K, dim=1).indices.cpu().numpy()
            users = interaction[dataset.uid_field].cpu().numpy()
            for user, items in zip(dataset.id2token(dataset.uid_field, users), top):
                out[str(user)] = [str(i) for i in dataset.id2token(dataset.iid_field, items)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    args.data_dir, args.out = args.data_dir.resolve(), args.out.resolve()  # we chdir below
    for part in ("train", "valid", "test"):  # RecBole would try to download a missing dataset
        path = args.data_dir / args.dataset / f"{args.dataset}.{part}.inter"
        if not path.is_file():
            parser.error(f"missing {path}")
    sys.argv = sys.argv[:1]  # RecBole's Config also parses sys.argv (--key=value)
    # torch>=2.6 loads weights_only by default, which cannot unpickle the Config object in
    # RecBole's checkpoints: evaluate(load_best_model=True) fails. torch reads this at load time;
    # the checkpoint is our own, written by fit moments before.
    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    # RecBole 1.2.1 on today's torch and pandas: deprecation notices only, every run.
    warnings.filterwarnings("ignore", category=FutureWarning)

    # RecBole logs through the root logger; send it to stderr without colour codes.
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RemoveColorFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

    results = {"recbole_version": recbole.__version__, "torch_version": torch.__version__,
               "torch_threads": torch.get_num_threads(),  # OMP_NUM_THREADS sets it
               "dataset": args.dataset, "seed": args.seed, "models": {}}
    with tempfile.TemporaryDirectory(prefix="recbole-run-") as tmp:
        workdir = Path(tmp)
        os.chdir(workdir)  # RecBole writes log_tensorboard/ (and saved/) under the cwd
        for name in args.models:
            logging.info("=== %s ===", name)
            try:
                results["models"][name] = run_model(name, args, workdir)
            except Exception:  # record it and go on with the other models
                logging.exception("%s failed", name)
                results["models"][name] = {"error": traceback.format_exc()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
