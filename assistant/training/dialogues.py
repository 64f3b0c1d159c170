"""Self-instruct training dialogues for the controller LLM: multi-turn shopping conversations with
the gold tool call of every turn, generated from the catalog's values and the registry's schemas.

Every constraint is read off a real product first (pick a product, then say its values), so each
gold search has results. Held out for the test split: every fourth template of each kind and ~20%
of the products (a stable hash of the parent SKU), so test dialogues use unseen wordings and
unseen products. The state after each turn is folded by the tracker's own `understanding.apply`.

A dialogue: {"id", "split", "turns", "products" (parent SKUs whose values or images it uses)}; a turn:
{"user", "photos", "kind", "gold": {"tool", "arguments", ["cheaper" | "reply_kind"]}, "constraints" (after
the turn), "context" (before it: "topic", "constraints", "photos" sent so far, "shown" items on screen),
"meta": {"template", "price_form", "typo"}}.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
from pathlib import Path

from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import Reading, apply, fit_categories_to_gender
from tools.catalog_filter import normalise, satisfies
from assistant.catalog.vocabulary import NUMBER_WORDS

from assistant.training.dialogue_turns import TurnKinds
from assistant.training.dialogue_turns_robust import RobustTurnKinds
from assistant.training.dialogue_wording import (COLOUR_WORDS, DESCRIBE, FOLLOW, GENDER_WORDS, NO_TOOL, NOUNS,
                                                OPENERS, PATTERN_WORDS, PRICE_FORMS, SHOPPER_CLASSES,
                                                SIMPLE_MATERIALS, SIZE_WORDS, STYLE_NOUNS, TANK_WORDS, TEMPLATES,
                                                said_and_query)

TEST_PERCENT = 20  # share of parent SKUs held out for the test split
SHOWN = 5          # Settings.top_k: how many positions a reference can point at


def product_splits(catalog) -> dict[str, str]:
    """Parent SKU -> "train" or "test" (~TEST_PERCENT%), by a hash that does not change between runs.
    Parents that share an image (the stability ball in three sizes) go together, so no test photo
    is also a train photo."""
    root: dict[str, str] = {}

    def find(s: str) -> str:
        while root.setdefault(s, s) != s:
            s = root[s]
        return s
    owner: dict[str, str] = {}
    for p in catalog.all():
        for path in [p.image_path, *p.extra_images]:
            a, b = find(p.parent_sku), find(owner.setdefault(path, p.parent_sku))
            root[max(a, b)] = min(a, b)
    return {s: "test" if int(hashlib.sha1(find(s).encode()).hexdigest(), 16) % 100 < TEST_PERCENT else "train"
            for s in list(root)}


def templates(kind: str, split: str) -> list[tuple[str, str]]:
    """(template id, template) of a kind for a split: every fourth template is test-only."""
    if kind == "photo_only":
        return [("photo_only/0", "")]
    return [(f"{kind}/{i}", t) for i, t in enumerate(TEMPLATES[kind]) if (i % 4 == 3) == (split == "test")]


def _words(n: int, rng) -> str | None:
    """60 -> 'sixty', 65 -> 'sixty five' / 'sixty-five' (what the tracker can read back)."""
    if n % 5 or not 20 <= n <= 95:
        return None
    tens = next(w for w, v in NUMBER_WORDS.items() if v == n - n % 10)
    return tens + (rng.choice([" five", "-five"]) if n % 10 else "")


def _typo(text: str, rng) -> tuple[str, bool]:
    """One swapped, dropped or doubled letter in one word (never a number or a number word)."""
    spots = [m for m in re.finditer(r"[A-Za-z]{4,}", text) if m.group().lower() not in NUMBER_WORDS]
    if not spots:
        return text, False
    m = rng.choice(spots)
    w, i = m.group(), rng.randrange(1, len(m.group()) - 1)
    w = rng.choice([w[:i] + w[i + 1] + w[i] + w[i + 2:], w[:i] + w[i + 1:], w[:i] + w[i] + w[i:]])
    typo = text[:m.start()] + w + text[m.end():]
    return typo, typo != text  # swapping "ll" changes nothing


class _Generator(TurnKinds, RobustTurnKinds):
    """The dialogue machinery: state, products of the split, surface forms and the turn record;
    what each kind of turn says is in `TurnKinds` and `RobustTurnKinds`."""

    def __init__(self, catalog, vocab, split: str, seed: int, photos_root):
        self.catalog, self.vocab, self.split, self.rng = catalog, vocab, split, random.Random(f"{seed}:{split}")
        splits = product_splits(catalog)
        self.pool = [p for p in catalog.all() if splits[p.parent_sku] == split]
        self._matches: dict[str, list] = {}
        self.shopper: dict[str, list[str]] = {}  # catalog category -> photos from this split's folder
        root = Path(photos_root) if photos_root else None
        # The mirror's clothing-dataset-small has no test folder; validation is its held-out part.
        held_out = [f for f in ("test", "validation") if root and (root / f).is_dir()]
        folder = "train" if split == "train" else (held_out or [""])[0]
        for cls, cat in SHOPPER_CLASSES.items():
            if root and folder and (root / folder / cls).is_dir():
                self.shopper.setdefault(cat, []).extend(str(p) for p in sorted((root / folder / cls).iterdir())
                                                        if p.suffix.lower() in (".jpg", ".jpeg", ".png"))

    def matching(self, constraints: dict) -> list:
        """Products of this split that meet the constraints (the filter's own rules, `satisfies`)."""
        key = json.dumps(constraints, sort_keys=True)
        if key not in self._matches:
            c, _, errors = normalise(constraints, self.vocab)
            assert not errors, errors
            self._matches[key] = [p for p in self.pool if satisfies(p, c)]
        return self._matches[key]

    # -- saying a product's values ----------------------------------------------------------------

    def price(self, x: float, kinds=("max", "max", "max", "range", "min", "min")) -> tuple[str, dict, str]:
        """A price phrase that product price x meets: (words, constraints, form). Minimums come up
        almost as often as maximums, so "over $40" is not read as the commoner "under"."""
        rng, kind = self.rng, self.rng.choice(kinds)
        kind = "max" if kind == "min" and x < 15 else kind
        b = min(5 * math.ceil(x / 5) + rng.choice([0, 0, 5, 10, 20]), max(100, 5 * math.ceil(x / 5)))
        a = max(5, 5 * math.floor(x / 5) - rng.choice([0, 5, 10]))
        values = {"a": a, "b": b, "wa": _words(a, rng), "wb": _words(b, rng)}
        form = rng.choice([f for f in PRICE_FORMS[kind] if "{w" not in f or (values["wa"] and values["wb"])])
        said = {"max": {"price_max": float(b)}, "min": {"price_min": float(a)},
                "range": {"price_min": float(a), "price_max": float(b)}}[kind]
        return form.format(**values), said, form

    def colour_word(self, colour: str) -> str:
        if colour in COLOUR_WORDS and self.rng.random() < 0.3:  # "navy" for Blue: the vocabulary maps it
            return self.rng.choice(COLOUR_WORDS[colour])
        return colour.lower()

    def attributes(self, p, fields: tuple, rate: float = 1.0) -> tuple[list, list, dict, list, str | None]:
        """(words before the noun, phrases after it, constraints said, query words, price form) for p."""
        rng, pre, post, said, query, form = self.rng, [], [], {}, [], None
        g = p.gender if p.gender != "Unisex" else rng.choice(["Men", "Women"])  # unisex suits both
        c = self.colour_word(p.color) if p.color else ""
        s = rng.choice([s for s in p.sizes if s in SIZE_WORDS or s.isdigit()] or [None])
        m = rng.choice([m for m in p.material if m in SIMPLE_MATERIALS] or [""])
        table = [  # field, chance, catalog value, words before the noun, phrases after it
            ("gender", 0.6 if p.gender != "Unisex" else 0.12, g, GENDER_WORDS[g][0], GENDER_WORDS[g][1]),
            ("color", 0.45 * bool(c), p.color, [c], [f"in {c}"]),
            ("size", 0.25 * bool(s), s, [], [f"in size {s}", f"size {s}"] + (
                [f"in a {SIZE_WORDS[s]}", f"size {SIZE_WORDS[s]}"] if s in SIZE_WORDS else [])),
            ("material", 0.12 * bool(m), m, [m.lower()], [f"made of {m.lower()}"]),
            ("pattern", 0.25 * (p.pattern in PATTERN_WORDS), p.pattern, [PATTERN_WORDS.get(p.pattern)], []),
            ("eco", 0.08 * p.eco_collection, True, ["eco-friendly"], ["from the eco collection"]),
            ("on_sale", 0.08 * p.sale, True, [], ["on sale", "that are on sale"])]
        for name, chance, value, before, after in table:
            if name in fields and rng.random() < chance * rate:
                said[name] = value
                if after and ("noun" not in fields or not before or rng.random() < 0.45):
                    post.append(rng.choice(after))
                else:
                    pre.append(rng.choice(before))
        if "price" in fields and rng.random() < 0.5 * rate:
            text, values, form = self.price(p.price)
            post.append(text)
            said.update(values)
        options = [d for v in p.style + p.climate + p.features + p.activity for d in DESCRIBE.get(v, [])]
        if "describe" in fields and options and rng.random() < 0.35:  # query words, not constraints
            text, q = said_and_query(rng.choice(options))
            post.append(text) if text.startswith(("for ", "with ")) else pre.append(text)
            query.append(q)
        rng.shuffle(post)
        return pre, post, said, query, form

    def phrase(self, p, plural: bool | None = None,
               fields=("gender", "color", "size", "material", "pattern", "eco", "on_sale", "price", "describe")):
        """'a women's red hooded jacket under $60': (words, constraints said, query, price form)."""
        nouns = list(NOUNS.get(p.category, [(p.category.lower(), p.category.lower())]))
        nouns += [STYLE_NOUNS[s] for s in p.style if s in STYLE_NOUNS]
        nouns += [n for k, n in STYLE_NOUNS.items() if k.islower() and k in p.name.lower()] * 2
        sing, plur = self.rng.choice(nouns)
        plural = plural or sing is None or (plural is None and self.rng.random() < 0.5)
        pre, post, said, query, form = self.attributes(p, fields + ("noun",))
        noun = plur if plural else sing
        words = " ".join(pre + [noun] + post)
        words = words if plural else ("an " if words[0] in "aeiou" else "a ") + words
        category = self.vocab.category("tank").value if plur in TANK_WORDS else p.category
        return words, {"category": category, **said}, " ".join(query + [noun]), form

    # -- one dialogue ------------------------------------------------------------------------------

    def dialogue(self, did: str) -> dict:
        self.state, self.turns, self.products = DialogueState(did), [], set()
        self.query, self.photos, self.shown, self.colours, self.focus, self.liked = "", [], 0, [], None, False
        self.stuck = None  # after a request nothing meets: the turn that drops what cannot be met
        opener = self.pick(OPENERS)
        if not self.turn(opener) or opener in NO_TOOL:  # small talk, a vague opener or one that did not fit:
            self.turn("request")                         # then the real request
        target, tries = self.rng.choice([2, 3, 3, 4, 4, 5, 6]), 0
        while len(self.turns) < target and tries < 30:
            tries += 1
            if self.stuck:  # the shopper drops what nothing meets ("any colour then"), or leaves
                if self.rng.random() < 0.3 or not self.turn(self.stuck):
                    break
                self.stuck = None
                continue
            kind = self.pick(FOLLOW)
            if kind != self.turns[-1]["kind"]:  # "more like the ones I liked" twice in a row says nothing new
                self.turn(kind)
        return {"id": did, "split": self.split, "turns": self.turns, "products": sorted(self.products)}

    def turn(self, kind: str) -> bool:
        """One turn of a kind; False (and nothing added) when it does not fit the dialogue so far."""
        self.before = {"topic": self.query, "constraints": self.constraints,
                       "photos": [f"photo {i + 1}" for i in range(len(self.photos))], "shown": self.shown}
        shared = {"drop_size": (self.drop, "size"), "drop_color": (self.drop, "color"),
                  "reference": (self.recommend, "similar"), "goes_with": (self.recommend, "goes_with"),
                  "liked_more": (self.recommend, "similar", False), "what_else": (self.recommend, "any", False)}
        if kind in shared:
            return shared[kind][0](kind, *shared[kind][1:])
        return self.reply(kind) if kind in NO_TOOL else getattr(self, kind)()

    @property
    def constraints(self) -> dict:
        """The dialogue state's constraints in their JSON form (a fresh copy, in the order set)."""
        return self.state.constraints.to_dict()

    def pick(self, weights: dict) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def template(self, kind: str, avoid: str = "-", tags=None, want: bool | None = None) -> tuple[str, str, str]:
        """(id, tag, text) of a template of this split; tags: only those with one of these tags;
        want: only those that are (True) or are not (False) a first request saying "{want}"."""
        tid, text = self.rng.choice([t for t in templates(kind, self.split) if not t[1].startswith(avoid + "|")
                                     and (tags is None or t[1].partition("|")[0] in tags)
                                     and (want is None or ("{want}" in t[1]) == want)])
        tag, _, text = text.rpartition("|")
        return tid, tag, text

    def anchor(self, products: list):
        """Pick the product whose values the next words will say (so they are satisfiable)."""
        p = self.rng.choice(products)
        self.products.add(p.parent_sku)
        return p

    def fold(self, said: dict = None, unset=(), reset: bool = False) -> None:
        """The tracker's own rules for the state after a turn (a new category drops colour, size, price;
        of the kinds a word names, those sold for the gender: men's "singlets" are Tanks)."""
        self.settle(Reading(set=json.loads(json.dumps(said or {})), unset=list(unset), reset=reset))

    def settle(self, reading: Reading, state: DialogueState | None = None) -> None:
        """Apply a reading as the tracker does, gender fitting included (men's "singlets" are Tanks)."""
        state = self.state if state is None else state
        fit_categories_to_gender(reading, None if reading.reset else state, self.catalog)
        apply(reading, state)

    def add(self, kind, tid, text, tool=None, args=None, photos=(), form=None, **gold) -> bool:
        rng, r, typo = self.rng, self.rng.random(), False
        if r < 0.2:
            text = text.lower()
        elif r < 0.23:
            text = text.upper()
        elif r < 0.7:
            text = text[:1].upper() + text[1:]
        if text.endswith("?") and rng.random() < 0.15:
            text = text[:-1]
        if text and rng.random() < 0.1:
            text, typo = _typo(text, rng)
        self.turns.append({"user": text, "photos": list(photos), "kind": kind,
                           "gold": {"tool": tool, "arguments": json.loads(json.dumps(args or {})), **gold},
                           "constraints": self.constraints,
                           "context": self.before,
                           "meta": {"template": tid, "price_form": form, "typo": typo}})
        return True

    def listed(self, found: list) -> None:
        """What a list of results lets later turns point at: positions and colours (not which is where)."""
        self.shown, self.focus, self.colours = min(SHOWN, len(found)), None, sorted({p.color for p in found if p.color})

    def search(self, kind, tid, text, photo=None, query=None, **extra) -> bool:
        """A gold search with every constraint so far, the topic words (or `query`) and the photo."""
        constraints, query = self.constraints, self.query if query is None else query
        found = self.matching(constraints)
        assert found, f"unsatisfiable constraints {constraints}"
        self.listed(found)
        args = {**({"query": query} if query else {}), **constraints, **({"photo": photo} if photo else {})}
        return self.add(kind, tid, text, "search", args, **extra)

    def tool_turns(self) -> bool:
        return any(t["gold"]["tool"] for t in self.turns)

def generate(catalog, vocab, n_dialogues: int, seed: int, split: str, photos_root=None) -> list[dict]:
    """`n_dialogues` dialogues of `split` ("train" or "test"), the same for the same seed.
    photos_root: the clothing-dataset-small tree (default: the data mirror's, when present)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if photos_root is None:
        from assistant.catalog.download import shopper_photos_root
        from assistant.settings import Settings
        photos_root = shopper_photos_root(Settings.from_env())
    gen = _Generator(catalog, vocab, split, seed, photos_root)
    return [gen.dialogue(f"{split}-{seed}-{i:05d}") for i in range(n_dialogues)]
