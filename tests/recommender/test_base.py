"""The recommender interface (assistant/recommender/base.py) and building a model by name."""
import pytest

from assistant.recommender import make


def test_unknown_model_name():
    with pytest.raises(KeyError, match="ease"):
        make("deep-magic")
