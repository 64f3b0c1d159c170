"""Drafted decoding against plain decoding, turn by turn on the same dialogues: the tracker's expected
call checked by the model in the prompt's own pass (`PrefixCachedDecoder.speculate`) or not. Each
dialogue's text turns are replayed in two sessions side by side, one turn of each in turn, so the
CPU's drift touches both alike. Prints whether the chat model's own calls are the same, its forward
passes and the turn times (docs/RESULTS.md, Latency).

    PYTHONPATH=. .venv/bin/python docs/experiments/draft_decoding.py [SET ...]   (default: robust-dev)
"""
import json
import statistics
import sys
import time
import uuid

from tqdm import tqdm

import assistant.planning.tuned as tuned
from assistant import Assistant
from assistant.evaluation.robust import SETS
from assistant.settings import Settings

expected_call = tuned.expected_call


def turn(bot, session: str, text: str, drafted: bool) -> tuple[float, int, list]:
    tuned.expected_call = expected_call if drafted else (lambda turn: None)
    decoder = bot.controller.planner.chat_model.decoder
    passes, start = decoder.passes, time.perf_counter()
    reply = bot.respond(session, text, images=[])
    return time.perf_counter() - start, decoder.passes - passes, [json.dumps(p, sort_keys=True, default=str)
                                                                  for p in reply.proposed_tools]


def main(names: list[str]) -> None:
    bot = Assistant.from_settings(Settings.from_env())
    run = uuid.uuid4().hex[:6]
    rows = []
    dialogues = [d for name in names for d in json.loads(SETS[name].read_text())
                 if not any(t.get("images") for t in d["turns"])]
    for n, dialogue in enumerate(tqdm(dialogues, desc="dialogues")):
        for t in dialogue["turns"]:
            plain = turn(bot, f"plain-{run}-{n}", t["user"], False)
            drafted = turn(bot, f"draft-{run}-{n}", t["user"], True)
            rows.append({"text": t["user"], "plain": plain, "drafted": drafted})
    same = sum(r["plain"][2] == r["drafted"][2] for r in rows)
    print(f"{len(rows)} text turns in {len(dialogues)} dialogues of {', '.join(names)}")
    print(f"the chat model's own calls the same: {same}/{len(rows)}")
    for key in ("plain", "drafted"):
        times, passes = [r[key][0] for r in rows], [r[key][1] for r in rows]
        print(f"{key:8s} turn p50 {statistics.median(times):.3f} s, mean {statistics.mean(times):.3f} s; "
              f"forward passes per turn mean {statistics.mean(passes):.2f}, p50 {statistics.median(passes)}")
    for r in rows:
        if r["plain"][2] != r["drafted"][2]:
            print("differs:", r["text"], "\n  plain:  ", r["plain"][2], "\n  drafted:", r["drafted"][2])


if __name__ == "__main__":
    main(sys.argv[1:] or ["robust-dev"])
