"""What each kind of training turn says and its gold call: one method per kind of turn.

Mixed into the dialogue generator (`assistant/training/dialogues.py`), which owns the state, the
split's products, the surface forms of values and the turn record these methods fill.
"""
from __future__ import annotations

from assistant.training.dialogue_wording import GENDER_WORDS, ORDINALS, PHOTO_CHANGES, START_OVER, said_and_query


def _without(constraints: dict, *names: str) -> dict:
    return {k: v for k, v in constraints.items() if k not in names}


def _other_gender(gender: str | None, rng) -> str:
    return {"Men": "Women", "Women": "Men"}.get(gender) or rng.choice(["Men", "Women"])


class TurnKinds:
    # -- requests and refinements -----------------------------------------------------------------

    def request(self) -> bool:
        want, said, self.query, form = self.phrase(self.anchor(self.pool))
        tid, _, text = self.template("request")
        text, reset = text.format(want=want), self.tool_turns()
        if reset:
            text = self.rng.choice(START_OVER) + text
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

    def ref(self, pronouns=("it", "this one", "that one"), by_colour: bool = True) -> tuple[str, str]:
        """(words, gold item) for an item of the last list: a position, a colour or a pronoun."""
        rng, r = self.rng, self.rng.random()
        if r < 0.2 and len(self.colours) > 1 and by_colour:  # a colour some product meeting the constraints has
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
            how, query = said_and_query(rng.choice(PHOTO_CHANGES.get(pictured[0].category, []) + PHOTO_CHANGES[""]))
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
