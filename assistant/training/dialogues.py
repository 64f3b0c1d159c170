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
from collections import Counter
from pathlib import Path

from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import Reading, apply
from tools.catalog_filter import normalise, satisfies
from assistant.catalog.vocabulary import NUMBER_WORDS

from assistant.training.dialogue_wording import (TEMPLATES, KINDS, NO_TOOL, FOLLOW, OPENERS, NOUNS, STYLE_NOUNS,
                               TANK_WORDS, DESCRIBE, PHOTO_CHANGES, COLOUR_WORDS, GENDER_WORDS,
                               SIZE_WORDS, SIMPLE_MATERIALS, PATTERN_WORDS, PRICE_FORMS, ORDINALS,
                               SHOPPER_CLASSES)

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


def _said(entry: str) -> tuple[str, str]:
    """'for the rain=rain' -> ('for the rain', 'rain'); 'hooded' -> ('hooded', 'hooded')."""
    text, _, query = entry.partition("=")
    return text, query or text


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


def _without(constraints: dict, *names: str) -> dict:
    return {k: v for k, v in constraints.items() if k not in names}


def _other_gender(gender: str | None, rng) -> str:
    return {"Men": "Women", "Women": "Men"}.get(gender) or rng.choice(["Men", "Women"])


class _Generator:
    def __init__(self, catalog, vocab, split: str, seed: int, photos_root):
        self.vocab, self.split, self.rng = vocab, split, random.Random(f"{seed}:{split}")
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
            text, q = _said(rng.choice(options))
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
        opener = self.pick(OPENERS)
        self.turn(opener)
        if opener in NO_TOOL:  # small talk or a vague opener, then the real request
            self.turn("request")
        target, tries = self.rng.choice([2, 3, 3, 4, 4, 5, 6]), 0
        while len(self.turns) < target and tries < 30:
            tries += 1
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

    def template(self, kind: str, avoid: str = "-") -> tuple[str, str, str]:
        tid, text = self.rng.choice([t for t in templates(kind, self.split) if not t[1].startswith(avoid + "|")])
        tag, _, text = text.rpartition("|")
        return tid, tag, text

    def anchor(self, products: list):
        """Pick the product whose values the next words will say (so they are satisfiable)."""
        p = self.rng.choice(products)
        self.products.add(p.parent_sku)
        return p

    def fold(self, said: dict = None, unset=(), reset: bool = False) -> None:
        """The tracker's own rule for the state after a turn (a new category drops colour, size, price)."""
        apply(Reading(set=json.loads(json.dumps(said or {})), unset=list(unset), reset=reset), self.state)

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

    # -- requests and refinements -----------------------------------------------------------------

    def request(self) -> bool:
        want, said, self.query, form = self.phrase(self.anchor(self.pool))
        tid, _, text = self.template("request")
        text, reset = text.format(want=want), self.tool_turns()
        if reset:
            text = self.rng.choice(["start over: ", "new search: ", "let's start over. ", "start over, "]) + text
        self.fold(said, reset=reset)
        return self.search("request", tid, text, form=form)

    def sorted_request(self) -> bool:
        want, said, self.query, form = self.phrase(self.anchor(self.pool), True, ("gender", "color", "size", "price"))
        tid, sort, text = self.template("sorted_request")
        self.fold(said, reset=self.tool_turns())
        self.listed(self.matching(self.constraints))
        return self.add("sorted_request", tid, text.format(want=want), "catalog_filter",
                        {**self.constraints, "sort": sort}, form=form)

    # Refinements change the words-search so far; after a photo-only search there is no topic to refine.

    def refine_color(self) -> bool:
        c = self.constraints
        options = [p for p in self.matching(_without(c, "color")) if p.color and p.color != c.get("color")]
        if not self.query or not options:
            return False
        p = self.anchor(options)
        tid, _, text = self.template("refine_color")
        self.fold({"color": p.color})
        return self.search("refine_color", tid, text.format(color=self.colour_word(p.color)))

    def refine_price(self) -> bool:
        kind = self.rng.choice(["max", "max", "range", "min"])
        if not self.query:
            return False
        # "under $40" keeps a minimum and "over $20" a maximum
        drop = {"range": ("price_min", "price_max"), "max": ("price_max",), "min": ("price_min",)}[kind]
        p = self.anchor(self.matching(_without(self.constraints, *drop)))
        words, said, form = self.price(p.price, (kind,))
        if kind == "min" and "price_min" not in said:  # too cheap for a minimum: a maximum would drop nothing
            return False
        if all(self.constraints.get(k) == v for k, v in said.items()):
            return False
        tid, _, text = self.template("refine_price")
        self.fold(said)
        return self.search("refine_price", tid, text.format(price=words), form=form)

    def cheaper(self) -> bool:
        # "Cheaper" means below the median price shown, which only the running assistant knows:
        # the gold is the same search, flagged.
        if not self.query:
            return False
        tid, _, text = self.template("cheaper")
        return self.search("cheaper", tid, text, cheaper=True)

    def switch_gender(self) -> bool:
        g = _other_gender(self.constraints.get("gender"), self.rng)
        options = self.matching({**self.constraints, "gender": g})
        if not self.query or not options:
            return False
        self.anchor(options)
        tid, _, text = self.template("switch_gender")
        self.fold({"gender": g})
        prefix, suffix = GENDER_WORDS[g]
        return self.search("switch_gender", tid, text.format(for_g=self.rng.choice(suffix), gs=self.rng.choice(prefix)))

    def drop(self, kind: str, name: str) -> bool:
        if not self.query or name not in self.constraints:
            return False
        tid, _, text = self.template(kind)
        self.fold(unset=[name])
        return self.search(kind, tid, text)

    # -- references, recommendations, explanations ------------------------------------------------

    def ref(self, pronouns=("it", "this one", "that one")) -> tuple[str, str]:
        """(words, gold item) for an item of the last list: a position, a colour or a pronoun."""
        rng, r = self.rng, self.rng.random()
        if r < 0.2 and len(self.colours) > 1:  # a colour some product meeting the constraints has
            words = f"the {rng.choice(self.colours).lower()} one"
            return words, words
        if r < 0.4:  # the item last pointed at, else the top of the list (as DialogueState.resolve)
            return rng.choice(pronouns), self.focus or "1"
        if r < 0.45:
            return rng.choice(["the last one", "the last"]), "last"
        k = rng.randint(1, self.shown)
        form = rng.choice(["the {w} one", "the {w}", "the {n} one", "#{k}", "number {k}", "item {k}", "option {k}"])
        return form.format(w=ORDINALS[k - 1], n=f"{k}{['st', 'nd', 'rd', 'th', 'th'][k - 1]}", k=k), str(k)

    def recommend(self, kind: str, relation: str, with_item: bool = True) -> bool:
        if not self.shown or (kind == "liked_more" and not self.liked):
            return False
        tid, tag, text = self.template(kind)
        args = {}
        if with_item:
            words, args["item"] = self.ref()
            text = text.format(ref=words)
        args["relation"] = relation
        # Recommendations keep who they are for and the budget (as the controller grounds them).
        args.update({k: self.constraints[k] for k in ("gender", "price_max") if k in self.constraints})
        self.liked |= tag == "liked"
        self.shown, self.colours, self.focus = 3, [], None  # a new list, whose colours are unknown here
        return self.add(kind, tid, text, "recommend", args)

    def explain(self) -> bool:
        if not self.shown:
            return False
        tid, _, text = self.template("explain")
        words, self.focus = self.ref(("this one", "that one"))
        return self.add("explain", tid, text.format(ref=words), "explain", {"item": self.focus})

    # -- photos -----------------------------------------------------------------------------------

    def new_photo(self) -> tuple[str, list]:
        """(path, products it stands for): at the start a shopper photo of a class the catalog sells,
        else a catalog image of a product meeting the constraints so far (so the words stay satisfiable)."""
        classes = sorted(c for c in self.shopper if any(p.category == c for p in self.pool))
        if not self.constraints and classes and self.rng.random() < 0.5:
            cat = self.rng.choice(classes)
            path, products = self.rng.choice(self.shopper[cat]), [p for p in self.pool if p.category == cat]
        else:
            p = self.anchor(self.matching(self.constraints))
            path, products = self.rng.choice([p.image_path] + p.extra_images), [p]
        self.photos.append(products)
        return path, f"photo {len(self.photos)}"

    def photo_like(self) -> bool:
        path, name = self.new_photo()
        tid, _, text = self.template("photo_like")
        extra, said, form = "", {}, None
        if "{extra}" in text and self.rng.random() < 0.5:  # "... for women under $50"
            product = self.anchor(self.photos[-1])
            _, post, said, _, form = self.attributes(product, ("gender", "color", "size", "price"), 0.8)
            extra = "".join(" " + w for w in post)
        self.fold(said)
        return self.search("photo_like", tid, text.format(extra=extra), name, "", photos=[path], form=form)

    def photo_only(self) -> bool:
        path, name = self.new_photo()
        return self.search("photo_only", "photo_only/0", "", name, "", photos=[path])

    def photo_modify(self) -> bool:
        """'like photo 1 but in red': an earlier photo or one sent now, with one change."""
        rng, c = self.rng, self.constraints
        if self.photos and rng.random() < 0.6:
            n, photos = rng.randint(1, len(self.photos)), []
            options = [f"photo {n}", f"photo #{n}", f"pic {n}"]
            options += [f"my {ORDINALS[n - 1]} photo", f"the {ORDINALS[n - 1]} picture"] if n <= len(ORDINALS) else []
            name, words = f"photo {n}", rng.choice(options)
        else:
            path, name = self.new_photo()
            photos, words = [path], rng.choice(["this", "this one"])
        pictured = self.photos[int(name.split()[1]) - 1]

        def same_kind(options):  # prefer the pictured product's variants, then its category
            return ([q for q in options if len(pictured) == 1 and q.parent_sku == pictured[0].parent_sku]
                    or [q for q in options if q.category == pictured[0].category] or options)
        change = rng.choice(["color", "gender", "describe", "cheaper", "price"])
        said, query, extra, form = {}, "", {}, None
        g = _other_gender(c.get("gender") or pictured[0].gender, rng)
        colours = [q for q in self.matching(_without(c, "color")) if q.color and q.color != c.get("color")]
        if change == "color" and colours:
            q = self.anchor(same_kind(colours))
            said, how = {"color": q.color}, f"in {self.colour_word(q.color)}"
        elif change == "gender" and self.matching({**c, "gender": g}):
            self.anchor(same_kind(self.matching({**c, "gender": g})))
            said, how = {"gender": g}, rng.choice(GENDER_WORDS[g][1])
        elif change == "cheaper":
            how, extra = rng.choice(["cheaper", "less expensive", "more affordable"]), {"cheaper": True}
        elif change == "price":
            q = self.anchor(same_kind(self.matching(_without(c, "price_max"))))
            how, said, form = self.price(q.price, ("max",))
        else:  # descriptive words move the photo's embedding: they are the query
            how, query = _said(rng.choice(PHOTO_CHANGES.get(pictured[0].category, []) + PHOTO_CHANGES[""]))
        tid, _, text = self.template("photo_modify")
        self.fold(said)
        return self.search("photo_modify", tid, text.format(photo=words, change=how), name, query,
                           photos=photos, form=form, **extra)

    # -- turns that need no tool ------------------------------------------------------------------

    def reply(self, kind: str) -> bool:
        if kind == "clarify" and self.tool_turns():  # "I want the thing" only before anything was searched
            return False
        tid, _, text = self.template(kind, "end" if not self.turns else "start")
        return self.add(kind, tid, text, reply_kind=kind)


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


def write(dialogues: list[dict], path) -> Path:
    """One dialogue per line (JSONL)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues)
    return path


def summary(dialogues: list[dict]) -> dict:
    turns = [t for d in dialogues for t in d["turns"]]
    count = lambda values: dict(Counter(values).most_common())  # noqa: E731
    return {"dialogues": len(dialogues), "turns": len(turns), "kinds": count(t["kind"] for t in turns),
            "tools": count(t["gold"]["tool"] or "none" for t in turns),
            "templates": len({t["meta"]["template"] for t in turns}),
            "price_forms": count(t["meta"]["price_form"] for t in turns if t["meta"]["price_form"]),
            "typo_turns": sum(t["meta"]["typo"] for t in turns), "photo_turns": sum(bool(t["photos"]) for t in turns),
            "products": len({s for d in dialogues for s in d["products"]})}


def build_dataset(settings, n_train: int, n_test: int, out_dir: Path) -> dict:
    """`python -m assistant train dialogues`: both splits as JSONL in out_dir, their summaries,
    and a plot of turns per kind."""
    from assistant.catalog.store import Catalog
    from assistant.catalog.vocabulary import Vocabulary
    from tqdm.auto import tqdm
    catalog = Catalog(settings.db_path)
    vocab = Vocabulary.from_catalog(catalog)
    out_dir = Path(out_dir)
    summaries = {}
    for split, n in tqdm((("train", n_train), ("test", n_test)), desc="dialogues"):
        dialogues = generate(catalog, vocab, n, settings.seed, split)
        write(dialogues, out_dir / f"dialogues_{split}.jsonl")
        summaries[split] = summary(dialogues)
    (out_dir / "dialogues_summary.json").write_text(json.dumps(summaries, indent=2))
    _plot(summaries, out_dir / "dialogues_kinds.png")
    figures = {}
    for split, s in summaries.items():
        figures.update({f"{split}_{k}": s[k] for k in ("dialogues", "turns", "templates", "typo_turns", "photo_turns", "products")})
        figures.update({f"{split}_tool_{tool}": n for tool, n in s["tools"].items()})
    return figures


def _plot(summaries: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    kinds = list(summaries["train"]["kinds"])
    fig, ax = plt.subplots(figsize=(10, 5))
    for offset, split in ((-0.2, "train"), (0.2, "test")):
        total = summaries[split]["turns"]
        ax.barh([i + offset for i in range(len(kinds))], [summaries[split]["kinds"].get(k, 0) / total for k in kinds],
                height=0.4, label=f"{split} ({total} turns)")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.invert_yaxis()
    ax.set_xlabel("share of turns")
    ax.set_title("self-instruct dialogues: turns per kind")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
