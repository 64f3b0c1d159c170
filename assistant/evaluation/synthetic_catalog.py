"""A seeded synthetic catalog for timing the vector backends at 100k and 1M items: 384-d vectors
in clusters (a product's neighbours are products like it, so an approximate index's recall means
something; uniform noise has no neighbours worth finding) and Luma-like attributes with skewed
frequencies. It exists only for timing and recall against exact search: no quality figure of the
assistant comes from it.

Each cluster is one kind of product (a category of one gender); colours and prices vary inside
it, and a colour also moves the vector a little, as a colour word moves a text embedding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIM = 384
VARIANTS = 5
# Luma's category paths (gender/family/kind), with their share of the catalog (skewed: tops and
# bottoms dominate, as in the Luma store and most apparel catalogs).
CATEGORIES = {
    "Women/Tops/Jackets": 6, "Women/Tops/Hoodies & Sweatshirts": 6, "Women/Tops/Tees": 10,
    "Women/Tops/Bras & Tanks": 8, "Women/Bottoms/Pants": 6, "Women/Bottoms/Shorts": 5,
    "Men/Tops/Jackets": 6, "Men/Tops/Hoodies & Sweatshirts": 6, "Men/Tops/Tees": 10, "Men/Tops/Tanks": 4,
    "Men/Bottoms/Pants": 6, "Men/Bottoms/Shorts": 5, "Gear/Bags": 5, "Gear/Fitness Equipment": 4,
    "Gear/Watches": 3, "Women/Shoes/Running": 5, "Men/Shoes/Running": 5,
}
# Luma's colours, most common first (black and blue are most of a catalog, yellow and lavender rare).
COLORS = ["Black", "Blue", "Gray", "White", "Red", "Green", "Purple", "Orange", "Yellow", "Brown", "Pink",
          "Beige", "Lavender", "Olive", "Silver"]
COLOR_WEIGHTS = 1.0 / np.arange(1, len(COLORS) + 1) ** 0.9


@dataclass
class SyntheticCatalog:
    ids: np.ndarray          # int64, 0..n-1
    vectors: np.ndarray      # float32 (n, DIM), unit length
    payloads: list[dict]     # the payload keys of tools/index_payload.py that the bench filters on

    def queries(self, count: int, seed: int = 1, among: np.ndarray | None = None) -> np.ndarray:
        """Shopper-like queries: near some product (its vector moved by noise), not a product itself;
        `among`: rows to pick those products from (the items a filter keeps: a shopper's words and
        constraints agree, "red tanks" is near tanks)."""
        rng = np.random.default_rng(seed)
        rows = among if among is not None and len(among) else np.arange(len(self.ids))
        anchors = self.vectors[rows[rng.integers(0, len(rows), count)]]
        q = anchors + 0.6 * rng.standard_normal(anchors.shape, dtype=np.float32) / np.sqrt(DIM)
        return q / np.linalg.norm(q, axis=1, keepdims=True)


def _gender(path: str) -> str:
    first = path.split("/")[0]
    return first if first in ("Men", "Women") else "Unisex"


def make_catalog(n: int, seed: int = 0, clusters_per_1k: float = 1.0, chunk: int = 100_000) -> SyntheticCatalog:
    rng = np.random.default_rng(seed)
    paths = list(CATEGORIES)
    share = np.array(list(CATEGORIES.values()), dtype=float)
    n_clusters = max(len(paths), int(n / 1000 * clusters_per_1k))
    cluster_path = np.concatenate([np.arange(len(paths)), rng.choice(len(paths), n_clusters - len(paths), p=share / share.sum())])
    centres = rng.standard_normal((n_clusters, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    colour_dirs = rng.standard_normal((len(COLORS), DIM), dtype=np.float32)
    colour_dirs /= np.linalg.norm(colour_dirs, axis=1, keepdims=True)
    # Three levels, as in a real catalog: a kind of product (cluster, Zipf-like sizes), a product of
    # that kind, its colour variants (VARIANTS a product, close to each other).
    size = 1.0 / np.arange(1, n_clusters + 1) ** 0.6
    n_products = -(-n // VARIANTS)
    product_cluster = rng.choice(n_clusters, n_products, p=rng.permutation(size / size.sum()))
    products = centres[product_cluster] + rng.standard_normal((n_products, DIM), dtype=np.float32) * (0.8 / np.sqrt(DIM))
    cluster = np.repeat(product_cluster, VARIANTS)[:n]
    colour = rng.choice(len(COLORS), n, p=COLOR_WEIGHTS / COLOR_WEIGHTS.sum())
    # Luma-like prices: log-normal around $45, $5 to $200, by cent.
    price = np.round(np.clip(rng.lognormal(np.log(45), 0.45, n), 5, 200), 2)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        v = products[rows // VARIANTS] + 0.35 * colour_dirs[colour[rows]]
        v += rng.standard_normal(v.shape, dtype=np.float32) * (0.3 / np.sqrt(DIM))
        vectors[rows] = v / np.linalg.norm(v, axis=1, keepdims=True)
    on_sale = rng.random(n) < 0.15
    payloads = [{"gender": _gender(paths[cluster_path[c]]).lower(),
                 "category": [p.lower() for p in paths[cluster_path[c]].split("/")],
                 "color": COLORS[k].lower(), "price": float(p), "sale": bool(s)}
                for c, k, p, s in zip(cluster.tolist(), colour.tolist(), price.tolist(), on_sale.tolist())]
    return SyntheticCatalog(np.arange(n, dtype=np.int64), vectors, payloads)
