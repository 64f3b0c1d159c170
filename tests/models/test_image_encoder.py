"""The image tower (assistant/models/image_encoder.py): the shipped weights and what they learned,
saving and loading, the SHOPASSIST_IMAGE_ENCODER setting, and the Hugging Face CLIP path."""
from __future__ import annotations

import string

import numpy as np
import pytest
import torch
from PIL import Image

from assistant.models.image_encoder import (SHIPPED, SHIPPED_WEIGHTS, ImageEncoder, ImageEncoderConfig,
                                            get_image_encoder, load_hf_clip)
from assistant.settings import Settings
from assistant.training.vision_data import luma_items, product_text


def _spread(records, n):
    """n products (or image items) spread over the catalog, every category, in a fixed order."""
    ordered = sorted(records, key=lambda r: getattr(r, "sku", None) or r.path)
    return ordered[:: max(1, len(ordered) // n)][:n]


@pytest.fixture(scope="module")
def encoder():
    if not SHIPPED_WEIGHTS.is_file():
        pytest.fail("shipped weights missing: run `python -m assistant train vision`")
    return get_image_encoder()


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


@pytest.mark.unit
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
