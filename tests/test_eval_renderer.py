"""`eval renderer` and `bench renderer` (assistant/evaluation/renderer.py) end to end on a renderer
trained here for a few steps: every figure the issue names is produced and in range, and the
plots are written. (The shipped model's figures are in docs/RESULTS.md.)"""
from __future__ import annotations

from assistant.evaluation.renderer import run_renderer_bench, run_renderer_eval

KEYS = ("renderer_delta_e", "baseline_delta_e", "renderer_ssim", "baseline_ssim", "render_color_accuracy",
        "render_target_top5", "render_p50_s", "train_minutes")


def test_eval_renderer_reports_every_figure(tiny_renderer, tmp_path):
    settings, trained = tiny_renderer
    figures = run_renderer_eval(settings, out_dir=tmp_path, limit=4)
    assert all(figures[k] is not None for k in KEYS) and figures["pairs"] == 4
    assert figures["train_minutes"] == trained["train_minutes"]
    for method in ("none", "baseline", "renderer"):
        assert 0 <= figures[f"{method}_ssim"] <= 1 and figures[f"{method}_delta_e"] >= 0
        assert 0 <= figures[f"{method}_target_top1"] <= figures[f"{method}_target_top5"] <= 1
    assert figures["none_delta_e"] > figures["baseline_delta_e"]          # the baseline does recolour
    assert figures["real_target_color_accuracy"] >= 0.75                 # the encoder reads real photos right
    assert figures["decoder_kid_real_floor"] < figures["decoder_kid"]
    assert (tmp_path / "renderer_examples.png").is_file() and (tmp_path / "renderer_decoded.png").is_file()


def test_bench_renderer_times_every_kind_of_render(tiny_renderer):
    settings, _ = tiny_renderer
    figures = run_renderer_bench(settings, turns=2)
    assert figures["renders_timed"] == 2
    assert all(figures[k] > 0 for k in ("render_p50_s", "composite_p50_s", "words_p50_s"))
