"""Turns of real shopper language (issue 15), one method per kind: values left out and taken back,
several values, prices said without a number, orders, requests nothing meets, and render requests.

Mixed into the dialogue generator (`assistant/training/dialogues.py`) beside `TurnKinds`. The
constraints after each turn are folded by the tracker's own rules: exclusions by
`assistant.dialogue.exclusions.fold` ("not black" after "black jackets" drops black), vague prices
by `assistant.dialogue.vague_prices.read_vague_price` run on the message itself (the median price of
the category and gender), the rest by `tracker.apply`. Values are read off real products, so every
gold search has results, except the "impossible" turns, which ask for what no product of the whole
catalog meets (their gold is the search as said; the tool answers with the closest products).
"""
from __future__ import annotations

import copy
import math

from assistant.catalog.constraints import FIELDS, as_list
from assistant.catalog.vocabulary import VocabularyError
from assistant.dialogue.exclusions import EXCLUDED_BY, Exclusions, fold as fold_exclusions
from assistant.dialogue.tracker import Reading
from assistant.dialogue.vague_prices import read_vague_price
from assistant.training.dialogue_turns import _without
from assistant.training.dialogue_wording import GENDER_WORDS, NOUNS, PRICE_FORMS, SIZE_WORDS, START_OVER
from assistant.training.dialogue_wording_robust import EXCLUDED_MATERIALS, FEATURE_SAY, PATTERN_SAY
from tools.catalog_filter import normalise, satisfies

SHOWN_AFTER_RELAXING = 5  # the closest products the search shows when nothing meets a request (Settings.top_k)


class RobustTurnKinds:
    # -- helpers ------------------------------------------------------------------------------------

    def opening(self) -> tuple[bool, str]:
        """(reset, words before it) for a first request: after earlier searches it starts over."""
        reset = self.tool_turns()
        return reset, self.rng.choice(START_OVER) if reset else ""

    def after(self, reading: Reading) -> dict:
        """The constraints the tracker's `apply` would leave after `reading`; the state unchanged."""
        trial = copy.deepcopy(self.state)
        self.settle(copy.deepcopy(reading), trial)
        return trial.constraints.to_dict()

    def as_tracker_holds(self, values: dict) -> dict:
        """Constraints as the tracker holds them, for its readers: a category is a list (the gold
        calls write one category as a string)."""
        return {**values, "category": as_list(values["category"])} if values.get("category") else dict(values)

    def meets_some(self, constraints: dict) -> bool:
        """Some product of the split meets the constraints (a minimum above the maximum: none)."""
        low, high = constraints.get("price_min"), constraints.get("price_max")
        return (low is None or high is None or low <= high) and bool(self.matching(constraints))

    def sold(self, constraints: dict) -> bool:
        """Whether any product of the whole catalog (both splits) meets the constraints."""
        c, _, errors = normalise(constraints, self.vocab)
        assert not errors, errors
        return any(satisfies(p, c) for p in self.catalog.all())

    def noun_of(self, category: str) -> str | None:
        """A plural shopper word that the tracker reads as this category alone ("hoodies"); one word,
        since the tracker joins "jackets or hoodies" but not "jackets or gym equipment"."""
        options = []
        for _, plural in NOUNS.get(category, []):
            try:
                if plural and " " not in plural and as_list(self.vocab.category(plural).value) == [category]:
                    options.append(plural)
            except VocabularyError:
                continue
        return self.rng.choice(options) if options else None

    # -- values left out and taken back -------------------------------------------------------------

    def left_out(self, products: list, held: dict, keep=None) -> tuple[str, list, str] | None:
        """(field, catalog values, words) of a value to leave out: one that some of `products` have,
        so the list changes, and not every one (nor `keep`, the product the request is about);
        `held`: the constraints it is said with."""
        rng = self.rng
        options: list[tuple[float, str, object, list[str]]] = []
        for colour in sorted({p.color for p in products if p.color} - set(as_list(held.get("color") or []))):
            options.append((0.45, "color", colour, [self.colour_word(colour)]))
        for feature, words in FEATURE_SAY.items():
            options.append((0.25, "feature", feature, words))
        for material in EXCLUDED_MATERIALS:
            if material != held.get("material"):
                options.append((0.1, "material", material, [material.lower()]))
        for pattern, words in PATTERN_SAY.items():
            if pattern != held.get("pattern"):
                options.append((0.1, "pattern", pattern, words))
        categories = as_list(held.get("category") or [])
        for category in categories if len(categories) > 1 else []:  # "jackets or hoodies", then "no hoodies"
            if (noun := self.noun_of(category)) is not None:
                options.append((0.8, "category", category, [noun]))
        fits = []
        for weight, field, value, words in options:
            if value in (held.get(EXCLUDED_BY[field]) or []):
                continue
            left = [p for p in products if FIELDS[EXCLUDED_BY[field]].holds(p, [value])]
            if left and len(left) < len(products) and (keep is None or keep in left):
                fits.append((weight, field, value, words))
        if not fits:
            return None
        _, field, value, words = rng.choices(fits, [f[0] for f in fits])[0]
        return field, [value], rng.choice(words)

    def exclude(self) -> bool:
        """'not black please', 'no hoods': a value left out of the search so far (kept from then on)."""
        if not self.query:
            return False
        found = self.left_out(self.matching(self.constraints), self.constraints)
        if found is None:
            return False
        field, values, words = found
        reading = Reading()
        fold_exclusions(reading, self.state, Exclusions("", excluded={field: values}))
        if not self.matching(self.after(reading)):
            return False
        tid, _, text = self.template("exclude", tags=("any", "color") if field == "color" else ("any",))
        self.settle(reading)
        return self.search("exclude", tid, text.format(x=words))

    def exclude_request(self) -> bool:
        """'women's jackets, anything but black': a first request that leaves something out."""
        p = self.anchor(self.pool)
        want, said, query, form = self.phrase(p)
        same_kind = self.matching({k: v for k, v in said.items() if k in ("category", "gender")})
        found = self.left_out(same_kind, said, keep=p)
        if found is None:
            return False
        field, values, words = found
        reset, start = self.opening()
        reading = Reading(set=dict(said), reset=reset)
        fold_exclusions(reading, None if reset else self.state, Exclusions("", excluded={field: values}))
        tid, _, text = self.template("exclude_request", tags=("any", "color") if field == "color" else ("any",))
        self.query = query
        self.settle(reading)
        return self.search("exclude_request", tid, start + text.format(want=want, x=words), form=form)

    def allow(self) -> bool:
        """'black is fine now': a value left out earlier is taken back."""
        held = [(field, value) for field, name in EXCLUDED_BY.items() for value in self.constraints.get(name) or []]
        if not self.query or not held:
            return False
        field, value = self.rng.choice(held)
        words = {"color": self.colour_word(value), "material": str(value).lower(),
                 "feature": FEATURE_SAY.get(value, [value])[0], "pattern": PATTERN_SAY.get(value, [value])[0],
                 "category": self.noun_of(value)}[field]
        if words is None:
            return False
        reading = Reading()
        fold_exclusions(reading, self.state, Exclusions("", allowed={field: [value]}))
        tid, _, text = self.template("allow")
        self.settle(reading)
        plural = field in ("feature", "category") or words.endswith("s")
        return self.search("allow", tid, text.format(x=words, be="are" if plural else "is"))

    # -- several values ----------------------------------------------------------------------------

    def multi_value(self) -> bool:
        """'green or blue', 'M or L' for the search so far, or a first request for two kinds of product."""
        if self.query and self.rng.random() < 0.75:
            return self.several_sizes() if self.rng.random() < 0.35 else self.several_colours()
        return self.several_categories()

    def several_colours(self) -> bool:
        options = [p for p in self.matching(_without(self.constraints, "color")) if p.color]
        colours = sorted({p.color for p in options})
        if len(colours) < 2:
            return False
        first = self.anchor(options).color
        second = self.rng.choice([c for c in colours if c != first])
        tid, _, text = self.template("multi_value", tags=("color",))
        self.fold({"color": [first, second]})
        return self.search("multi_value", tid, text.format(a=self.colour_word(first), b=self.colour_word(second)))

    def several_sizes(self) -> bool:
        sayable = lambda p: [s for s in p.sizes if s in SIZE_WORDS or s.isdigit()]  # noqa: E731
        options = [p for p in self.matching(_without(self.constraints, "size")) if sayable(p)]
        if not options:
            return False
        first = self.rng.choice(sayable(self.anchor(options)))
        others = sorted({s for p in options for s in sayable(p)} - {first})
        if not others:
            return False
        second = self.rng.choice(others)
        letters = first in SIZE_WORDS and second in SIZE_WORDS
        tid, _, text = self.template("multi_value", tags=("size", "letters") if letters else ("size",))
        self.fold({"size": [first, second]})  # as letters: the tracker reads "small or large" as S, M and L
        return self.search("multi_value", tid, text.format(a=first, b=second))

    def several_categories(self) -> bool:
        first = self.anchor(self.pool)
        gender = first.gender if first.gender != "Unisex" else self.rng.choice(["Men", "Women"])
        others = [p for p in self.pool if p.category != first.category and p.gender in (gender, "Unisex")]
        second = self.anchor(others) if others else None
        nouns = [self.noun_of(first.category), second and self.noun_of(second.category)]
        if None in nouns or nouns[0] == nouns[1]:
            return False
        said = {"category": [first.category, second.category]}
        want = f"{nouns[0]} or {nouns[1]}"
        if self.rng.random() < 0.6:
            before, after = GENDER_WORDS[gender]
            want = (f"{self.rng.choice(before)} {want}" if self.rng.random() < 0.5 else f"{want} {self.rng.choice(after)}")
            said["gender"] = gender
        reset, start = self.opening()
        tid, _, text = self.template("multi_value", tags=("category",))
        self.query = " ".join(nouns)
        self.fold(said, reset=reset)
        return self.search("multi_value", tid, start + text.format(want=want))

    # -- prices without a number, orders ---------------------------------------------------------------

    def vague_price(self) -> bool:
        """'cheap women's jackets', 'something more high-end': at most / at least the median price of
        the category and gender, as `read_vague_price` reads the message."""
        rng, follow = self.rng, bool(self.query) and self.rng.random() < 0.7
        reset, start, said, want, query, p = False, "", {}, "", self.query, None
        if not follow:
            p = self.anchor(self.pool)
            want, said, query, _ = self.phrase(p, True, ("gender", "color", "size", "material", "pattern", "describe"))
            reset, start = self.opening()
        state = None
        if not reset:  # the dialogue so far, as the tracker would hold it
            state = copy.deepcopy(self.state)
            state.constraints = type(state.constraints).from_dict(self.as_tracker_holds(self.constraints))
        probe = Reading(set=self.as_tracker_holds(said))
        read_vague_price("cheap", probe, state, self.catalog)
        if "price_max" not in probe.set:
            return False
        median = probe.set["price_max"]
        if follow:  # either way, so long as something still meets it and it changes the search
            held = self.constraints
            ways = [w for w, key in (("cheap", "price_max"), ("premium", "price_min"))
                    if held.get(key) != median and self.meets_some(self.after(Reading(set={key: median})))]
        else:
            ways = ["cheap" if p.price <= median else "premium"]
        if not ways:
            return False
        tid, way, text = self.template("vague_price", tags=(rng.choice(ways),), want=not follow)
        text = start + text.format(want=want)
        reading = Reading(set=self.as_tracker_holds(said), reset=reset)
        read_vague_price(text.lower(), reading, state, self.catalog)  # the tracker's rule, on the words said
        key = {"cheap": "price_max", "premium": "price_min"}[way]
        if reading.set.get(key) != median:
            return False
        self.query = query
        self.fold({**said, key: median}, reset=reset)
        return self.search("vague_price", tid, text)

    def sort(self) -> bool:
        """'cheapest first': the search so far, ordered (the sorted filter)."""
        if not self.query or not self.constraints:
            return False
        tid, order, text = self.template("sort")
        self.listed(self.matching(self.constraints))
        return self.add("sort", tid, text, "catalog_filter", {**self.constraints, "sort": order})

    # -- requests nothing meets --------------------------------------------------------------------------

    def impossible(self) -> bool:
        """'men's yellow jackets' where none are sold, 'under $10' below the cheapest: the gold is the
        search as said. The next turn drops what cannot be met ("any colour then"), or the shopper leaves."""
        follow = bool(self.query) and self.rng.random() < 0.5
        if follow:
            base, query, reset, start, form, want = self.constraints, self.query, False, "", None, ""
        else:
            p = self.anchor(self.pool)
            want, base, query, form = self.phrase(p, True, ("gender", "size", "material", "describe"))
            reset, start = self.opening()
        changes = []
        excluded = set(base.get("not_color") or [])
        colours = [c for c in self.vocab.colors if c not in excluded and not self.sold({**_without(base, "color"), "color": c})]
        if colours:
            colour = self.rng.choice(colours)
            changes.append(({"color": colour}, f"in {self.colour_word(colour)}", None, "drop_color"))
        if "price_min" not in base:
            wanted = normalise(_without(base, "price_max"), self.vocab)[0]
            prices = [p.price for p in self.catalog.all() if satisfies(p, wanted)]
            below = 5 * math.ceil(min(prices) / 5) - 5 if prices else 0
            if below >= 5:
                form = self.rng.choice([f for f in PRICE_FORMS["max"] if "{w" not in f])
                changes.append(({"price_max": float(below)}, form.format(b=below), form, "drop_price"))
        if not changes:
            return False
        change, words, price_form, fix = self.rng.choice(changes)
        if self.sold({**base, **change}):
            return False
        tid, _, text = self.template("impossible", tags=("more",) if follow else ("req",))
        text = start + text.format(want=f"{want} {words}", change=words)
        self.query = query
        self.fold({**(base if not follow else {}), **change}, reset=reset)
        self.shown, self.colours, self.focus, self.stuck = SHOWN_AFTER_RELAXING, [], None, fix
        args = {**({"query": self.query} if self.query else {}), **self.constraints}
        return self.add("impossible", tid, text, "search", args, form=price_form or form)

    def drop_price(self) -> bool:
        bounds = [k for k in ("price_min", "price_max") if k in self.constraints]
        if not self.query or not bounds:
            return False
        tid, _, text = self.template("drop_price")
        self.fold(unset=bounds)
        return self.search("drop_price", tid, text)

    # -- render requests: showing, not filtering (no constraint changes) ---------------------------------

    def render_color(self) -> bool:
        """'how would the second one look in green?': an item on screen in a colour."""
        if not self.shown:
            return False
        words, item = self.ref(by_colour=False)  # "the red one in green" would name two colours
        colour = self.rng.choice(list(self.vocab.colors))
        tid, _, text = self.template("render_color")
        self.focus = item
        return self.add("render_color", tid, text.format(ref=words, color=self.colour_word(colour)), "render",
                        {"item": item, "color": colour})

    def render_photo(self) -> bool:
        """'show the second one on my photo': an item on screen placed into a photo the shopper sent."""
        if not self.shown:
            return False
        rng, sent = self.rng, []
        if self.photos and rng.random() < 0.7:
            n = rng.randint(1, len(self.photos))
            options = [f"photo {n}", f"photo #{n}", f"pic {n}"]
            options += ["my photo", "my picture", "the photo"] if n == len(self.photos) else []
        else:  # sent with these words: a shopper photo when there are any
            categories = sorted(self.shopper)  # of the shopper photos this split has
            if categories:
                category = rng.choice(categories)
                sent = [rng.choice(self.shopper[category])]
                self.photos.append([p for p in self.pool if p.category == category] or self.pool)
            else:
                sent = [self.new_photo()[0]]
            n, options = len(self.photos), ["this photo", "this picture", "my photo", "this pic"]
        words, item = self.ref(by_colour=False)
        tid, _, text = self.template("render_photo")
        self.focus = item
        return self.add("render_photo", tid, text.format(ref=words, photo=rng.choice(options)), "render",
                        {"item": item, "photo": f"photo {n}"}, photos=sent)

    def render_words(self) -> bool:
        """'imagine a teal hooded running jacket': words to render, said from a real product's values."""
        words, _, _, _ = self.phrase(self.anchor(self.pool), False, ("gender", "color", "describe"))
        description = words if words.startswith(("a ", "an ")) else "some " + words
        tid, _, text = self.template("render_words")
        return self.add("render_words", tid, text.format(desc=description), "render", {"description": description})
