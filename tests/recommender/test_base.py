"""The recommender interface (assistant/recommender/base.py) and building a model by name
(assistant/recommender/__init__.py): every model scores as user_side @ item_vectors.T."""
import numpy as np
import pytest

from assistant.recommender import MODELS, load, make
from assistant.recommender.base import interaction_matrix
from tests.recommender import history, planted_matrix

pytestmark = pytest.mark.unit


def test_the_interaction_matrix_sums_repeated_pairs():
    X = interaction_matrix(np.array([0, 0, 1]), np.array([2, 2, 0]), np.array([1.0, 3.0, 2.0]), 2, 4)
    assert X.shape == (2, 4) and X[0, 2] == 4.0 and X[1, 0] == 2.0 and X.nnz == 2
    assert interaction_matrix(np.array([0]), np.array([1]), None, 1, 2).toarray().tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize("name,params", [("popularity", {}), ("ease", {"l2": 10.0}),
                                         ("bpr", {"epochs": 3, "progress": False, "dim": 8})])
def test_every_model_scores_through_the_shared_form_and_round_trips(tmp_path, name, params):
    X, _ = planted_matrix()
    model = make(name, **params).fit(X, [f"p{i}" for i in range(X.shape[1])])
    session = history([0, 1], X.shape[1])
    scores = model.score(session)
    assert scores.shape == (1, X.shape[1]) and model.fit_s is not None
    if name != "bpr":  # BPR folds a new session in; its user side is not a plain product
        np.testing.assert_allclose(scores, model.user_side(session) @ model.item_vectors().T, rtol=1e-5)
    model.save(tmp_path / name)
    loaded = load(tmp_path / name)
    assert type(loaded) is type(model) and loaded.item_ids == model.item_ids and loaded.params == model.params
    np.testing.assert_allclose(loaded.score(session), scores, rtol=1e-5)


def test_similar_leaves_the_item_out_and_is_sorted():
    X, _ = planted_matrix()
    similar = make("ease", l2=10.0).fit(X).similar(3, k=5)
    assert len(similar) == 5 and 3 not in [i for i, _ in similar]
    assert [s for _, s in similar] == sorted((s for _, s in similar), reverse=True)


def test_models_are_known_by_name():
    with pytest.raises(KeyError, match="ease"):
        make("deep-magic")
    assert set(MODELS) >= {"popularity", "ease", "bpr"}
