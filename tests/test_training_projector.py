"""Stage 1 of the image input (assistant/training/projector.py): its targets and a short seeded, resumable run."""
from __future__ import annotations

import json

import pytest
import torch

from assistant.training.projector import ImageProjector, descriptions, train_projector, word_accuracy


@pytest.mark.unit
def test_targets_describe_category_colour_and_gender(small_catalog, tmp_settings):
    from assistant.catalog.download import shopper_photos_root
    train = descriptions(small_catalog.all(), shopper_photos_root(tmp_settings), "train")
    held = descriptions(small_catalog.all(), shopper_photos_root(tmp_settings), "heldout")
    assert train and held and not {p for p, _, _ in train} & {p for p, _, _ in held}
    target = {p: (t, w) for p, t, w in train}[small_catalog.get("MH01-Black").image_path]
    assert target == ("men's black hoodie", {"category": "hoodie", "colour": "black", "gender": "men's"})


@pytest.mark.unit
def test_word_accuracy_does_not_take_mens_for_womens():
    said = ["women's red jacket", "men's blue tee"]
    wanted = [{"gender": "men's", "colour": "red"}, {"gender": "men's", "colour": "red"}]
    assert word_accuracy(said, wanted) == {"gender": 0.5, "colour": 0.5}


def test_short_run_learns_and_resumes(tmp_path, settings, real_bot):
    """A tiny random Llama stands in for the chat model, so the run takes seconds."""
    from transformers import LlamaConfig, LlamaForCausalLM
    tokenizer = real_bot.controller.planner.chat_model.decoder.tok
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2))
    common = dict(n_tokens=2, batch_size=8, eval_limit=8, train_limit=48, lr=1e-2, out_dir=tmp_path / "reports",
                  work_dir=tmp_path / "projector", cache_dir=tmp_path / "cache", model=model, tokenizer=tokenizer)
    first = train_projector(settings, epochs=2, **common)
    history = json.loads((tmp_path / "reports" / "projector_training.json").read_text())
    assert first["epochs"] == 2 and history[1]["loss"] < history[0]["loss"]
    assert (tmp_path / "reports" / "projector_training.png").stat().st_size > 0
    again = train_projector(settings, epochs=3, **common)  # resumes: one more epoch, not three
    assert again["epochs"] == 3
    assert json.loads((tmp_path / "reports" / "projector_training.json").read_text())[:2] == history
    assert ImageProjector.load(tmp_path / "projector" / "projector.safetensors")(torch.randn(1, 384)).shape == (1, 2, 32)
