"""Ingesting a retailer's interaction log (assistant/recommender/retail_log.py): schema, validation, clear
errors, the fitted catalog model."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from assistant.__main__ import main
from assistant.recommender.retail_log import CatalogCF, LogError, holdout_last, ingest, read_log, vae_params
from tests.conftest import synthetic_interaction_log


def write(tmp_path, rows, name="log.csv", columns=("user_id", "item_id", "event", "rating", "timestamp")):
    path = tmp_path / name
    frame = pd.DataFrame(rows, columns=list(columns))
    frame.to_parquet(path) if name.endswith(".parquet") else frame.to_csv(path, index=False)
    return path


@pytest.mark.unit
def test_variant_product_and_size_skus_map_to_products(tmp_path, small_catalog):
    path = write(tmp_path, [("a", "MH01-Black", "purchase", "", "2024-05-01T10:00:00Z"),
                            ("a", "MH02", "view", "", "1714557600"),
                            ("b", "MH01-XS-Gray", "rating", "5", ""),
                            ("b", "MH03-Blue", "", "", "")])
    log, report = read_log(path, small_catalog)
    assert list(log["product"]) == ["MH01", "MH02", "MH01", "MH03"]
    assert list(log.weight) == [3.0, 1.0, 2.0, 3.0]  # an empty event counts as a purchase
    assert log.timestamp.iloc[0] == log.timestamp.iloc[1] == 1714557600
    assert (report.kept, report.users, report.products) == (4, 2, 3) and not report.dropped


@pytest.mark.unit
def test_bad_rows_are_dropped_and_counted_with_examples(tmp_path, small_catalog):
    path = write(tmp_path, [("a", "MH01-Black", "purchase", "", ""),
                            ("", "MH01-Black", "purchase", "", ""),
                            ("a", "MH02-Black", "teleport", "", ""),
                            ("a", "MH02-Black", "rating", "11", ""),
                            ("a", "MH02-Black", "rating", "1", ""),
                            ("a", "MH02-Black", "view", "", "yesterday-ish"),
                            ("a", "NOT-A-SKU", "view", "", "")])
    log, report = read_log(path, small_catalog)
    assert len(log) == 1
    assert set(report.dropped) == {"missing user_id or item_id", "unknown event (known: view, click, add_to_cart, purchase, rating)",
                                   "rating missing or outside 1-5", "rating below 3 (not a positive)",
                                   "timestamp not ISO-8601 or Unix seconds", "item_id not in the catalog"}
    assert report.examples["item_id not in the catalog"] == ["NOT-A-SKU"]
    assert "dropped 1: unknown event" in "\n".join(report.lines())


@pytest.mark.unit
def test_parquet_and_column_aliases(tmp_path, small_catalog):
    path = write(tmp_path, [("c1", "WJ03-Blue")], name="log.parquet", columns=("customer_id", "sku"))
    log, _ = read_log(path, small_catalog)
    assert list(log["product"]) == ["WJ03"]


@pytest.mark.unit
@pytest.mark.parametrize("content,name,message", [
    (None, "missing.csv", "no such file"),
    ("user_id,item_id\n", "empty.csv", "no rows"),
    ("who,what\n1,2\n", "cols.csv", "missing column(s) user_id, item_id"),
    ("user_id,item_id\n1,B00X\n2,B00Y\n3,MH01\n", "ids.csv", "not catalog SKUs"),
    ("user_id,item_id\n1,MH01\n", "log.xlsx", "use a .csv"),
    ("PAR1garbage", "broken.parquet", "could not read broken.parquet as Parquet"),
])
def test_unusable_files_are_refused_with_the_reason(tmp_path, small_catalog, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(LogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_log(path, small_catalog)


@pytest.mark.unit
def test_the_catalog_model_scores_every_product_and_names_what_raised_it(tmp_path, small_catalog):
    products = sorted({p.parent_sku for p in small_catalog.all()})
    log, _ = read_log(synthetic_interaction_log(small_catalog, tmp_path / "synthetic.csv"), small_catalog)
    content = np.random.default_rng(0).normal(size=(len(products), 16)).astype(np.float32)
    cf = CatalogCF.fit(log, products, content, source="synthetic.csv")
    assert cf.meta["products"] == len(products) > cf.meta["warm_products"] > 0
    # The model is the one that ranked the shoppers' held-out last products best.
    choice = cf.meta["choice"]
    assert choice["candidates"] == ["ease", "vae"] and choice["valid_users"] > 100
    assert cf.meta["model"] == max(choice["valid_ndcg_at_10"], key=choice["valid_ndcg_at_10"].get)
    history = list(log["product"][:2])
    scores = cf.scores(history)
    assert set(scores) == set(products) and all(np.isfinite(v) for v in scores.values())
    assert cf.scores(["not-a-product"]) == {}
    popular = cf.popularity()
    assert popular and set(popular) == set(log["product"]) and all(v > 0 for v in popular.values())
    best = max((p for p in scores if p not in history), key=scores.get)
    assert cf.anchor(best, history) in history and cf.anchor("not-a-product", history) is None
    cf.save(tmp_path / "cf")
    again = CatalogCF.load(tmp_path / "cf")
    assert again.meta == cf.meta and again.scores(history) == pytest.approx(scores)
    assert CatalogCF.load(tmp_path / "nowhere") is None


def test_ingest_fits_a_model_that_scores_every_product(tmp_path, settings, catalog, text_index):
    local = dataclasses.replace(settings, data_dir=tmp_path)
    log = synthetic_interaction_log(catalog, tmp_path / "synthetic.csv")
    report, meta = ingest(log, local, catalog, text_index)
    assert meta["model"] in ("ease", "vae") and meta["warm_products"] <= 60 < meta["products"] == 185
    cf = CatalogCF.load(local.recommender_dir)
    history = ["MH01", "MH02"]
    scores = cf.scores(history)
    assert len(scores) == 185 and all(np.isfinite(v) for v in scores.values())
    cold = [p for p, w in zip(cf.model.item_ids, cf.warm) if not w]
    assert cold and any(scores[p] != 0 for p in cold)  # cold products are scored from content
    best = max((p for p in scores if p not in history), key=scores.get)
    assert cf.anchor(best, history) in history
    assert CatalogCF.load(tmp_path / "nowhere") is None


@pytest.mark.unit
def test_each_shoppers_last_product_is_held_out_for_the_choice():
    log = pd.DataFrame({"user_id": ["a", "a", "a", "b", "c", "c"],
                        "product": ["P1", "P2", "P3", "P1", "P2", "P1"],
                        "weight": 1.0, "timestamp": [3.0, 1.0, 2.0, 5.0, np.nan, np.nan]})
    keep, users, items = holdout_last(log, {"a": 0, "b": 1, "c": 2}, {"P1": 0, "P2": 1, "P3": 2})
    # a's latest is P1 (time 3); b has one product (not validated); c has no times: file order, P1.
    assert list(users) == [0, 2] and list(items) == [0, 0]
    assert list(keep) == [False, True, True, True, True, False]


@pytest.mark.unit
def test_the_mult_vae_scores_cold_products_from_its_content_prior(small_catalog):
    products = sorted({p.parent_sku for p in small_catalog.all()})
    log, _ = read_log_frame(small_catalog)
    content = np.random.default_rng(0).normal(size=(len(products), 16)).astype(np.float32)
    users = {u: i for i, u in enumerate(log.user_id.unique())}
    index = {p: i for i, p in enumerate(products)}
    model = CatalogCF._fit_one("vae", {**vae_params(len(users)), "epochs": 5}, _matrix(log, users, index), products, content)
    cold = ~model.warm
    assert cold.any()
    np.testing.assert_allclose(model.item_vectors()[cold], model.content_item_vectors(content[cold]), rtol=1e-5)


def read_log_frame(catalog):
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        return read_log(synthetic_interaction_log(catalog, Path(tmp) / "synthetic.csv"), catalog)


def _matrix(log, users, index):
    from assistant.recommender.base import interaction_matrix
    return interaction_matrix(log.user_id.map(users).to_numpy(), log["product"].map(index).to_numpy(),
                              log.weight.to_numpy(), len(users), len(index))


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n")
    assert main(["ingest-interactions", str(bad)]) == 2
    assert "missing column(s)" in capsys.readouterr().err
