"""The image tower: shipped weights, what they learned, the training step, and the HF CLIP path."""
from __future__ import annotations

import string

import numpy as np
import pytest
import torch
from PIL import Image

from assistant.training.vision import contrastive_loss, make_optimizer, train_step
from assistant.training.vision_data import (AugmentConfig, augment, decode_all, foreground_mask, luma_items,
                                            product_text)
from assistant.models.image_encoder import (SHIPPED, SHIPPED_WEIGHTS, ImageEncoder, ImageEncoderConfig,
                                            get_image_encoder, load_hf_clip, normalise)
from assistant.settings import Settings


@pytest.fixture(scope="module")
def encoder():
    if not SHIPPED_WEIGHTS.is_file():
        pytest.fail("shipped weights missing: run `python -m assistant train vision`")
    return get_image_encoder()


def _spread(records, n):
    """n products (or image items) spread over the catalog, every category, in a fixed order."""
    ordered = sorted(records, key=lambda r: getattr(r, "sku", None) or r.path)
    return ordered[:: max(1, len(ordered) // n)][:n]


def test_shipped_weights_embed_catalog_images_as_unit_vectors(encoder, catalog):
    assert encoder.num_parameters() < 5_000_000
    assert SHIPPED_WEIGHTS.stat().st_size < 20 * 1024 * 1024
    paths = [p.image_path for p in _spread(catalog.all(), 6)]
    emb = encoder.encode(paths)
    assert emb.shape == (6, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    again = encoder.encode([Image.open(paths[0])])  # PIL input, another batch: same vector
    np.testing.assert_allclose(again[0], emb[0], atol=1e-5)


def _other_category(p, products, i):
    """A product of another category, of the same colour where possible (so the test is about
    the garment, not only the colour), chosen deterministically."""
    pool = [q for q in products if q.category != p.category and q.color == p.color] or \
           [q for q in products if q.category != p.category]
    return sorted(pool, key=lambda q: q.sku)[(7 * i) % len(pool)]


def _own_text_wins(encoder, embedder, products, shown, paths) -> float:
    own = embedder.encode([product_text(p) for p in shown])
    other = embedder.encode([product_text(_other_category(p, products, i)) for i, p in enumerate(shown)])
    img = encoder.encode(paths)
    return float(((img * own).sum(1) > (img * other).sum(1)).mean())


def test_catalog_image_is_closer_to_its_own_text_than_to_another_category(encoder, catalog, embedder):
    products = catalog.all()
    chosen = _spread(products, 20)  # main images: seen in training
    assert _own_text_wins(encoder, embedder, products, chosen, [p.image_path for p in chosen]) >= 0.8
    held = _spread(luma_items(products)[1], 20)  # alternate views held out of training
    assert len(held) == 20
    shown = [products[it.products[0]] for it in held]
    assert _own_text_wins(encoder, embedder, products, shown, [it.path for it in held]) >= 0.8


def test_contrastive_loss_treats_duplicate_captions_as_positives():
    texts = torch.nn.functional.normalize(torch.randn(3, 384, generator=torch.Generator().manual_seed(0)), dim=-1)
    captions = torch.tensor([0, 0, 1, 2])  # two images share caption 0: neither is the other's negative
    groups = torch.tensor([10, 11, 12, 13])
    perfect = texts[captions]
    assert contrastive_loss(perfect, captions, groups, texts, torch.tensor(100.0)) < 1e-3
    wrong = texts[torch.tensor([1, 2, 0, 0])]
    assert contrastive_loss(wrong, captions, groups, texts, torch.tensor(100.0)) > 10


def test_augment_never_changes_hue():
    red = torch.zeros(8, 40, 40, 3, dtype=torch.uint8)
    red[..., 0], red[..., 1:] = 200, 60
    masks = torch.full((8, 40, 40), 255, dtype=torch.uint8)
    out = augment(red, masks, torch.zeros(8, dtype=torch.bool), 32, torch.Generator().manual_seed(0),
                  AugmentConfig(noise_p=0.0))
    assert out.shape == (8, 3, 32, 32)
    assert torch.allclose(out[:, 1], out[:, 2]) and (out[:, 0] > out[:, 1]).all()  # still pure red hue


def test_foreground_mask_keeps_the_product_and_drops_the_white_backdrop():
    img = np.full((30, 30, 3), 255, np.uint8)
    img[5:25, 5:25] = (20, 40, 200)
    img[12:18, 12:18] = 255  # a white patch inside the product is part of it
    mask = foreground_mask(img)
    assert mask[0, 0] == 0 and mask[10, 10] == 255 and mask[15, 15] == 255


def test_training_smoke_loss_decreases(catalog, embedder):
    torch.manual_seed(0)
    items = luma_items(_spread(catalog.all(), 40))[0][:32]
    images, masks = decode_all(items, 72, cache_dir=None, progress=False)
    captions = sorted({it.captions[0] for it in items})
    caption_ids = torch.tensor([captions.index(it.captions[0]) for it in items])
    groups = torch.tensor([sorted({it.group for it in items}).index(it.group) for it in items])
    text_table = torch.from_numpy(embedder.encode(captions))
    cfg = ImageEncoderConfig(image_size=64, widths=(16, 32, 64), depths=(0, 1))
    model = ImageEncoder(cfg)
    logit_scale = torch.nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
    opt = make_optimizer(model, logit_scale, lr=3e-3, weight_decay=0.0)
    g = torch.Generator().manual_seed(0)
    replace = torch.ones(len(items), dtype=torch.bool)
    losses = [train_step(model, opt, logit_scale, normalise(augment(images, masks, replace, 64, g), cfg),
                         caption_ids, groups, text_table) for _ in range(30)]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5, losses


def test_save_load_roundtrip(tmp_path):
    model = ImageEncoder(ImageEncoderConfig(image_size=32, widths=(8, 16), depths=(1,))).eval()
    model.save(tmp_path / "enc.safetensors", extra={"note": "test"})
    loaded = ImageEncoder.load(tmp_path / "enc.safetensors")
    img = Image.new("RGB", (50, 40), (30, 120, 200))
    np.testing.assert_allclose(loaded.encode([img]), model.encode([img]), atol=1e-6)
    assert loaded.config == model.config


def test_the_image_encoder_setting_chooses_the_tower(tmp_path, monkeypatch):
    """SHOPASSIST_IMAGE_ENCODER names another tower: a .safetensors with its .json config beside it."""
    chosen = ImageEncoder(ImageEncoderConfig(image_size=32, widths=(4, 8), depths=(0,), embed_dim=16)).eval()
    chosen.save(tmp_path / "chosen.safetensors")
    monkeypatch.setenv("SHOPASSIST_IMAGE_ENCODER", str(tmp_path / "chosen.safetensors"))
    loaded = get_image_encoder(Settings.from_env().image_encoder)
    img = Image.new("RGB", (50, 40), (200, 30, 30))
    assert loaded.config == chosen.config and loaded.encode([img]).shape == (1, 16)
    np.testing.assert_allclose(loaded.encode([img]), chosen.encode([img]), atol=1e-6)
    assert Settings().image_encoder == SHIPPED and get_image_encoder(SHIPPED).config != chosen.config


def test_a_missing_image_encoder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="SHOPASSIST_IMAGE_ENCODER must name"):
        get_image_encoder(str(tmp_path / "missing.safetensors"))
    ImageEncoder(ImageEncoderConfig(image_size=32, widths=(4, 8), depths=(0,))).save(tmp_path / "bare.safetensors")
    (tmp_path / "bare.json").unlink()
    with pytest.raises(FileNotFoundError, match="no config bare.json"):
        get_image_encoder(str(tmp_path / "bare.safetensors"))


def test_hf_clip_loading_path_with_a_tiny_random_clip(tmp_path):
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer
    chars = list(string.ascii_lowercase)
    vocab = {t: i for i, t in enumerate(["<|startoftext|>", "<|endoftext|>"] + chars + [c + "</w>" for c in chars])}
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=32)  # character-level BPE, offline
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32},
                                                                 crop_size={"height": 32, "width": 32}),
                              tokenizer=tokenizer)
    config = CLIPConfig(text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=32,
                                         bos_token_id=0, eos_token_id=1, pad_token_id=1),
                        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                           num_attention_heads=4, image_size=32, patch_size=8),
                        projection_dim=16)
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)

    clip = load_hf_clip(str(tmp_path))
    images = [Image.new("RGB", (50, 40), "red"), Image.new("RGB", (64, 64), "blue")]
    img, txt = clip.encode_images(images), clip.encode_texts(["a red dress", "blue"])
    assert img.shape == (2, 16) and txt.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(img, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(txt, axis=1), 1.0, atol=1e-5)
    with torch.no_grad():  # the same numbers as calling the model directly
        direct = clip.model.get_image_features(**clip.processor(images=images, return_tensors="pt"))
        direct = getattr(direct, "pooler_output", direct)
    np.testing.assert_allclose(img, torch.nn.functional.normalize(direct, dim=-1).numpy(), atol=1e-5)
