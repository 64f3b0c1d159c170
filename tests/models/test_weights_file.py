"""Weights on disk (assistant/models/weights_file.py): a module and its notes round-trip, fp16 on request."""
import pytest
import torch

from assistant.models.weights_file import read_weights, save_weights

pytestmark = pytest.mark.unit


def test_round_trip_with_meta_and_half_precision(tmp_path):
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    save_weights(tmp_path / "m.safetensors", module, {"config": {"width": 4}, "steps": 7})
    state, meta = read_weights(tmp_path / "m.safetensors")
    assert meta == {"config": {"width": 4}, "steps": 7} and (tmp_path / "m.safetensors").stat().st_mode & 0o777 == 0o644
    assert all(torch.equal(state[k], v) for k, v in module.state_dict().items())
    save_weights(tmp_path / "h.safetensors", module, {}, dtype=torch.float16)
    half, _ = read_weights(tmp_path / "h.safetensors")
    assert half["0.weight"].dtype == torch.float32 and torch.allclose(half["0.weight"], module[0].weight, atol=1e-3)
    assert half["1.num_batches_tracked"].dtype == torch.int64     # integer buffers are never cast
