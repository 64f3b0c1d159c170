"""`bench storage` (assistant/evaluation/storage_bench.py) on a small run: both backends timed at each
size, on a scaled copy of Luma whose items are all distinct, and the plot written beside the figures."""
import pytest

from assistant.evaluation.storage_bench import run_storage_bench, scaled

pytestmark = pytest.mark.postgres


def test_a_scaled_catalog_repeats_luma_with_new_skus(luma_data):
    products, links, _ = luma_data
    items, _ = scaled(products, links, 1000)
    assert len(items) == 1000 and len({p.sku for p in items}) == 1000
    assert items[len(products)].name == products[0].name and items[len(products)].sku == products[0].sku + "-x1"


def test_both_backends_are_timed_at_each_size(tmp_settings, postgres_url, tmp_path):
    figures = run_storage_bench(tmp_settings, sizes=[1000], database_url=postgres_url, repeats=1, out_dir=tmp_path)
    assert figures["luma_items"] == 461 and figures["1k_items"] == 1000
    for tag in ("luma", "1k"):
        for backend in ("sqlite", "postgres"):
            for op in ("keyword_p50_ms", "keyword_filtered_p50_ms", "filter_sql_p50_ms", "session_turn_p50_ms"):
                assert figures[f"{tag}_{backend}_{op}"] > 0
            assert figures[f"{tag}_{backend}_write_s"] > 0
    assert (tmp_path / "storage_bench.png").stat().st_size > 10_000
