"""The Mult-VAE (assistant/recommender/mult_vae.py): it learns, scores a session by encoding it (no
per-user parameters), round-trips through save/load, and scores new items from their content."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.evaluation import movielens as ml
from assistant.evaluation.recommender import ranking_metrics
from assistant.recommender import load, make
from tests.recommender import history, planted_matrix

SMALL = {"hidden": 32, "latent": 8, "epochs": 40, "anneal_epochs": 20, "batch_size": 32, "lr": 3e-3, "progress": False}


def block_content(blocks: int = 5, block_size: int = 6, dim: int = 16, seed: int = 0) -> np.ndarray:
    """Content vectors that say which block an item is in (plus noise), as a text embedding would."""
    rng = np.random.default_rng(seed)
    return (np.repeat(rng.normal(size=(blocks, dim)), block_size, axis=0)
            + 0.05 * rng.normal(size=(blocks * block_size, dim))).astype(np.float32)


@pytest.mark.unit
def test_it_learns_the_planted_blocks_and_scores_a_new_session():
    X, _ = planted_matrix(users=150, blocks=5, block_size=6)
    model = make("vae", **SMALL).fit(X)
    assert len(model.curve["loss"]) == 40 and model.curve["nll"][-1] < model.curve["nll"][0]
    assert model.curve["beta"][-1] == pytest.approx(0.2) and model.curve["beta"][0] < 0.2  # KL annealed up to its cap
    scores = model.score(history([6, 7], 30)).ravel()  # a shopper new to the model, two items of block 1
    unseen = np.delete(np.arange(30), [6, 7])
    top = unseen[np.argsort(-scores[unseen])][:4]
    assert set(top) <= set(range(8, 12)) | {6, 7} and scores[8:12].min() > np.delete(scores, range(6, 12)).max()


@pytest.mark.unit
def test_no_parameter_belongs_to_a_user():
    small, _ = planted_matrix(users=60)
    large, _ = planted_matrix(users=150)
    a, b = make("vae", **{**SMALL, "epochs": 2}).fit(small), make("vae", **{**SMALL, "epochs": 2}).fit(large)
    assert {k: v.shape for k, v in a._arrays().items() if not k.startswith("curve")} == \
           {k: v.shape for k, v in b._arrays().items() if not k.startswith("curve")}
    # A training user scored from its row, with or without its index, gets the same scores.
    np.testing.assert_allclose(b.score(large[:3], users=np.arange(3)), b.score(large[:3]))


@pytest.mark.unit
def test_save_and_load_give_the_same_model(tmp_path):
    X, _ = planted_matrix(users=100)
    content = block_content()
    model = make("vae", **SMALL).fit(X, [f"sku{i}" for i in range(30)], content=content)
    model.save(tmp_path / "vae")
    again = load(tmp_path / "vae")
    assert again.name == "vae" and again.item_ids == model.item_ids and again.fit_s == model.fit_s
    session = history([0, 1, 2], 30)
    np.testing.assert_allclose(again.score(session), model.score(session), rtol=1e-5)
    np.testing.assert_allclose(again.content_item_vectors(content[:4]), model.content_item_vectors(content[:4]))
    np.testing.assert_array_equal(again.curve["loss"], model.curve["loss"])
    assert again.similar(0, 3) == model.similar(0, 3)


@pytest.mark.unit
def test_a_new_item_is_scored_from_its_content_alone():
    X, _ = planted_matrix(users=150, blocks=5, block_size=6)
    warm = np.ones(30, dtype=bool)
    warm[[3, 20]] = False  # item 3 is in block 0, item 20 in block 3; nobody touched either
    content = block_content()
    model = make("vae", **SMALL).fit(X.multiply(warm[None, :]).tocsr(), content=content)
    np.testing.assert_array_equal(model.warm, warm)
    # Their decoder rows are what their content predicts, and nothing else.
    np.testing.assert_allclose(model.item_vectors()[[3, 20]], model.content_item_vectors(content[[3, 20]]), rtol=1e-5)
    scores = model.score(history([0, 1, 2], 30)).ravel()  # a shopper of block 0
    assert scores[3] > scores[20]
    assert scores[3] > np.median(scores[warm & (np.arange(30) >= 6)])  # above the warm items of other blocks


@pytest.mark.unit
def test_bad_input_gets_a_clear_message():
    X, _ = planted_matrix()
    with pytest.raises(ValueError, match="one row per item"):
        make("vae", **SMALL).fit(X, content=np.zeros((5, 4)))
    model = make("vae", **{**SMALL, "epochs": 1}).fit(X)
    with pytest.raises(ValueError, match="fitted without content"):
        model.content_item_vectors(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="at least one interaction"):
        make("vae", **SMALL).fit(sp.csr_matrix((3, 4), dtype=np.float32))


@pytest.fixture(scope="module")
def movielens_slice(movielens):
    """The first 300 users of MovieLens-100k, split leave-one-out by time."""
    from assistant.recommender.base import interaction_matrix
    frame = movielens.interactions[movielens.interactions.user < 300]
    train, valid, test = ml.leave_one_out(frame)
    X = interaction_matrix(train.user.to_numpy(), train.item.to_numpy(), None, 300, movielens.n_items)
    X.data[:] = 1.0
    return frame, X, test


def test_on_a_real_slice_a_session_is_scored_by_encoding_it(movielens_slice):
    _, X, test = movielens_slice
    model = make("vae", epochs=30, anneal_epochs=15, batch_size=64, progress=False).fit(X)
    assert model.curve["nll"][-1] < 0.9 * model.curve["nll"][0]
    # Sessions built from each user's training items (no user index passed) rank the held-out
    # test item far better than chance (a random ranking would give NDCG@10 ~ 0.004).
    users = test.user.to_numpy()
    scores = model.score(X[users]).astype(np.float64)
    scores[X[users].toarray() > 0] = -np.inf
    assert ranking_metrics(scores, [np.array([i]) for i in test.item.to_numpy()])["ndcg"] > 0.03


def test_on_a_real_slice_new_movies_are_ranked_from_their_titles(movielens_slice, movielens, embedder):
    frame, _, _ = movielens_slice
    from assistant.recommender.base import interaction_matrix
    content = embedder.encode(movielens.titles).astype(np.float32)
    cold = ml.hold_out_items(frame, movielens.n_items, 0.1, seed=0)
    seen, held = frame[~cold[frame.item]], frame[cold[frame.item]]
    X = interaction_matrix(seen.user.to_numpy(), seen.item.to_numpy(), None, 300, movielens.n_items)
    X.data[:] = 1.0
    model = make("vae", epochs=30, anneal_epochs=15, batch_size=64, progress=False).fit(X, content=content)
    assert not model.warm[cold].any()
    held_items = np.flatnonzero(cold)
    local = {item: pos for pos, item in enumerate(held_items)}
    truth = held.groupby("user")["item"].apply(lambda s: np.array([local[i] for i in np.unique(s)]))
    users = truth.index.to_numpy()
    scores = model.score(X[users])[:, held_items]
    ours = ranking_metrics(scores, list(truth))["ndcg"]
    rng = np.random.default_rng(0)
    chance = np.mean([ranking_metrics(rng.random(scores.shape), list(truth))["ndcg"] for _ in range(5)])
    assert ours > 1.5 * chance
