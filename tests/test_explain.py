"""Explanations come from evidence only; the grounding check catches claims that do not."""
from assistant.explain import explanation, unsupported_claims


def test_explanation_states_only_the_evidence():
    evidence = [{"kind": "constraint", "field": "price", "rule": "<= $60.00", "value": 57.0},
                {"kind": "constraint", "field": "color", "rule": "Blue", "value": "Blue"},
                {"kind": "match", "query": "jacket", "rank": 1, "matched_terms": ["jacket"], "text_similarity": 0.48},
                {"kind": "link", "type": "cross-sell", "anchor": "MH01-Black", "anchor_name": "Chaz Kangeroo Hoodie"},
                {"kind": "rating", "mean": 4.333, "count": 3}]
    text = explanation(evidence)
    for fact in ("$57.00 (at most $60.00)", "color Blue", "ranked #1 for \"jacket\"", "similarity 0.48",
                 "goes with Chaz Kangeroo Hoodie", "cross-sell", "rated 4.3/5 in 3 reviews"):
        assert fact in text
    assert explanation([]) == "Shown as part of the last list."


def test_unsupported_claims(catalog):
    jacket = catalog.get("WJ03-Blue")
    assert unsupported_claims(f"The {jacket.name} in blue is ${jacket.price:.2f}.", [jacket], catalog) == []
    claims = unsupported_claims("The Chaz Kangeroo Hoodie in red costs $12.", [jacket], catalog)
    assert "price $12" in claims and "product chaz kangeroo hoodie" in claims and "colour red" in claims
