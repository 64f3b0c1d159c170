"""The SQLite catalog store: products, links and the FTS5 keyword index."""


def test_fts_keyword_search_is_restricted_to_allowed_ids(catalog):
    jackets = catalog.select_ids("p.category = ?", ["Jackets"])
    hits = catalog.keyword_search('"jacket"', jackets[:5], 50)
    assert hits and {i for i, _ in hits} <= set(jackets[:5])
