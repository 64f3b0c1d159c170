"""TEST FIXTURE ONLY: a retailer's catalog file built from another source than the Luma CSVs: the
clothing photo data set (CC0, ../shared/data/clothing-dataset-small: real photos of ten kinds of
clothes). The names, prices and genders are made up here from each photo's class; the photos are
real. Written as CSV, Parquet or JSON Lines, with bad rows that ingestion must skip and count."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from assistant.settings import Settings

# class -> (category path, "{g}" standing for the gender; base price; genders taken in turn)
CLASSES = {
    "dress": ("Women/Dresses", 45.0, ["Women"]), "skirt": ("Women/Skirts", 32.0, ["Women"]),
    "shirt": ("{g}/Tops/Shirts", 28.0, ["Men", "Women"]), "t-shirt": ("{g}/Tops/T-Shirts", 15.0, ["Men", "Women"]),
    "longsleeve": ("{g}/Tops/Long Sleeve Tops", 22.0, ["Men", "Women"]),
    "outwear": ("{g}/Outerwear", 79.0, ["Men", "Women"]), "pants": ("{g}/Bottoms/Pants", 39.0, ["Men", "Women"]),
    "shorts": ("{g}/Bottoms/Shorts", 25.0, ["Men", "Women"]), "shoes": ("Shoes", 55.0, ["Unisex"]),
    "hat": ("Accessories/Hats", 18.0, ["Unisex"]),
}
NOUNS = {"t-shirt": "T-Shirt", "longsleeve": "Long Sleeve Top", "outwear": "Jacket", "pants": "Trousers",
         "shoes": "Sneakers"}
STYLES = ["Everyday", "Classic", "Relaxed", "Weekend"]
PER_CLASS = len(STYLES)
GOOD_ROWS = PER_CLASS * len(CLASSES)
# The bad rows below, by the reason ingestion gives (one row each).
BAD_ROWS = {"missing price": 1, "bad price (not a number above 0 and below 1,000,000)": 1,
            "image file is not an image": 1, "image file not found": 1, "image is a remote URL (only local files)": 1,
            "duplicate sku (the first row kept)": 1}


def photo_root() -> Path:
    return Settings.from_env().data_mirror / "clothing-dataset-small" / "train"


def catalog_rows(folder: Path, per_class: int = PER_CLASS) -> list[dict]:
    """Good rows (`per_class` photos of each class) then bad ones; image references in all three
    forms the schema allows: relative to the catalog file, file:// URL, absolute path."""
    rows = []
    for c, (kind, (path, base, genders)) in enumerate(CLASSES.items()):
        photos = sorted((photo_root() / kind).glob("*.jpg"))[:per_class]
        for k, photo in enumerate(photos):
            gender = genders[k % len(genders)]
            noun = NOUNS.get(kind, kind.capitalize())
            image = [os.path.relpath(photo, folder), photo.as_uri(), str(photo)][(c + k) % 3]
            rows.append({
                "sku": f"CD-{kind.upper()}-{k + 1:02d}",
                "name": f"{STYLES[k % len(STYLES)]} {noun}", "price": f"{base + 7 * (k % 8):.2f}",
                "category_path": path.format(g=gender), "image": image,
                "gender": "" if gender == "Unisex" else gender.lower(),
                "description": f"<p>{STYLES[k % len(STYLES)]} {noun.lower()} from the spring range.</p>"
                               "<ul><li>Machine wash.</li></ul>",
                "sizes": ["S", "M", "L"] if kind not in ("hat", "shoes") else [],
                "material": ["Cotton"] if k % 2 == 0 else ["Polyester", "Cotton"],
                "rating": f"{3.5 + 0.5 * (k % 4):.1f}" if k % 4 < 3 else "7",  # 7: out of range, ignored
                "review_count": str(2 * k), "related": []})
    rows[0]["related"] = ["CD-HAT-01"]  # the first dress links to a hat; a link to nowhere is dropped
    rows[1]["related"] = ["CD-NOWHERE"]
    not_an_image = folder / "notes.jpg"
    not_an_image.write_text("this is a text file named like a photo")
    good = rows[-1]
    bad = [dict(good, sku="BAD-NO-PRICE", price=""), dict(good, sku="BAD-NEGATIVE", price="-5.00"),
           dict(good, sku="BAD-TEXT", image=str(not_an_image)),
           dict(good, sku="BAD-GONE", image=str(folder / "missing.jpg")),
           dict(good, sku="BAD-REMOTE", image="https://example.com/hat.jpg"),
           dict(rows[0], name="A second row with the first sku")]
    return rows + bad


def write_catalog_file(folder: Path, fmt: str, per_class: int = PER_CLASS) -> Path:
    """The rows as a .csv (lists joined with "|"), .parquet (list columns) or .jsonl file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = catalog_rows(folder, per_class)
    path = folder / f"clothing.{fmt}"
    if fmt == "csv":
        flat = [{k: "|".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows]
        pd.DataFrame(flat).to_csv(path, index=False)
    elif fmt == "parquet":
        pd.DataFrame(rows).to_parquet(path, index=False)
    else:  # JSON Lines: numbers as numbers, and one line that is not a JSON object
        lines = [json.dumps({k: (float(v) if k in ("price", "rating") and v else v) for k, v in r.items()})
                 for r in rows]
        path.write_text("\n".join(lines[:3] + ["{not json"] + lines[3:]) + "\n")
    return path
