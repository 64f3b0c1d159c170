"""The session as a signal (tools/personalize.py): likes, questions and rejections rank search and
recommendations."""
from __future__ import annotations

import dataclasses

import pytest

from assistant.explain import explanation
from assistant.recommender.retail_log import CatalogCF, ingest
from tests.conftest import synthetic_interaction_log
from assistant.dialogue.state import DialogueState
from tools.personalize import SessionSignals, blend, session_scores


def skus(result):
    return [h.sku for h in result.hits]


@pytest.mark.unit
def test_the_signals_are_what_the_shopper_liked_then_asked_about_and_rejected():
    state = DialogueState("s", liked=["A"], asked=["A", "B", "C"], rejected=["C"])
    signals = SessionSignals.from_state(state)
    assert signals.positives == [("A", "liked"), ("B", "asked")] and signals.rejected == ["C"] and signals
    assert not SessionSignals.from_state(DialogueState("fresh")) and not SessionSignals.from_state(None)


@pytest.mark.unit
def test_without_signals_or_product_vectors_the_ranking_is_unchanged(small_ctx, small_catalog):
    scores = {p.id: 1.0 / (n + 1) for n, p in enumerate(small_catalog.all()[:10])}
    assert blend(small_ctx, SessionSignals.from_state(small_ctx.state), scores) == (scores, {})
    small_ctx.state.liked = [small_catalog.all()[0].sku]  # a like, but no text index to compare products with
    assert blend(small_ctx, SessionSignals.from_state(small_ctx.state), scores) == (scores, {})


def test_a_like_moves_similar_items_up_and_says_why(registry, ctx, catalog):
    before = registry.run("search", {"query": "jacket"}, ctx)
    liked = before.hits[-1].sku
    ctx.state.liked = [liked]
    after = registry.run("search", {"query": "jacket"}, ctx)
    assert skus(after) != skus(before)
    reasons = [explanation(h.evidence).lower() for h in after.hits]
    assert any(f"like the {catalog.get(liked).name} you liked".lower() in r for r in reasons)
    # Never "like the X you liked" on X itself.
    assert not any(f"like the {catalog.get(h.sku).name} you liked".lower() in r for h, r in zip(after.hits, reasons))


def test_rejected_items_are_left_out_and_their_look_pushed_down(ctx, catalog, text_index):
    ctx.state.liked = ["WJ03-Blue"]
    ids = [p.id for p in catalog.all() if p.category_path.endswith("Jackets")]
    plain = session_scores(ctx, SessionSignals.from_state(ctx.state), ids)
    near = max((i for i in ids if catalog.by_id(i).parent_sku not in ("WJ03",)), key=lambda i: plain[i][0])
    ctx.state.rejected = [catalog.by_id(near).sku]
    pushed = session_scores(ctx, SessionSignals.from_state(ctx.state), ids)
    assert pushed[near][0] < plain[near][0]


def test_new_shopper_gets_popular_items_then_personal_ones(registry, ctx, catalog):
    first = registry.run("recommend", {}, ctx)
    assert len(first.hits) == 5 and not first.data["personal"]
    assert all(any(f.kind == "popular" for f in h.evidence) for h in first.hits)
    ctx.state.liked = ["MH01-Black"]
    second = registry.run("recommend", {}, ctx)
    assert second.data["personal"] and "MH01" not in {catalog.get(s).parent_sku for s in skus(second)}
    assert second.hits and all("like the chaz kangeroo hoodie you liked" in explanation(h.evidence).lower()
                               for h in second.hits)


def test_asking_about_an_item_is_a_weaker_signal(ctx):
    ctx.state.asked = ["WJ03-Blue"]
    signals = SessionSignals.from_state(ctx.state)
    assert signals.positives == [("WJ03-Blue", "asked")]
    fact = next(iter(session_scores(ctx, signals, [1, 2]).values()))[1]
    assert fact.signal == "asked" and explanation([fact]).startswith("Like the Augusta Pullover Jacket you asked about")


def test_with_a_log_recommendations_say_often_bought_with(tmp_path, registry, ctx, settings, catalog, text_index):
    local = dataclasses.replace(settings, data_dir=tmp_path)
    ingest(synthetic_interaction_log(catalog, tmp_path / "synthetic.csv"), local, catalog, text_index)
    ctx.recommender = CatalogCF.load(local.recommender_dir)
    anchor = catalog.variants(ctx.recommender.model.item_ids[0])[0]
    result = registry.run("recommend", {"item": anchor.sku, "relation": "goes_with"}, ctx)
    assert any(f"often bought with the {anchor.name}".lower() in explanation(h.evidence).lower() for h in result.hits)
    popular = registry.run("recommend", {}, dataclasses.replace(ctx, state=type(ctx.state)("fresh")))
    assert popular.hits and all(any(f.kind == "popular" and f.source == "log" for f in h.evidence)
                                for h in popular.hits)


def test_what_else_would_i_like_goes_to_the_recommender(scripted_bot, session_id):
    # The scripted model chats instead of calling a tool; the dialogue-state reading routes it.
    bot, _ = scripted_bot([{"name": "search", "args": {"query": "tee"}}, "", "I think you will love these!"])
    bot.respond(session_id, "tees for men")
    bot.respond(session_id, "I like the second one")
    reply = bot.respond(session_id, "what else would I like?")
    assert reply.tool_calls[0]["name"] == "recommend" and reply.tool_calls[0]["planned_by"] == "fallback"
    assert "item" not in reply.tool_calls[0]["arguments"]
    assert reply.items and all("you liked" in i.explanation.lower() for i in reply.items)
    assert reply.text.startswith("Here are 5 men's items picked for you from what you liked")


def test_real_model_end_to_end_likes_then_recommendations(real_bot, session_id):
    real_bot.respond(session_id, "hoodies for men")
    liked = real_bot.sessions.load(session_id).shown[0]
    real_bot.respond(session_id, "I like the first one")
    assert real_bot.sessions.load(session_id).liked == [liked.sku]
    reply = real_bot.respond(session_id, "what else would I like?")
    assert [c["name"] for c in reply.tool_calls][:1] == ["recommend"]
    assert reply.items and all(i.gender in ("Men", "Unisex") for i in reply.items)
    assert any(f"like the {liked.name} you liked".lower() in i.explanation.lower() for i in reply.items)
