"""The image projector (assistant/models/projector.py): photo embeddings to soft tokens of the chat model."""
import pytest
import torch

from assistant.models.projector import ImageProjector

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kind", ["linear", "mlp2x_gelu"])
def test_projector_shapes_and_round_trip(tmp_path, kind):
    projector = ImageProjector(384, 32, n_tokens=3, kind=kind)
    x = torch.randn(5, 384)
    assert projector(x).shape == (5, 3, 32)
    projector.save(tmp_path / "p.safetensors")
    torch.testing.assert_close(ImageProjector.load(tmp_path / "p.safetensors")(x), projector(x))
    with pytest.raises(ValueError, match="linear or mlp2x_gelu"):
        ImageProjector(kind="qformer")
