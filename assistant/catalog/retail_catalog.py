"""A retailer's own catalog file: the schema and its validated reading into Product records
(`python -m assistant ingest-catalog FILE`; assistant/ingest_catalog.py writes and indexes it).

Formats: CSV (comma or tab separated), Parquet, JSON Lines. One row per product as the shopper
picks it: a colour variant of a garment (sizes folded in) or a product with no variants.

  column         required  meaning (aliases)
  sku            yes       unique id of the row (id, product_id, item_id)
  name           yes       product name (title, product_name)
  price          yes       a positive number below 1,000,000; "$" and thousands separators allowed
  category_path  yes       broadest first, "/" or " > " between parts: Women/Dresses, Shoes; the last
                           part is the category (category, categories, product_type)
  image          yes       a local image file: an absolute path, a file:// URL, or a path relative to
                           the catalog file (image_path, image_url, image_link)
  parent_sku     no        the product a variant belongs to; default: the sku (item_group_id)
  gender         no        Men, Women or Unisex (or words such as male, ladies); default: a Men or
                           Women part of the category path, else Unisex
  color          no        the variant's colour (colour)
  description    no        plain text or HTML
  extra_images   no        more photos of it, same rules as image (additional_images)
  sizes, material, climate, style, activity, features
                 no        lists: "|" between values in CSV, or a list in Parquet and JSON Lines
  pattern        no        one value
  rating         no        mean review rating, 0 to 5 (average_rating)
  review_count   no        a whole number >= 0 (reviews)
  in_stock       no        yes/no, true/false, 1/0, "in stock"/"out of stock" (availability); default yes
  eco_collection, performance_fabric, erin_recommends, new, sale
                 no        yes/no flags; default no
  related, upsell, crosssell
                 no        lists of parent SKUs in this file (merchandising links)

A row that breaks a rule for a required column is skipped and counted by reason, with examples;
the first of two rows with one sku is kept. A bad optional value (a rating of 7) is dropped and
counted, and the row kept. Remote image URLs are refused: nothing is downloaded.
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from assistant.catalog.luma import LINK_TYPES, clean_text, parse_price
from assistant.catalog.product import FLAG_FIELDS, LIST_FIELDS, Product
from assistant.catalog.vocabulary import GENDER_SYNONYMS

REQUIRED = ("sku", "name", "price", "category_path", "image")
ALIASES = {
    "sku": ("sku", "id", "product_id", "item_id"), "name": ("name", "title", "product_name"),
    "price": ("price",), "category_path": ("category_path", "category", "categories", "product_type"),
    "image": ("image", "image_path", "image_url", "image_link"), "parent_sku": ("parent_sku", "item_group_id"),
    "gender": ("gender",), "color": ("color", "colour"), "description": ("description",),
    "extra_images": ("extra_images", "additional_images", "additional_image_link"), "pattern": ("pattern",),
    "rating": ("rating", "average_rating"), "review_count": ("review_count", "reviews"),
    "in_stock": ("in_stock", "availability"),
    **{name: (name,) for name in LIST_FIELDS + FLAG_FIELDS + LINK_TYPES},
}
YES = {"yes", "y", "true", "1", "in stock", "in_stock"}
NO = {"no", "n", "false", "0", "out of stock", "out_of_stock", ""}
FORMATS = {".csv": "CSV", ".tsv": "CSV", ".txt": "CSV", ".parquet": "Parquet", ".pq": "Parquet",
           ".jsonl": "JSON Lines", ".ndjson": "JSON Lines", ".json": "JSON Lines"}


class CatalogFileError(ValueError):
    """The file cannot be used at all; the message says why and what the schema is."""


@dataclass
class CatalogFileReport:
    source: str = ""
    rows: int = 0
    ingested: int = 0
    parents: int = 0
    categories: int = 0
    images: int = 0
    links: int = 0
    skipped: Counter = field(default_factory=Counter)
    ignored: Counter = field(default_factory=Counter)   # bad optional values dropped, row kept
    examples: dict[str, list[str]] = field(default_factory=dict)

    def count(self, counter: Counter, reason: str, where: str) -> None:
        counter[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < 3:
            shown.append(where)

    def lines(self) -> list[str]:
        out = [f"{self.rows} rows read from {self.source}, {self.ingested} ingested "
               f"({self.parents} products, {self.categories} categories, {self.images} images, {self.links} links)"]
        for reason, n in self.skipped.most_common():
            out.append(f"  skipped {n}: {reason} (e.g. {', '.join(self.examples[reason])})")
        for reason, n in self.ignored.most_common():
            out.append(f"  value ignored in {n}: {reason} (e.g. {', '.join(self.examples[reason])})")
        return out

    def figures(self) -> dict:
        """Flat counts for --json: skipped_<reason> and ignored_<reason> as snake_case keys."""
        out = {"rows_read": self.rows, "ingested": self.ingested, "skipped": sum(self.skipped.values()),
               "products": self.parents, "categories": self.categories, "images": self.images, "links": self.links}
        for prefix, counter in (("skipped", self.skipped), ("ignored", self.ignored)):
            for reason, n in counter.items():
                out[f"{prefix}_{_slug(reason)}"] = n
        return out


def _slug(reason: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in reason.split("(")[0].lower()).split())


def read_catalog_file(path: Path) -> tuple[list[Product], dict[str, list[tuple[str, str]]], CatalogFileReport]:
    """Validated products, their links (parent -> [(type, linked parent)]) and the report."""
    path = Path(path)
    rows, report = _read_rows(path)
    report.source = path.name
    images = _ImageCheck(path.parent)
    products: dict[str, Product] = {}
    wanted_links: list[tuple[str, str, str]] = []
    for line, row in rows:
        if row is _MALFORMED:
            report.count(report.skipped, "not a JSON object", f"line {line}")
            continue
        where = f"row {line}" + (f" ({_text(row['sku'])})" if _text(row.get("sku", "")) else "")
        product, reason = _product(row, images, report, where)
        if reason is None and product.sku in products:
            reason = "duplicate sku (the first row kept)"
        if reason is not None:
            report.count(report.skipped, reason, where)
            continue
        products[product.sku] = product
        wanted_links += [(product.parent_sku, t, s) for t in LINK_TYPES for s in _values(row.get(t))]
    if not products:
        raise CatalogFileError("no usable rows:\n" + "\n".join(report.lines()))
    links = _links(wanted_links, {p.parent_sku for p in products.values()}, report)
    kept = list(products.values())
    report.ingested, report.parents = len(kept), len({p.parent_sku for p in kept})
    report.categories = len({p.category for p in kept})
    report.images = sum(1 + len(p.extra_images) for p in kept)
    report.links = sum(len(v) for v in links.values())
    return kept, links, report


_MALFORMED = {}  # stands for a JSON line that is not an object; compared by identity


def _read_rows(path: Path) -> tuple[list[tuple[int, dict]], CatalogFileReport]:
    if not path.is_file():
        raise CatalogFileError(f"no such file: {path}")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CatalogFileError(f"{path.name}: use a .csv, .tsv, .parquet or .jsonl file")
    try:
        if kind == "JSON Lines":  # line by line, so one broken line is a skipped row, not a refused file
            records, numbers = [], []
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if text.strip():
                    numbers.append(number)
                    try:
                        record = json.loads(text)
                    except json.JSONDecodeError:
                        record = None
                    records.append(record if isinstance(record, dict) else _MALFORMED)
            columns = sorted({k for r in records for k in r})
        else:
            frame = (pd.read_parquet(path) if kind == "Parquet"
                     else pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False))
            records, columns = frame.to_dict("records"), [str(c) for c in frame.columns]
            # Row numbers as a spreadsheet shows them: the header is row 1 in CSV.
            numbers = [i + (2 if kind == "CSV" else 1) for i in range(len(records))]
    except Exception as exc:  # pandas and pyarrow raise many kinds; the retailer-facing message is one
        raise CatalogFileError(f"could not read {path.name} as {kind}: {exc}") from exc
    picked = _pick_columns(columns)
    missing = [c for c in REQUIRED if c not in picked]
    if missing:
        raise CatalogFileError(f"missing column(s) {', '.join(missing)}; found {', '.join(columns) or 'none'}. "
                               f"Required: {', '.join(REQUIRED)} (see the README for the optional ones).")
    if not records:
        raise CatalogFileError(f"{path.name} has no rows")
    rows = [(n, r if r is _MALFORMED else {name: _cell(r.get(col)) for name, col in picked.items()})
            for n, r in zip(numbers, records)]
    return rows, CatalogFileReport(rows=len(records))


def _pick_columns(columns: list[str]) -> dict[str, str]:
    """Schema name -> the file's column: the name itself, else its first alias present (any case)."""
    lower = {c.strip().lower(): c for c in columns}
    return {name: next(lower[a] for a in aliases if a in lower) for name, aliases in ALIASES.items()
            if any(a in lower for a in aliases)}


def _cell(value):
    """A cell as text or a list of texts; missing (None, NaN, blank) as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if hasattr(value, "tolist") and not isinstance(value, str):  # a Parquet list column (numpy array)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return str(value).strip()


def _values(cell) -> list[str]:
    """A list column: a real list, or "|" between values in one text."""
    if isinstance(cell, list):
        return cell
    return [v.strip() for v in str(cell or "").split("|") if v.strip()]


def _text(cell) -> str:
    return " | ".join(cell) if isinstance(cell, list) else cell


def _product(row: dict, images: "_ImageCheck", report: CatalogFileReport, where: str) -> tuple[Product | None, str | None]:
    for name in REQUIRED:
        if not _text(row.get(name, "")):
            return None, f"missing {name}"
    try:
        price = parse_price(_text(row["price"]))
    except ValueError:
        return None, "bad price (not a number above 0 and below 1,000,000)"
    image, reason = images.resolve(_text(row["image"]))
    if reason:
        return None, reason
    parts = [p.strip() for p in _text(row["category_path"]).replace(">", "/").split("/") if p.strip()]
    if not parts:
        return None, "missing category_path"
    extras = []
    for value in _values(row.get("extra_images")):
        extra, bad = images.resolve(value)
        if bad:
            report.count(report.ignored, f"extra image: {bad}", where)
        elif extra != image and extra not in extras:
            extras.append(extra)
    product = Product(
        sku=_text(row["sku"]), parent_sku=_text(row.get("parent_sku", "")) or _text(row["sku"]),
        name=_text(row["name"]), gender=_gender(row.get("gender", ""), parts, report, where),
        category_path="/".join(parts), category=parts[-1], color=_text(row.get("color", "")) or None,
        price=price, description=clean_text(_text(row.get("description", ""))), image_path=image,
        extra_images=extras, pattern=_text(row.get("pattern", "")) or None,
        in_stock=_flag(row.get("in_stock", ""), True, "in_stock", report, where),
        **{name: _values(row.get(name)) for name in LIST_FIELDS},
        **{name: _flag(row.get(name, ""), False, name, report, where) for name in FLAG_FIELDS})
    product.rating = _number(row.get("rating", ""), 0, 5, "rating outside 0-5", report, where)
    count = _number(row.get("review_count", ""), 0, math.inf, "review_count not a whole number >= 0", report, where)
    if count is not None and count != int(count):
        report.count(report.ignored, "review_count not a whole number >= 0", where)
        count = None
    product.review_count = int(count or 0)
    return product, None


def _gender(cell, parts: list[str], report: CatalogFileReport, where: str) -> str:
    said = _text(cell).lower()
    if said:
        gender = GENDER_SYNONYMS.get(said) or GENDER_SYNONYMS.get(said.rstrip("s"))
        if gender:
            return gender
        report.count(report.ignored, "gender not Men, Women or Unisex", where)
    return next((p for p in parts if p in ("Men", "Women")), "Unisex")


def _flag(cell, default: bool, name: str, report: CatalogFileReport, where: str) -> bool:
    said = _text(cell).lower()
    if not said:
        return default
    if said in YES or said in NO:
        return said in YES
    report.count(report.ignored, f"{name} not yes or no", where)
    return default


def _number(cell, low: float, high: float, reason: str, report: CatalogFileReport, where: str) -> float | None:
    said = _text(cell)
    if not said:
        return None
    try:
        value = float(said)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):  # NaN fails too
        report.count(report.ignored, reason, where)
        return None
    return round(value, 2)


def _links(wanted: list[tuple[str, str, str]], parents: set[str],
           report: CatalogFileReport) -> dict[str, list[tuple[str, str]]]:
    """Links between parent SKUs of this file; one to a SKU the file lacks is dropped and counted."""
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for source, link_type, target in wanted:
        if target not in parents or target == source:
            report.count(report.ignored, f"{link_type} link to a sku not in the file", f"{source} -> {target}")
        elif (link_type, target) not in links[source]:
            links[source].append((link_type, target))
    return dict(links)


class _ImageCheck:
    """Resolves an image reference to a local file and checks it decodes, once per file."""

    def __init__(self, base: Path):
        self.base, self.seen = base, {}

    def resolve(self, reference: str) -> tuple[str | None, str | None]:
        url = urlparse(reference)
        if url.scheme == "file":
            path = Path(unquote(url.path))
        elif len(url.scheme) > 1:  # http(s), s3, ...; a one-letter scheme is a Windows drive
            return None, "image is a remote URL (only local files)"
        else:
            path = Path(reference).expanduser()
            path = path if path.is_absolute() else self.base / path
        path = path.resolve()
        if path not in self.seen:
            self.seen[path] = self._check(path)
        reason = self.seen[path]
        return (None, reason) if reason else (str(path), None)

    @staticmethod
    def _check(path: Path) -> str | None:
        from PIL import Image
        if not path.is_file():
            return "image file not found"
        try:
            with Image.open(path) as image:
                image.verify()  # reads the whole file: a truncated or mislabelled one fails here
        except Exception:  # PIL raises several kinds for a file that is not an image
            return "image file is not an image"
        return None
