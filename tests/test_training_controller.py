"""Stage 2 of the controller: LoRA + projector on the dialogues (a tiny random Llama stands in for
the chat model so the run takes seconds; the shipped adapter is checked in test_eval_controller)."""
import json

import pytest
import torch

from assistant.models.projector import ImageProjector
from assistant.training.controller import Encoded, balanced_sample, inputs_embeds, train_controller, turn_examples
from assistant.training.dialogue_dataset import write
from assistant.training.dialogues import generate
from assistant.training.price_twins import add_price_twins
from assistant.dialogue.tracker import Reading, read_prices


@pytest.fixture(scope="module")
def tiny(real_bot):
    from transformers import LlamaConfig, LlamaForCausalLM
    tokenizer = real_bot.controller.planner.chat_model.decoder.tok
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2)
    return lambda: LlamaForCausalLM(config), tokenizer


@pytest.fixture(scope="module")
def dialogues(catalog, vocab, tmp_path_factory):
    """Training dialogues over the real catalog, written as the training run reads them (its step
    counts below depend on them: turns with a single price bound also train as their twin)."""
    found = generate(catalog, vocab, 12, 0, "train")
    return write(found, tmp_path_factory.mktemp("dialogues") / "dialogues_train.jsonl"), found


@pytest.mark.unit
def test_examples_carry_the_state_before_the_turn_and_photo_names(small_catalog, small_vocab):
    found = generate(small_catalog, small_vocab, 12, 0, "train")
    examples = turn_examples(found)
    assert len(examples) == sum(len(d["turns"]) for d in found)
    with_photo = [e for e in examples if e["sent"]]
    assert with_photo and all(set(e["sent"]) <= set(e["paths"]) for e in with_photo)
    first = examples[0]
    assert first["context"] == {"topic": "", "constraints": {}, "photos": [], "shown": 0}


@pytest.mark.unit
def test_the_training_subset_gives_rare_kinds_more_than_their_share():
    examples = [{"kind": "request", "i": i} for i in range(900)] + [{"kind": "cheaper", "i": i} for i in range(100)]
    sample = balanced_sample(examples, 300, seed=0)
    assert len(sample) == 300 and len({(e["kind"], e["i"]) for e in sample}) == 300
    rare = sum(e["kind"] == "cheaper" for e in sample) / 300
    assert 0.14 < rare < 0.3  # 10% of the turns; 1/count^0.35 weights give it about a fifth
    assert sample == balanced_sample(examples, 300, seed=0) and balanced_sample(examples, 2000, 0) == examples


@pytest.mark.unit
def test_price_twins_swap_only_the_price_direction(small_catalog, small_vocab):
    examples = turn_examples(generate(small_catalog, small_vocab, 80, 0, "train"))
    assert add_price_twins(examples, 0.0, seed=0) == examples
    augmented = add_price_twins(examples, 1.0, seed=0)
    twins = [(a, b) for a, b in zip(augmented, augmented[1:]) if "twin_of" in b]
    assert len(twins) >= 10 and len(augmented) == len(examples) + len(twins)
    for original, twin in twins:
        old, new = original["gold"]["arguments"], twin["gold"]["arguments"]
        (key,) = {"price_min", "price_max"} & set(old)
        (other,) = {"price_min", "price_max"} - {key}
        assert key not in new and new[other] == old[key]
        assert {k: v for k, v in new.items() if k != other} == {k: v for k, v in old.items() if k != key}
        assert twin["text"] != original["text"] and twin["context"] == original["context"]
        # The tracker, which knows nothing of the twins, reads each text the way its gold says.
        for example, bound in ((original, key), (twin, other)):
            reading = Reading()
            read_prices(example["text"], reading, None)
            assert reading.set == {bound: example["gold"]["arguments"][bound]}, example["text"]


def test_image_placeholders_become_soft_tokens(tiny, registry):
    make, tokenizer = tiny
    model = make()
    projector = ImageProjector(384, 32, n_tokens=2, kind="linear")
    example = {"context": {"topic": "", "constraints": {}, "photos": []}, "text": "like this", "sent": ["photo 1"],
               "paths": {"photo 1": "a.jpg"}, "gold": {"tool": "search", "arguments": {"photo": "photo 1"}}}
    encoded = Encoded(example, tokenizer, {s["name"]: s for s in registry.schemas()}, 2, None)
    assert encoded.images == ["a.jpg"]
    ids = torch.tensor([encoded.prompt])
    image_id = tokenizer.convert_tokens_to_ids("<empty_output>")
    vectors = torch.randn(1, 384)
    embeds = inputs_embeds(model, projector, ids, image_id, vectors)
    where = (ids[0] == image_id).nonzero().flatten()
    assert len(where) == 2
    torch.testing.assert_close(embeds[0, where], projector(vectors)[0])
    plain = model.get_input_embeddings()(ids)
    keep = ids[0] != image_id
    torch.testing.assert_close(embeds[0, keep], plain[0, keep])
    with pytest.raises(ValueError, match="placeholders"):
        inputs_embeds(model, projector, ids, image_id, torch.randn(2, 384))


def test_short_run_saves_a_peft_adapter_and_resumes(tmp_path, settings, tiny, dialogues):
    from peft import PeftModel
    make, tokenizer = tiny
    path, _ = dialogues
    ImageProjector(384, 32, n_tokens=2, kind="mlp2x_gelu").save(tmp_path / "stage1" / "projector.safetensors")
    common = dict(batch_size=4, lr=5e-3, rank=4, train_limit=16, checkpoint_every=2, dialogues_path=path,
                  out_dir=tmp_path / "reports", weights_dir=tmp_path / "weights", work_dir=tmp_path / "work",
                  projector_path=tmp_path / "stage1" / "projector.safetensors", cache_dir=tmp_path / "cache",
                  tokenizer=tokenizer)
    first = train_controller(settings, epochs=2, model=make(), **common)
    assert first["steps"] == 8 and first["examples"] == 16
    report = json.loads((tmp_path / "reports" / "controller_training.json").read_text())
    assert len(report["losses"]) == 8 and all(loss == loss for loss in report["losses"])  # finite, one per step
    assert report["losses"][-1] < report["losses"][0]
    assert (tmp_path / "reports" / "controller_training.png").stat().st_size > 0
    again = train_controller(settings, epochs=2, model=make(), **common)  # resumes at the end: no new steps
    assert again["steps"] == 8 and json.loads((tmp_path / "reports" / "controller_training.json").read_text())["losses"] == report["losses"]
    loaded = PeftModel.from_pretrained(make(), str(tmp_path / "weights"))
    assert any("lora_A" in name for name, _ in loaded.named_parameters())
    assert ImageProjector.load(tmp_path / "weights" / "projector.safetensors").config["n_tokens"] == 2
