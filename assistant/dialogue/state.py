"""Dialogue state of one session: constraints, what was shown, reactions, turns.

Everything here is plain JSON-able data so sessions.py can persist it and a restart loses nothing.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from assistant.catalog.constraints import Constraints
from tools.evidence import Evidence
from tools.evidence import from_dict as evidence_from_dict

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10}


@dataclass
class ShownItem:
    position: int
    sku: str
    name: str
    color: str | None
    category: str
    price: float
    explanation: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "ShownItem":
        return cls(**{**data, "evidence": [evidence_from_dict(e) for e in data.get("evidence", [])]})


@dataclass
class Photo:
    """A photo the shopper sent: where it is stored (assistant/uploads.py) and what it looks like."""
    name: str                          # "photo 1", "photo 2", ... in the order sent
    path: str                          # the normalised copy under data/uploads/
    sha256: str                        # of that copy: the key of its cached embedding
    reading: str | None = None         # "looks like Jackets (81%), colour Red (64%), ..."; None: not read
    looks: str | None = None           # the reading's top guesses, "Jackets, Red, Women", for prompts
    category_guess: str | None = None  # a category read confidently enough to search within
    match_sku: str | None = None       # the catalog product this photo is a copy of ("this one in orange")

    @classmethod
    def from_dict(cls, data: dict) -> "Photo":
        # Sessions saved before this record kept more of the upload (its width, height): dropped.
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class HistoryEntry:
    """One message of the conversation, the shopper's or the assistant's."""
    role: str                                              # "user" or "assistant"
    text: str
    tool_calls: list[dict] = field(default_factory=list)  # the assistant's calls that turn, in order


@dataclass
class DialogueState:
    session_id: str
    constraints: Constraints = field(default_factory=Constraints)  # the tracker's, carried across turns
    topic: str = ""                                   # what the shopper is looking for, in words
    shown: list[ShownItem] = field(default_factory=list)
    liked: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)    # items the shopper asked about ("why the second?")
    history: list[HistoryEntry] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    focus: str | None = None                           # the item last pointed at ("it")
    avoid_photos: list[str] = field(default_factory=list)  # photos the shopper said "not like"
    search_photo: str | None = None                    # the photo the current search is built on
    sort: str | None = None                            # the order asked for ("cheapest first"), kept
    price_rule: str | None = None                      # "cheap"/"premium": the rule behind the price bound
    turn: int = 0

    # -- persistence ----------------------------------------------------------------

    def to_dict(self) -> dict:
        return {**asdict(self), "constraints": self.constraints.to_dict()}  # in the order set

    @classmethod
    def from_dict(cls, data: dict) -> "DialogueState":
        data = dict(data)
        data["shown"] = [ShownItem.from_dict(s) for s in data.get("shown", [])]
        data["history"] = [HistoryEntry(**h) for h in data.get("history", [])]
        data["photos"] = [Photo.from_dict(p) for p in data.get("photos", [])]
        data["constraints"] = Constraints.from_dict(data.get("constraints", {}))
        return cls(**data)

    # -- views ----------------------------------------------------------------------

    def compact(self) -> str:
        """The few lines the chat model reads about the dialogue so far."""
        cons = ", ".join(f"{k}={'/'.join(v) if isinstance(v, list) else v}" for k, v in self.constraints.to_dict().items())
        lines = [f"looking for: {self.topic or '-'}", f"constraints: {cons or 'none'}"]
        last = next((h.text for h in reversed(self.history) if h.role == "user"), None)
        if last:
            lines.append(f"previous request: {last[:200]}")
        if self.shown:
            lines.append("shown: " + "; ".join(f"{s.position}. {s.name} ({s.color or '-'}, ${s.price:.0f})"
                                               for s in self.shown))
        if self.liked:
            lines.append("liked: " + ", ".join(self.liked))
        if self.photos:
            lines.append("photos: " + "; ".join(f"{p.name} ({p.reading or 'not read'})"
                                                for p in self.photos[-3:]))
        return "\n".join(lines)

    def forget_missing_products(self, catalog) -> None:
        """Drop the products the catalog no longer has (another catalog was ingested, a product
        was removed): "the second one" then finds nothing instead of a product that is gone."""
        known = lambda sku: catalog.get(sku) is not None  # noqa: E731
        self.shown = [s for s in self.shown if known(s.sku)]
        self.liked, self.rejected, self.asked = ([k for k in kept if known(k)]
                                                 for kept in (self.liked, self.rejected, self.asked))
        if self.focus is not None and not known(self.focus):
            self.focus = None

    def shown_item(self, sku: str) -> ShownItem | None:
        return next((s for s in self.shown if s.sku == sku), None)

    # -- references -----------------------------------------------------------------

    def resolve_photo(self, reference: str | int | None) -> str | None:
        """'photo 2', '2', 'my first photo', 'the last picture', 'my photo' -> a photo name."""
        if reference is None or not self.photos:
            return None
        text = str(reference).strip().lower()
        match = re.search(r"(\d+)", text)
        if match:
            n = int(match.group(1))
            return self.photos[n - 1].name if 1 <= n <= len(self.photos) else None
        for word in re.findall(r"[a-z0-9]+", text):
            if word in ORDINALS and ORDINALS[word] <= len(self.photos):
                return self.photos[ORDINALS[word] - 1].name
        return self.photos[-1].name  # "my photo", "this", "the last picture"

    def resolve(self, reference: str | int | None, catalog=None) -> str | None:
        """'the second one', '2', 'the red one', 'that hoodie', 'last', a sku or a name -> a sku."""
        if reference is None:
            return None
        if isinstance(reference, int) or str(reference).strip().isdigit():
            pos = int(reference)
            return self.shown[pos - 1].sku if 1 <= pos <= len(self.shown) else None
        text = str(reference).strip().lower()
        if catalog is not None and catalog.get(str(reference).strip()):
            return str(reference).strip()
        if not self.shown:
            return self.by_name(text, catalog)
        if re.search(r"\b(last|final|bottom)\b", text):
            return self.shown[-1].sku
        match = re.search(r"(?:#|number |no\.? ?|item |option )(\d+)\b", text) or re.search(r"\b(\d+)(?:st|nd|rd|th)?\b", text)
        if match:
            return self.resolve(int(match.group(1)))
        for word in re.findall(r"[a-z0-9]+", text):
            if word in ORDINALS and ORDINALS[word] <= len(self.shown):
                return self.shown[ORDINALS[word] - 1].sku
        words = set(re.findall(r"[a-z]+", text)) - {"the", "one", "that", "this", "it", "a", "an"}
        by_colour = [s for s in self.shown if s.color and s.color.lower() in words]
        if len(by_colour) >= 1:
            return by_colour[0].sku
        for s in self.shown:
            haystack = f"{s.name} {s.category}".lower()
            if any(re.search(rf"\b{re.escape(w.rstrip('s'))}", haystack) for w in words if len(w) > 2):
                return s.sku
        named = self.by_name(text, catalog)
        if named is None and re.search(r"\b(it|that one|this one|that|this|them)\b", text):
            # A bare pronoun: the item last pointed at, else the top of the list.
            return self.focus if self.shown_item(self.focus or "") else self.shown[0].sku
        return named

    @staticmethod
    def by_name(text: str, catalog) -> str | None:
        if catalog is None or len(text) < 4:
            return None
        for product in catalog.all():
            if product.name.lower() in text or text in product.name.lower():
                return product.sku
        return None
