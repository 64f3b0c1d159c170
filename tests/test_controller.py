"""The controller (assistant/controller.py) in whole Assistant turns, driven by a scripted planner
(deterministic): grounding, the fallback policy, bounded steps. The unit tests run catalog_filter,
explain and recommend turns over the small catalog; turns that search with words are full tier."""
import pytest

from assistant.controller import drop_contradictions, fallback, shopper_said
from assistant.dialogue.tracker import Reading
from assistant.planning.planner import Step
from tools.catalog_filter import Constraints, satisfies


def search(**args):
    return {"name": "search", "args": args}


def catalog_filter(**args):
    return {"name": "catalog_filter", "args": args}


@pytest.mark.unit
def test_state_carries_across_turns(small_bot, session_id, small_catalog):
    bot, planner = small_bot([catalog_filter(), "", catalog_filter(), "", catalog_filter(), ""])
    first = bot.respond(session_id, "women's jackets under $60")
    assert first.items and first.tool_calls[0]["name"] == "catalog_filter"
    second = bot.respond(session_id, "in blue instead")
    wanted = Constraints(gender="Women", category=["Jackets"], color="Blue", price_max=60)
    assert second.items and all(satisfies(small_catalog.get(i.sku), wanted) for i in second.items)
    third = bot.respond(session_id, "forget the price limit")
    assert "price_max" not in third.tool_calls[0]["arguments"]
    assert third.items and all(i.color == "Blue" and i.category == "Jackets" for i in third.items)
    # The planner saw the dialogue before the message and the tracker's reading of it.
    turn, observations = planner.seen[-2]
    assert turn.text == "forget the price limit" and not observations
    assert turn.before["constraints"]["price_max"] == 60 and "price_max" in turn.reading.unset
    assert turn.state.constraints.gender == "Women" and "price_max" not in turn.state.constraints
    # After the search, it saw the call as grounded and what it returned.
    assert planner.seen[-1][1][0].call["args"] == third.tool_calls[0]["arguments"]
    assert third.items[0].name in planner.seen[-1][1][0].result


@pytest.mark.unit
def test_references_resolve_against_the_last_list(small_bot, session_id):
    bot, _ = small_bot([catalog_filter(), "", {"name": "explain", "args": {"item": "nonsense"}}, "",
                           {"name": "recommend", "args": {"item": "x", "relation": "goes_with"}}, ""])
    shown = bot.respond(session_id, "men's hoodies")
    why = bot.respond(session_id, "why the second one?")
    assert [i.sku for i in why.items] == [shown.items[1].sku]
    assert why.text.startswith(f"Why #2, {shown.items[1].name}")
    assert why.items[0].explanation.startswith("Of the 5 shown, it is ")  # how it differs from the rest
    assert why.items[0].evidence[-len(shown.items[1].evidence):] == shown.items[1].evidence
    more = bot.respond(session_id, "what goes with the first one?")
    assert more.tool_calls[0]["arguments"]["item"] == shown.items[0].sku
    assert more.items and all(any(f.kind in ("link", "similar") for f in i.evidence) for i in more.items)


@pytest.mark.unit
def test_an_item_named_by_position_is_grounded_in_the_shoppers_words(small_bot, session_id):
    bot, _ = small_bot([catalog_filter(), "", {"name": "recommend", "args": {"item": "3", "relation": "similar"}},
                           "", {"name": "explain", "args": {"item": "4"}}, ""])
    shown = bot.respond(session_id, "men's hoodies")
    similar = bot.respond(session_id, "items close to #3?")
    assert similar.tool_calls[0]["arguments"]["item"] == shown.items[2].sku and similar.items
    made_up = bot.respond(session_id, "explain that please")  # "4" is not in the message: not grounded
    assert not made_up.tool_calls or made_up.tool_calls[0]["arguments"].get("item") != shown.items[3].sku


@pytest.mark.unit
def test_hallucinated_constraints_are_dropped(small_bot, session_id):
    bot, _ = small_bot([catalog_filter(color="Red", price_max=5, gender="Men"), ""])
    reply = bot.respond(session_id, "women's tees")
    args = reply.tool_calls[0]["arguments"]
    assert args["gender"] == "Women" and "color" not in args and "price_max" not in args
    assert reply.items


@pytest.mark.unit
def test_malformed_tool_calls_never_end_the_turn(small_bot, session_id):
    bot, _ = small_bot([{"name": "teleport", "args": {"to": "moon"}}, catalog_filter(sort="cheapest", bogus=1), ""])
    reply = bot.respond(session_id, "a tee please")
    assert reply.items  # the second, repaired call worked
    assert [c["name"] for c in reply.tool_calls] == ["teleport", "catalog_filter"]


def test_a_failing_chat_model_or_tool_keeps_the_session(scripted_bot, session_id, monkeypatch):
    bot, _ = scripted_bot([RuntimeError("model crashed"), search(query="shorts"), ""])
    reply = bot.respond(session_id, "men's shorts")
    assert reply.text  # answered, with the state tracker's constraints, no tool
    import tools.registry as registry_module
    monkeypatch.setattr(registry_module, "hybrid_search", lambda *a, **k: 1 / 0)
    reply = bot.respond(session_id, "men's shorts")
    assert "could not run" in reply.text and "ZeroDivisionError" not in reply.text and "division" not in reply.text
    state = bot.sessions.load(session_id)
    assert state.constraints.category == ["Shorts"] and len(state.history) == 4


@pytest.mark.unit
def test_steps_are_bounded(small_bot, session_id, tmp_settings):
    sorts = ["price_asc", "price_desc", "rating"] * 3
    bot, planner = small_bot([catalog_filter(sort=s) for s in sorts])
    reply = bot.respond(session_id, "tees")
    assert len(reply.tool_calls) == len(planner.seen) == tmp_settings.max_steps == 3


@pytest.mark.unit
def test_a_repeated_call_ends_the_loop(small_bot, session_id):
    bot, planner = small_bot([catalog_filter(), catalog_filter(), catalog_filter()])
    reply = bot.respond(session_id, "tees")
    assert len(reply.tool_calls) == 1 and len(planner.seen) == 2


@pytest.mark.unit
def test_chit_chat_reply_is_checked_for_invented_facts(small_bot, session_id):
    bot, _ = small_bot(["Hello! Happy to help.", "Our Chaz Kangeroo Hoodie costs $3."])
    assert bot.respond(session_id, "hello").text == "Hello! Happy to help."
    text = bot.respond(session_id, "tell me something nice").text
    assert "$3" not in text and "Chaz" not in text


@pytest.mark.unit
def test_a_step_with_neither_call_nor_words_gets_the_fallback_reply(small_bot, session_id):
    bot, _ = small_bot([Step()])
    reply = bot.respond(session_id, "hmm")
    assert reply.text == bot.templates["fallback"] and not reply.tool_calls


@pytest.mark.unit
def test_recommendations_keep_who_and_budget_but_take_category_and_colour_only_when_said(small_bot, session_id):
    bot, _ = small_bot([catalog_filter(), "",
                           {"name": "recommend", "args": {"item": "1", "relation": "goes_with", "category": "Shorts",
                                                          "color": "Blue", "gender": "Women"}}, ""])
    shown = bot.respond(session_id, "men's hoodies under $60")
    more = bot.respond(session_id, "what goes with the first one in red?")
    args = more.tool_calls[0]["arguments"]
    assert args["item"] == shown.items[0].sku and args["relation"] == "goes_with"
    assert args["gender"] == "Men" and args["price_max"] == 60 and args["color"] == "Red" and "category" not in args


@pytest.mark.unit
def test_fallback_policy():
    chat, searched = Step(reply="Happy to help!"), Step(call={"name": "search", "args": {}})
    explained = Step(call={"name": "explain", "args": {"item": "2"}})
    recommended = Step(call={"name": "recommend", "args": {}})
    assert fallback(chat, Reading(recommend="goes_with")) == {"name": "recommend", "args": {"relation": "goes_with"},
                                                              "id": "fallback"}
    assert fallback(explained, Reading(recommend="any"))["name"] == "recommend"
    assert fallback(recommended, Reading(recommend="any")) is None
    # "recommend a jacket under $50" names a new kind of product and no item: a search.
    assert fallback(chat, Reading(recommend="any", set={"category": ["Jackets"]}))["name"] == "search"
    assert fallback(chat, Reading(set={"color": "Red"}))["name"] == "search"
    assert fallback(searched, Reading(set={"color": "Red"})) is None
    # "show me the fancier ones" planned as a recommendation: the constraint said gets a search.
    assert fallback(recommended, Reading(set={"price_min": 64.5}))["name"] == "search"
    assert fallback(recommended, Reading(set={"price_min": 64.5}, reference="MH01-Black"))["name"] == "search"
    assert fallback(recommended, Reading(recommend="similar", set={"price_max": 40.0})) is None
    assert fallback(explained, Reading(photo="photo 1"))["name"] == "search"
    assert fallback(Step(call={"name": "catalog_filter", "args": {}}), Reading(photo="photo 1")) is None
    assert fallback(chat, Reading()) is None and fallback(explained, Reading(reference="MH01-Black")) is None
    # A question about a shown item ("how is #2 better?") gets its explanation whatever was planned.
    assert fallback(searched, Reading(reference="MH01-Black", explain="MH01-Black")) == {
        "name": "explain", "args": {"item": "MH01-Black"}, "id": "fallback"}
    assert fallback(explained, Reading(reference="MH01-Black", explain="MH01-Black")) is None


def test_a_fallback_call_is_marked_and_grounded(scripted_bot, session_id):
    bot, _ = scripted_bot(["Sure!"])
    reply = bot.respond(session_id, "red tees for men")
    call = reply.tool_calls[0]
    assert call["planned_by"] == "fallback" and call["name"] == "search" and reply.items
    assert call["arguments"]["color"] == "Red" and call["arguments"]["gender"] == "Men"


def test_an_ordered_list_is_not_replaced_by_a_later_unordered_step(scripted_bot, session_id):
    """A planner that searches again after the sorted filter (as an untuned model behind an endpoint did)."""
    bot, _ = scripted_bot([{"name": "search", "args": {"query": "shorts"}}, {"name": "search", "args": {"query": "men"}}])
    reply = bot.respond(session_id, "show me the cheapest men's shorts")
    assert [c["name"] for c in reply.tool_calls][:2] == ["catalog_filter", "search"]
    prices = [i.price for i in reply.items]
    assert prices == sorted(prices) and all(i.category == "Shorts" for i in reply.items)


@pytest.mark.unit
def test_a_render_request_is_routed_by_the_tracker_without_the_planner(small_bot, session_id, monkeypatch):
    bot, planner = small_bot([catalog_filter(), ""])
    first = bot.respond(session_id, "women's jackets")
    monkeypatch.setattr(bot, "renderer", lambda: None)   # no weights loaded in the unit tier
    asked = len(planner.seen)
    reply = bot.respond(session_id, "show the second one in green")
    assert len(planner.seen) == asked                     # the planner was not consulted
    assert reply.tool_calls == [{"name": "render", "planned_by": "tracker",
                                 "arguments": {"item": first.items[1].sku, "color": "green"}}]
    assert "rendering is not available" in reply.text and reply.renders == []
    assert bot.sessions.load(session_id).constraints.color is None


@pytest.mark.unit
def test_a_planner_trained_with_render_plans_it_and_the_controller_grounds_it(small_bot, session_id, monkeypatch):
    """A planner offered render (a retrained adapter) gets the turn; its render call is grounded like
    any other: the tracker's reading of the request (the item on screen, the colour said), never the
    model's own item; a render request it answers otherwise falls back to the render; a render call
    with nothing the shopper pointed at or described is not run."""
    bot, planner = small_bot([catalog_filter(), "", {"name": "render", "args": {"item": "4", "color": "Purple"}}, "",
                              catalog_filter(), "", {"name": "render", "args": {"item": "9", "color": "Red"}}, "",
                              {"name": "render", "args": {"description": "jumper"}}, ""])
    planner.tool_names = ("search", "catalog_filter", "recommend", "explain", "render")
    monkeypatch.setattr(bot, "renderer", lambda: None)   # no weights loaded in the unit tier
    first = bot.respond(session_id, "women's jackets")
    asked = len(planner.seen)
    planned = bot.respond(session_id, "show the second one in green")
    assert len(planner.seen) > asked and planner.seen[asked][1] == []  # the planner was asked first
    assert planned.tool_calls == [{"name": "render", "planned_by": "model",
                                   "arguments": {"item": first.items[1].sku, "color": "green"}}]
    rescued = bot.respond(session_id, "how would the first one look in red?")  # the planner filtered instead
    assert rescued.tool_calls == [{"name": "render", "planned_by": "fallback",
                                   "arguments": {"item": first.items[0].sku, "color": "red"}}]
    nothing = bot.respond(session_id, "hello there")     # render, with no item pointed at and no words to draw
    assert [c["name"] for c in nothing.tool_calls] == []
    assert bot.sessions.load(session_id).constraints.color is None
    # render planned for words that ask to see nothing ("woolly jumper then"): the tracker's search runs
    searched = bot.respond(session_id, "a woolly jumper then")
    assert [c["name"] for c in searched.tool_calls] == ["search"]


@pytest.mark.unit
@pytest.mark.parametrize("value,text,said", [
    ("Jackets", "womens jakets under 80", True), ("Hoodies & Sweatshirts", "a grey hoody", True),
    (["Tanks", "Bras & Tanks"], "tank tops for her", True), ("Blue", "something navy", True),
    ("Men", "for my husband", True), ("Red", "a jacket", False), ("Pants", "plants", False),
])
def test_a_model_value_is_kept_when_the_shopper_said_it_in_other_words(value, text, said):
    assert shopper_said(value, text) is said


@pytest.mark.unit
def test_courtesy_alone_searches_nothing_and_keeps_the_list(small_bot, session_id):
    bot, planner = small_bot([catalog_filter(), "", catalog_filter(), ""])
    first = bot.respond(session_id, "men's hoodies")
    asked = len(planner.seen)
    reply = bot.respond(session_id, "cheers mate, that's me sorted")
    assert len(planner.seen) == asked and not reply.tool_calls and not reply.items and reply.text
    assert bot.sessions.load(session_id).constraints.to_dict() == {"gender": "Men", "category": ["Hoodies & Sweatshirts"]}
    assert first.items


@pytest.mark.unit
def test_a_model_exclusion_of_what_the_shopper_wants_is_dropped():
    """"no synthetics, cotton only": cotton was said, but as wanted; the model's "leave out cotton" goes."""
    args = {"material": "cotton", "not_material": ["Cotton", "nylon"], "not_color": ["Red"]}
    drop_contradictions(args, Constraints(material="cotton"))
    assert args == {"material": "cotton", "not_material": ["nylon"], "not_color": ["Red"]}
    args = {"not_material": ["Cotton"]}
    drop_contradictions(args, Constraints(material="cotton"))
    assert args == {}


@pytest.mark.unit
def test_a_model_exclusion_needs_words_that_leave_something_out(small_bot, session_id):
    """"short sleeved" says "sleeve" but leaves nothing out: the model's not_feature ["sleeve"] goes;
    "no sleeves then" leaves them out, so the same call keeps it."""
    bot, _ = small_bot([catalog_filter(not_feature=["sleeve"]), "", catalog_filter(not_feature=["sleeve"]), ""])
    kept = bot.respond(session_id, "womens tees, short sleeved")
    assert "not_feature" not in kept.tool_calls[0]["arguments"]
    left_out = bot.respond(session_id, "no sleeves then")
    assert "sleeve" in left_out.tool_calls[0]["arguments"].get("not_feature")
