"""The Product record: one colour variant of a configurable product, or one gear product."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Attributes stored as lists; each is filterable through product_attrs.
LIST_FIELDS = ("sizes", "material", "climate", "style", "activity", "features")
FLAG_FIELDS = ("eco_collection", "performance_fabric", "erin_recommends", "new", "sale")


@dataclass
class Product:
    sku: str
    parent_sku: str
    name: str
    gender: str
    category_path: str
    category: str
    color: str | None
    price: float
    description: str
    image_path: str
    extra_images: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    material: list[str] = field(default_factory=list)
    pattern: str | None = None
    climate: list[str] = field(default_factory=list)
    style: list[str] = field(default_factory=list)
    activity: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    eco_collection: bool = False
    performance_fabric: bool = False
    erin_recommends: bool = False
    new: bool = False
    sale: bool = False
    in_stock: bool = True
    review_count: int = 0
    rating: float | None = None
    id: int | None = None

    def search_text(self) -> str:
        """The text that represents this product for keyword and dense retrieval."""
        parts = [self.name, self.color or "", self.gender, self.category_path.replace("/", " "),
                 " ".join(self.material), self.pattern or "", " ".join(self.style),
                 " ".join(self.activity), " ".join(self.climate), " ".join(self.features), self.description]
        return " . ".join(p for p in parts if p)

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- ingestion helpers
