"""Ingestion of the Magento Luma sample data into Product records.

One row per colour variant of each configurable product (sizes folded in) plus one per gear
product.
"""
from __future__ import annotations

import csv
import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.catalog.product import Product

FIXTURES = "app/code/Magento"
MEDIA = "pub/media/catalog/product"
LINK_TYPES = ("related", "upsell", "crosssell")
# Colour words that gear image file names carry (e.g. mb01-blue-0.jpg, mg01-bk-0.jpg).
_FILENAME_COLOURS = {"black": "Black", "bk": "Black", "blue": "Blue", "br": "Brown", "gray": "Gray",
                     "grey": "Gray", "red": "Red", "green": "Green", "purple": "Purple",
                     "orange": "Orange", "white": "White", "yellow": "Yellow", "brown": "Brown"}


def clean_text(value: str) -> str:
    """HTML to plain text: tags dropped, entities decoded, whitespace collapsed."""
    text = re.sub(r"<(br|/p|/li)\s*/?>", ". ", value or "", flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("\u2022", " ")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(\s*\.\s*){2,}", ". ", text)
    return text.strip(" .") + ("." if text.strip() else "")


def _split(value: str | None, sep: str = "|") -> list[str]:
    return [clean_text(v).rstrip(".") for v in (value or "").split(sep) if v.strip()]


def _parse_additional(value: str) -> dict[str, str]:
    out = {}
    for kv in (value or "").split(","):
        if "=" in kv:
            key, val = kv.split("=", 1)
            out[key.strip()] = val.strip()
    return out


def parse_price(value: str) -> float:
    """A positive price below a million, "$" and thousands separators allowed (ingestion rule)."""
    price = float(str(value).replace("$", "").replace(",", "").strip())
    if not (0 < price < 1e6):
        raise ValueError(f"price out of range: {value!r}")
    return round(price, 2)


def _gender_from(category_paths: list[str], declared: str | None = None) -> str:
    for path in category_paths:
        head = path.split("/")[0]
        if head in ("Men", "Women"):
            return head
    values = {v.strip() for v in (declared or "").splitlines() if v.strip()}
    if len(values) == 1 and values <= {"Men", "Women"}:
        return values.pop()
    return "Unisex"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class IngestReport:
    products: int = 0
    configurable_parents: int = 0
    gear: int = 0
    images: int = 0
    reviews: int = 0
    links: int = 0
    skipped: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out = [f"products (colour variants + gear): {self.products}",
               f"configurable parents: {self.configurable_parents}", f"gear products: {self.gear}",
               f"images (main + alternate): {self.images}", f"reviews: {self.reviews}",
               f"merchandising links: {self.links}"]
        out += [f"skipped ({reason}): {n}" for reason, n in sorted(self.skipped.items())]
        return out


def read_luma(root: Path) -> tuple[list[Product], dict[str, list[tuple[str, str]]], IngestReport]:
    """Parse the Luma fixtures into products and parent-level links (type, linked parent)."""
    report = IngestReport()
    fixtures, media = root / FIXTURES, (root / MEDIA).resolve()
    products: list[Product] = []

    def image_ok(rel: str) -> bool:
        return bool(rel) and (media / rel.lstrip("/")).is_file()

    # Configurable apparel: one product per (parent, colour).
    rows = _read_csv(fixtures / "ConfigurableSampleData/fixtures/products.csv")
    simple_by_parent: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["product_type"] == "simple":
            simple_by_parent[row["sku"].split("-")[0]].append(row)
    for parent in tqdm([r for r in rows if r["product_type"] == "configurable"], desc="apparel"):
        report.configurable_parents += 1
        attrs = _parse_additional(parent["additional_attributes"])
        paths = [p.replace("Default Category/", "") for p in parent["categories"].split(",")]
        paths = [p for p in paths if p.split("/")[0] in ("Men", "Women")]
        path = max(paths, key=lambda p: p.count("/")) if paths else "Other"
        by_colour: dict[str, list[dict]] = defaultdict(list)
        for child in simple_by_parent[parent["sku"]]:
            colour = _parse_additional(child["additional_attributes"]).get("color")
            if colour:
                by_colour[colour].append(child)
        for colour, children in by_colour.items():
            main = next((c["base_image"] for c in children if c["base_image"]), "")
            if not image_ok(main):
                report.skipped["missing image"] += 1
                continue
            try:
                price = parse_price(children[0]["price"] or parent["price"])
            except ValueError:
                report.skipped["unparseable price"] += 1
                continue
            extras = sorted({img for c in children for img in c["additional_images"].split(",")
                             if image_ok(img) and img != main})
            sizes = []
            for c in children:
                size = _parse_additional(c["additional_attributes"]).get("size")
                if size and size not in sizes:
                    sizes.append(size)
            products.append(Product(
                sku=f"{parent['sku']}-{colour}", parent_sku=parent["sku"], name=parent["name"],
                gender=_gender_from(paths), category_path=path, category=path.split("/")[-1],
                color=colour, price=price, description=clean_text(parent["description"]),
                image_path=str(media / main.lstrip("/")),
                extra_images=[str(media / e.lstrip("/")) for e in extras], sizes=sizes,
                material=_split(attrs.get("material")), pattern=(_split(attrs.get("pattern")) or [None])[0],
                climate=_split(attrs.get("climate")),
                style=_split(attrs.get("style_general")) + _split(attrs.get("style_bottom")),
                eco_collection=attrs.get("eco_collection") == "Yes",
                performance_fabric=attrs.get("performance_fabric") == "Yes",
                erin_recommends=attrs.get("erin_recommends") == "Yes",
                new=attrs.get("new") == "Yes", sale=attrs.get("sale") == "Yes",
                in_stock=any(c["is_in_stock"] == "1" and float(c["qty"] or 0) > 0 for c in children),
            ))

    # Gear: one product per row of the simple-product fixtures.
    gear_dir = fixtures / "CatalogSampleData/fixtures/SimpleProduct"
    images: dict[str, list[str]] = defaultdict(list)
    for image_file in sorted(gear_dir.glob("images_*.csv")):
        for row in _read_csv(image_file):
            images[row["sku"]].append(row["image"])
    for product_file in sorted(gear_dir.glob("products_*.csv")):
        for row in _read_csv(product_file):
            found = [i for i in images.get(row["sku"], []) if image_ok(i)]
            if not found:
                report.skipped["missing image"] += 1
                continue
            try:
                price = parse_price(row["price"])
            except ValueError:
                report.skipped["unparseable price"] += 1
                continue
            lines = [line.strip() for line in row["category"].splitlines()]
            path = "/".join(lines[:2]) if lines and lines[0] == "Gear" else "Gear"
            colour = (row.get("color") or "").strip() or None
            if colour is None:
                tokens = Path(found[0]).stem.lower().replace("_", "-").split("-")
                colour = next((_FILENAME_COLOURS[t] for t in tokens if t in _FILENAME_COLOURS), None)
            multi = lambda key: [v.strip() for v in (row.get(key) or "").splitlines() if v.strip()]  # noqa: E731
            products.append(Product(
                sku=row["sku"], parent_sku=row["sku"].rsplit("-", 1)[0] if row.get("color") else row["sku"],
                name=row["name"], gender=_gender_from([], row.get("gender")), category_path=path,
                category=path.split("/")[-1], color=colour, price=price,
                description=clean_text(row["description"]),
                image_path=str(media / found[0].lstrip("/")),
                extra_images=[str(media / i.lstrip("/")) for i in found[1:]],
                sizes=[row["size"].strip()] if row.get("size") else [],
                material=multi("material"), pattern=(multi("pattern") or [None])[0],
                style=multi("style_bags"), activity=multi("activity"),
                features=multi("features_bags") + multi("category_gear"),
                eco_collection=row.get("eco_collection") == "1",
                performance_fabric=row.get("performance_fabric") == "1",
                erin_recommends=row.get("erin_recommends") == "1",
                new=row.get("new") == "1", sale=row.get("sale") == "1",
                in_stock=float(row.get("qty") or 0) > 0,
            ))
            report.gear += 1

    # Reviews are keyed by parent sku.
    ratings: dict[str, list[int]] = defaultdict(list)
    for row in _read_csv(fixtures / "ReviewSampleData/fixtures/products_reviews.csv"):
        try:
            ratings[row["sku"].strip()].append(int(row["rating_value"]))
        except ValueError:
            report.skipped["unparseable review"] += 1
    report.reviews = sum(len(v) for v in ratings.values())
    for product in products:
        values = ratings.get(product.parent_sku) or ratings.get(product.sku) or []
        product.review_count = len(values)
        product.rating = round(sum(values) / len(values), 2) if values else None

    # Links are between parent skus; keep only those whose both ends are in the catalog.
    parents = {p.parent_sku for p in products}
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link_type in LINK_TYPES:
        for link_file in sorted(fixtures.glob(f"*/fixtures/Link*/{link_type}.csv")) + sorted(
                fixtures.glob(f"ProductLinksSampleData/fixtures/{link_type}.csv")):
            for row in _read_csv(link_file):
                source = row["sku"].strip()
                for target in row["linked_sku"].split():
                    target = target.strip()
                    for candidate in (target, target.rsplit("-", 1)[0]):
                        if source in parents and candidate in parents and candidate != source:
                            if (link_type, candidate) not in links[source]:
                                links[source].append((link_type, candidate))
                            break
    report.links = sum(len(v) for v in links.values())
    report.products = len(products)
    report.images = sum(1 + len(p.extra_images) for p in products)
    return products, links, report
