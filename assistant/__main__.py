"""Command line: `python -m assistant <verb>` (also installed as `shopassist`)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant.evaluation.robust import SETS as ROBUST_SETS
from assistant.settings import Settings


def _print_table(title: str, rows: dict) -> None:
    width = max(len(k) for k in rows) if rows else 0
    print(title)
    print("-" * max(len(title), width + 14))
    for key, value in rows.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")


def _write_json(path: str | None, figures: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        flat = {k: v for k, v in figures.items() if isinstance(v, (int, float, str, bool)) or v is None}
        Path(path).write_text(json.dumps(flat, indent=2))
        print(f"figures written to {path}")


def cmd_setup(args, settings: Settings) -> int:
    from assistant.setup import run_setup
    for line in run_setup(settings, force=args.force, with_model=not args.no_model):
        print(line)
    return 0


def cmd_ask(args, settings: Settings) -> int:
    import uuid
    from assistant import Assistant
    bot = Assistant.from_settings(settings)
    session = args.session or f"cli-{uuid.uuid4().hex[:8]}"
    reply = bot.respond(session, args.text, images=args.image or [])
    if args.json:
        print(reply.to_json())
    else:
        print(reply.text)
        for r in reply.renders:
            print(f"[{r.kind} image] {r.path}")
        print(f"\n(session {session}; tools: {', '.join(c['name'] for c in reply.tool_calls) or 'none'})")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from assistant.server import serve
    serve(settings)
    return 0


def cmd_bench(args, settings: Settings) -> int:
    if args.what == "latency" and (args.endpoint or args.engine_python):
        from assistant.evaluation.endpoint_latency import run_endpoint_latency_bench
        figures = run_endpoint_latency_bench(settings, args.endpoint, args.engine_python, turns=args.turns,
                                             out_dir=Path(args.out))
    elif args.what == "latency":
        from assistant.evaluation.latency import run_latency_bench
        figures = run_latency_bench(settings, turns=args.turns, out_dir=Path(args.out))
    elif args.what == "renderer":
        from assistant.evaluation.renderer import run_renderer_bench
        figures = run_renderer_bench(settings, turns=args.turns)
    elif args.what == "vision":
        from assistant.evaluation.latency import run_vision_bench
        figures = run_vision_bench(settings, turns=args.turns)
    elif args.what == "load":
        from assistant.evaluation.load_bench import run_load_bench
        figures = run_load_bench(settings, planner=args.planner, fuzz_limit=args.fuzz_limit,
                                 kill9_turns=args.kill9_turns, sessions=args.sessions, http_sessions=args.http_sessions,
                                 parts=tuple(args.parts), out_dir=Path(args.out))
    elif args.what == "scale":
        from assistant.evaluation.scale_bench import run_scale_bench
        out = Path(args.json).parent if args.json else Path(args.out) / "scale"  # the plot goes beside the JSON
        figures = run_scale_bench(sizes=args.sizes, backends=args.backends, queries=args.queries,
                                  budget_s=args.budget_s, min_queries=args.min_queries, out_dir=out, seed=args.seed,
                                  settings=settings, turns=args.turns)
    elif args.what == "storage":
        from assistant.evaluation.scale_bench import parse_size
        from assistant.evaluation.storage_bench import run_storage_bench
        out = Path(args.json).parent if args.json else Path(args.out) / "storage"  # the plot goes beside the JSON
        figures = run_storage_bench(settings, sizes=[parse_size(s) for s in args.sizes or ["10k"]],
                                    database_url=args.database_url or "", repeats=args.repeats, out_dir=out)
    else:  # argparse allows only the listed choices
        from assistant.evaluation.recommender_bench import run_recommender_bench
        figures = run_recommender_bench(settings, sizes=args.sizes, turns=args.turns, out_dir=Path(args.out))
    _print_table(f"bench {args.what}", figures)
    _write_json(args.json, figures)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    if args.what == "dialogues" and args.set != "scripted":  # held-out shopper wording
        from assistant.evaluation.robust import run_robust_eval
        figures = run_robust_eval(settings, out_dir=Path(args.out), set_name=args.set)
    elif args.what == "dialogues":
        from assistant.evaluation.dialogues import run_dialogue_eval
        figures = run_dialogue_eval(settings, out_dir=Path(args.out))
    elif args.what == "vision":
        from assistant.evaluation.vision import run_vision_eval
        figures = run_vision_eval(settings, out_dir=Path(args.out), sample=args.limit)
    elif args.what == "explanations":
        from assistant.evaluation.explanations import run_explanations_eval
        figures = run_explanations_eval(settings, out_dir=Path(args.out), limit=args.limit)
    elif args.what == "renderer":
        from assistant.evaluation.renderer import run_renderer_eval
        figures = run_renderer_eval(settings, out_dir=Path(args.out), limit=args.limit)
    elif args.what == "controller":
        from assistant.evaluation.controller import VARIANTS, evaluate_controller
        figures = evaluate_controller(settings, variants=args.variants or VARIANTS, limit=args.limit,
                                      base_limit=args.base_dialogues, system_dialogues=args.system_dialogues,
                                      out_dir=Path(args.out),
                                      dialogues_path=Path(args.dialogues_dir) / "dialogues_test.jsonl" if args.dialogues_dir else None)
    else:
        from assistant.evaluation.recommender import run_recommender_eval
        figures = run_recommender_eval(settings, out_dir=Path(args.out), recbole=not args.no_recbole,
                                       recbole_epochs=args.recbole_epochs, recbole_sparse=args.recbole_sparse)
    _print_table(f"eval {args.what}", figures)
    _write_json(args.json, figures)
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    from assistant import storage
    from assistant.recommender.retail_log import LogError, ingest
    from assistant.setup import run_setup
    from tools.index import load_index
    if storage.catalog_record(settings) is None or not (settings.index_dir / "text" / "meta.json").exists():
        run_setup(settings, with_model=False)
    catalog, index = storage.open_catalog(settings), load_index(settings.index_dir / "text")
    try:
        report, meta = ingest(Path(args.file), settings, catalog, index)
    except LogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    choice = meta["choice"]
    if choice["valid_ndcg_at_10"]:
        tried = ", ".join(f"{name} {ndcg:.3f}" for name, ndcg in choice["valid_ndcg_at_10"].items())
        print(f"chose {meta['model']}: the best NDCG@10 at ranking each of {choice['valid_users']} shoppers' "
              f"last product, held out ({tried})")
    elif len(choice["candidates"]) == 1:
        print(f"chose {meta['model']}: the only model that fits {meta['products']} products")
    else:
        print(f"chose {meta['model']}: no shopper has two products to validate a choice on")
    print(f"fitted {meta['model']} on {meta['interactions']} user-product pairs in {meta['fit_s']:.2f} s; "
          f"{meta['warm_products']} of {meta['products']} products have interactions, the rest are scored "
          f"from content. Saved to {settings.recommender_dir}; the assistant uses it from its next start.")
    return 0


def cmd_ingest_catalog(args, settings: Settings) -> int:
    from assistant.catalog.retail_catalog import CatalogFileError
    from assistant.ingest_catalog import ingest_catalog
    try:
        report, lines = ingest_catalog(Path(args.file), settings)
    except CatalogFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines() + lines))
    _write_json(args.json, report.figures())
    return 0


def cmd_train(args, settings: Settings) -> int:
    if args.what == "vision":
        from assistant.training.vision import train_vision
        from assistant.models.image_encoder import SHIPPED_WEIGHTS
        figures = train_vision(settings, epochs=args.epochs, out_dir=Path(args.out),
                               weights_path=Path(args.weights) if args.weights else SHIPPED_WEIGHTS)
    elif args.what == "projector":  # stage 1 of the controller's image input
        from assistant.training.projector import train_projector
        figures = train_projector(settings, epochs=args.epochs or 3, out_dir=Path(args.out))
    elif args.what == "controller":  # stage 2: LoRA adapters + projector on the dialogues
        from assistant.training.controller import train_controller
        figures = train_controller(settings, epochs=args.epochs or 1, out_dir=Path(args.out),
                                   train_limit=None if args.turns == 0 else args.turns,
                                   weights_dir=Path(args.weights) if args.weights else None,
                                   dialogues_path=Path(args.dialogues_dir) / "dialogues_train.jsonl"
                                   if args.dialogues_dir else None,
                                   init_adapter=Path(args.init_adapter) if args.init_adapter else None,
                                   work_dir=Path(args.work_dir) if args.work_dir else None,
                                   **({"lr": args.lr} if args.lr else {}))
    elif args.what == "segmenter":
        from assistant.training.segmenter import train_segmenter
        figures = train_segmenter(settings, epochs=args.epochs, out_dir=Path(args.out),
                                  weights_path=Path(args.weights) if args.weights else None)
    elif args.what == "photo-reader":
        from assistant.training.photo_reader import train_photo_reader
        figures = train_photo_reader(settings, out_dir=Path(args.out), weights_path=Path(args.weights) if args.weights else None)
    elif args.what == "renderer":
        from assistant.training.renderer import train_renderer
        figures = train_renderer(settings, steps=args.steps, out_dir=Path(args.out),
                                 weights_path=Path(args.weights) if args.weights else None)
    else:  # the controller's self-instruct training data
        from assistant.training.dialogue_dataset import build_dataset
        figures = build_dataset(settings, args.dialogues, args.test_dialogues,
                                Path(args.dialogues_dir) if args.dialogues_dir else settings.data_dir / "controller")
    _print_table(f"train {args.what}", figures)
    return 0


def parser() -> argparse.ArgumentParser:
    from assistant.evaluation.load_bench import PARTS as LOAD_PARTS
    p = argparse.ArgumentParser(prog="shopassist", description=__doc__)
    sub = p.add_subparsers(dest="verb", required=True)
    s = sub.add_parser("setup", help="get data, ingest the catalog, build indexes, prepare the chat model")
    s.add_argument("--force", action="store_true", help="rebuild even if up to date")
    s.add_argument("--no-model", action="store_true", help="skip preparing the chat model")
    s.set_defaults(func=cmd_setup)
    a = sub.add_parser("ask", help="one turn from the command line")
    a.add_argument("text")
    a.add_argument("--image", action="append", help="a photo to send (repeatable)")
    a.add_argument("--session", help="continue a saved conversation")
    a.add_argument("--json", action="store_true", help="print the reply as JSON")
    a.set_defaults(func=cmd_ask)
    v = sub.add_parser("serve", help="the web page")
    v.set_defaults(func=cmd_serve)
    b = sub.add_parser("bench", help="timing benchmarks")
    b.add_argument("what", choices=["latency", "vision", "recommender", "renderer", "scale", "storage", "load"])
    b.add_argument("--turns", type=int, default=20)
    b.add_argument("--sizes", nargs="+", choices=["1k", "10k", "100k", "1M"],
                   help="recommender, scale, storage: catalog sizes to time (scale: 100k 1M unless given; "
                   "storage: the Luma catalog and 10k)")
    b.add_argument("--backends", nargs="+", choices=["faiss", "faiss-hnsw", "qdrant-edge", "milvus"],
                   help="scale: vector backends to time (all unless given; exact FAISS always, as the truth)")
    b.add_argument("--queries", type=int, default=200, help="scale: queries per filter level")
    b.add_argument("--budget-s", type=float, default=30.0,
                   help="scale: a slow backend stops a level after this many seconds (once it has --min-queries)")
    b.add_argument("--min-queries", type=int, default=30, help="scale: queries per level however slow")
    b.add_argument("--seed", type=int, default=0, help="scale: the synthetic catalogs and queries (index settings were "
                   "chosen on seed 0: report on another)")
    b.add_argument("--database-url", help="storage: the PostgreSQL to time (a throwaway local server unless given)")
    b.add_argument("--repeats", type=int, default=10, help="storage: timings of each query")
    b.add_argument("--planner", choices=["real", "search"], default="real",
                   help="load: the real chat model, or a planner that always searches (no model; fast)")
    b.add_argument("--fuzz-limit", type=int, help="load: a spread sample of this many fuzz cases (default: all)")
    b.add_argument("--kill9-turns", type=int, default=50, help="load: completed turns across the kill -9 runs")
    b.add_argument("--sessions", type=int, default=300, help="load: sessions of two turns in one process")
    b.add_argument("--http-sessions", type=int, default=50,
                   help="load: conversations of three turns at once over HTTP (one, then two worker processes)")
    b.add_argument("--parts", nargs="+", choices=list(LOAD_PARTS), default=list(LOAD_PARTS),
                   help="load: which parts to run (fuzz-http: the fuzz corpus through the page's HTTP API)")
    b.add_argument("--endpoint", help="latency: also time the endpoint planner on this OpenAI-compatible server "
                                      "(base URL, serving SmolLM2-135M) against the in-process planner, same turns")
    b.add_argument("--engine-python", help="latency: like --endpoint, on a llama.cpp server started for the run "
                                           "from this Python (make engines: .engines/bin/python)")
    b.add_argument("--json", help="write figures as one flat JSON object")
    b.add_argument("--out", default="data/reports", help="where plots go")
    b.set_defaults(func=cmd_bench)
    i = sub.add_parser("ingest-interactions", help="validate a retailer's interaction log and fit the recommender on it")
    i.add_argument("file", help="CSV or Parquet: user_id, item_id[, event, rating, timestamp] (see the README)")
    i.set_defaults(func=cmd_ingest)
    c = sub.add_parser("ingest-catalog", help="replace the catalog with a retailer's file and rebuild its indexes")
    c.add_argument("file", help="CSV, Parquet or JSON Lines: sku, name, price, category_path, image[, ...] "
                                "(see the README)")
    c.add_argument("--json", help="write the counts as one flat JSON object")
    c.set_defaults(func=cmd_ingest_catalog)
    t = sub.add_parser("train", help="train the project's own small models")
    t.add_argument("what", choices=["vision", "dialogues", "projector", "controller", "renderer", "segmenter",
                                    "photo-reader"])
    t.add_argument("--dialogues", type=int, default=2000, help="dialogues: how many training dialogues")
    t.add_argument("--test-dialogues", type=int, default=300, help="dialogues: how many held-out test dialogues")
    t.add_argument("--dialogues-dir", help="dialogues: where they go; controller: where its dialogues_train.jsonl "
                                            "is read (default: data/controller/)")
    t.add_argument("--epochs", type=int, help="passes over the training data (default: the config's)")
    t.add_argument("--turns", type=int, default=0, help="controller: a seeded, kind-balanced subset of training turns (0: all)")
    t.add_argument("--lr", type=float, help="controller: peak LoRA learning rate (default 1e-3; lower it to continue "
                                            "an adapter without forgetting what it knew)")
    t.add_argument("--init-adapter", help="controller: continue from this adapter and its projector (e.g. "
                                          "assistant/weights/controller) instead of fresh LoRA weights")
    t.add_argument("--work-dir", help="controller: where its resumable checkpoint goes "
                                      "(default: data/models/controller_training/)")
    t.add_argument("--steps", type=int, help="renderer: optimisation steps (default: the config's)")
    t.add_argument("--out", default="data/reports", help="where the metrics JSON and the plot go")
    t.add_argument("--weights", help="where the weights go (default: the shipped assistant/weights/)")
    t.set_defaults(func=cmd_train)
    e = sub.add_parser("eval", help="quality evaluations")
    e.add_argument("what", choices=["dialogues", "vision", "recommender", "controller", "renderer", "explanations"])
    e.add_argument("--limit", type=int, help="controller: the first N held-out dialogues; explanations: the first N "
                                              "dialogues of each set; renderer: the first N "
                                              "held-out pairs; vision: a seeded sample of N colour-swap pairs "
                                              "for the paraphrase test (default: all)")
    e.add_argument("--base-dialogues", type=int, default=40,
                   help="controller: dialogues the (slow) base model is scored on")
    e.add_argument("--system-dialogues", type=int, default=60,
                   help="controller: dialogues replayed through the whole assistant (reply checks)")
    e.add_argument("--dialogues-dir", help="controller: where its held-out dialogues_test.jsonl is read "
                                            "(default: data/controller/)")
    e.add_argument("--variants", nargs="+", choices=["base", "lora_text", "lora_projector", "endpoint"],
                   help="controller: model variants to score (default: the three local ones; endpoint: the "
                        "endpoint planner on SHOPASSIST_CHAT_ENDPOINT)")
    e.add_argument("--set", choices=["scripted", *ROBUST_SETS], default="scripted",
                   help="dialogues: the scripted set (default), or held-out shopper wording: the report set "
                        "(robust) or the development sets (robust-dev ... robust-dev-7; robust-seen ... robust-seen-9: the earlier "
                        "report sets)")
    e.add_argument("--no-recbole", action="store_true", help="recommender: skip the RecBole peer run")
    e.add_argument("--recbole-epochs", type=int, help="recommender: cap RecBole's epochs (default: its own, 300)")
    e.add_argument("--recbole-sparse", action="store_true",
                   help="recommender: also run RecBole's MultiVAE on the sparse-shopper split (a second RecBole run)")
    e.add_argument("--json", help="write figures as one flat JSON object")
    e.add_argument("--out", default="data/reports", help="where plots and per-turn results go")
    e.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
