"""The text tower (assistant/models/text_embedder.py): MiniLM from its offline PyPI copy, 384-d unit
vectors, one embedder per process."""
import numpy as np
import pytest

from assistant.models.text_embedder import get_text_embedder, minilm_dir


@pytest.mark.unit
def test_the_offline_copy_is_found_in_its_package():
    path = minilm_dir()
    assert path.name == "model" and (path / "config.json").is_file()


def test_sentences_become_unit_vectors_of_384_floats(embedder):
    texts = ["waterproof rain jacket", "a jacket for wet weather", "stainless steel watch"]
    vectors = embedder.encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32 and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(embedder.encode_one(texts[0]), vectors[0], atol=1e-6)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # meaning, not spelling


def test_one_embedder_per_process_and_name(embedder, settings):
    assert get_text_embedder(settings.text_model) is embedder
