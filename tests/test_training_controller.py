"""Stage 2 of the controller: LoRA + projector on the dialogues (a tiny random Llama stands in for
the chat model so the run takes seconds; the shipped adapter is checked in test_eval_controller)."""
import json

import pytest
import torch

from assistant.models.projector import ImageProjector
from assistant.planning.compact_format import TOOL_OPEN, TRAINING_RECORD, tool_schemas, tools_trained
from assistant.training.controller import Encoded, balanced_sample, inputs_embeds, train_controller, trained_tools, \
    turn_examples
from assistant.training.dialogue_dataset import write
from assistant.training.dialogues import generate
from assistant.training.price_twins import add_price_twins
from assistant.dialogue.prices import read_prices
from assistant.dialogue.tracker import Reading


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
    assert first["examples"] >= 16 and first["steps"] == 2 * -(-first["examples"] // 4)  # 16 turns and their twins
    report = json.loads((tmp_path / "reports" / "controller_training.json").read_text())
    assert len(report["losses"]) == first["steps"] and all(loss == loss for loss in report["losses"])  # finite, one per step
    assert report["losses"][-1] < report["losses"][0]
    assert (tmp_path / "reports" / "controller_training.png").stat().st_size > 0
    again = train_controller(settings, epochs=2, model=make(), **common)  # resumes at the end: no new steps
    assert again["steps"] == first["steps"] and json.loads((tmp_path / "reports" / "controller_training.json").read_text())["losses"] == report["losses"]
    loaded = PeftModel.from_pretrained(make(), str(tmp_path / "weights"))
    assert any("lora_A" in name for name, _ in loaded.named_parameters())
    assert ImageProjector.load(tmp_path / "weights" / "projector.safetensors").config["n_tokens"] == 2


PLANNED = ["search", "catalog_filter", "recommend", "explain"]


@pytest.mark.unit
def test_the_model_learns_the_tools_its_gold_calls_use_and_the_planner_is_offered_those(
        small_catalog, small_vocab, registry, tmp_path):
    """Gold render calls add render to the tools trained (after the planned four), whose schemas the
    answers are written with; the adapter's record says so, and only then is the tuned planner
    offered render: the shipped adapter (no record) keeps the four it was trained on."""
    from assistant.models.chat_model import LocalChatModel
    from assistant.planning.tuned import TunedPlanner
    examples = turn_examples(generate(small_catalog, small_vocab, 60, 0, "train"))
    assert trained_tools(examples, registry) == PLANNED + ["render"]
    assert trained_tools([e for e in examples if e["gold"]["tool"] != "render"], registry) == PLANNED
    render = next(e for e in examples if e["gold"]["tool"] == "render")
    text = "".join(answer_pieces_of(render["gold"], tool_schemas(registry, PLANNED + ["render"])))
    assert text.startswith(TOOL_OPEN + '\n{"name": "render"')
    with pytest.raises(KeyError):  # the planned schemas alone cannot write it
        answer_pieces_of(render["gold"], tool_schemas(registry, PLANNED))

    retrained, shipped = tmp_path / "retrained", tmp_path / "shipped"
    for folder in (retrained, shipped):
        folder.mkdir()
    (retrained / TRAINING_RECORD).write_text(json.dumps({"tools_trained": PLANNED + ["render"]}))
    assert tools_trained(retrained, registry) == PLANNED + ["render"] and tools_trained(shipped, registry) == PLANNED
    assert tools_trained(None, registry) == PLANNED
    for folder, offered in ((retrained, PLANNED + ["render"]), (shipped, PLANNED)):
        planner = TunedPlanner.for_catalog(LocalChatModel(adapter_dir=folder), registry, small_vocab, small_catalog)
        assert list(planner.tool_names) == offered  # binding the tools loads no model
        assert [t["function"]["name"] for t in planner.llm.kwargs["tools"]] == offered
    assert registry.names == PLANNED  # what other code offers is unchanged


def answer_pieces_of(gold, schemas):
    from assistant.planning.compact_format import answer_pieces
    return answer_pieces(gold, schemas)


def test_a_continuation_starts_from_the_init_adapter(tmp_path, settings, tiny, dialogues):
    """--init-adapter: the LoRA weights and projector it starts from are the init adapter's (with no
    learning, it saves them unchanged); the checkpoint is keyed by the init adapter's content, and
    the record names it and the tools trained."""
    from safetensors.torch import load_file
    from assistant.training.controller import _digest
    make, tokenizer = tiny
    path, found = dialogues
    ImageProjector(384, 32, n_tokens=2, kind="mlp2x_gelu").save(tmp_path / "stage1" / "projector.safetensors")
    common = dict(batch_size=4, train_limit=8, checkpoint_every=1, dialogues_path=path, out_dir=tmp_path / "reports",
                  cache_dir=tmp_path / "cache", tokenizer=tokenizer)
    first = tmp_path / "first"
    train_controller(settings, lr=5e-3, rank=4, weights_dir=first, work_dir=tmp_path / "work1",
                     projector_path=tmp_path / "stage1" / "projector.safetensors", model=make(), **common)
    second = train_controller(settings, lr=0.0, projector_lr=0.0, rank=16, weights_dir=tmp_path / "second",
                              work_dir=tmp_path / "work2", init_adapter=first, model=make(), **common)
    assert second["rank"] == 4 and second["init_adapter"] == str(first)  # the init adapter's rank, not the argument
    for name in ("adapter_model.safetensors", "projector.safetensors"):
        before, after = load_file(str(first / name)), load_file(str(tmp_path / "second" / name))
        assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before), name
    record = json.loads((tmp_path / "second" / TRAINING_RECORD).read_text())
    gold = {e["gold"]["tool"] for e in balanced_sample(turn_examples(found), 8, settings.seed)}  # the turns trained on
    assert record["init_adapter"] == str(first) and record["init_digest"] == _digest(first)
    assert record["tools_trained"][:4] == PLANNED and ("render" in record["tools_trained"]) == ("render" in gold)
    saved = torch.load(tmp_path / "work2" / "checkpoint.pt", weights_only=False)
    assert saved["run"]["init_adapter"] == str(first) and saved["run"]["init_digest"] == _digest(first)

    # Retrained in place, the same folder is another init adapter: its checkpoint is not resumed.
    train_controller(settings, lr=1e-2, rank=4, weights_dir=first, work_dir=tmp_path / "work3",
                     projector_path=tmp_path / "stage1" / "projector.safetensors", model=make(), **common)
    assert _digest(first) != record["init_digest"]
    train_controller(settings, lr=0.0, projector_lr=0.0, weights_dir=tmp_path / "second", work_dir=tmp_path / "work2",
                     init_adapter=first, model=make(), **common)
    saved = torch.load(tmp_path / "work2" / "checkpoint.pt", weights_only=False)
    assert saved["run"]["init_digest"] == _digest(first)
    with pytest.raises(FileNotFoundError, match="adapter_config"):
        train_controller(settings, init_adapter=tmp_path / "nowhere", model=make(), **common)
