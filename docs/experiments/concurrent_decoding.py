"""Decisions decoded one at a time against two at once (`LocalChatModel._checkout`: a decoder per
thread, each with its own KV cache over the shared weights), with torch's default intra-op threads
and with one each: whether two decoders overlap usefully, and whether the calls stay the same
(docs/RESULTS.md, Serving).

    PYTHONPATH=. .venv/bin/python docs/experiments/concurrent_decoding.py
"""
import threading
import time

import torch
from langchain_core.messages import HumanMessage

from assistant import Assistant
from assistant.settings import Settings

TEXTS = ["red hoodie for men under 45 dollars", "womns jaket blu not black, size M or L", "cheap tees for women",
         "green or blue running shorts for men", "a yoga bra in size S", "hoodies without a zip under 60",
         "something for hiking, waterproof", "best rated jackets for women"] * 2


def main() -> None:
    planner = Assistant.from_settings(Settings.from_env()).controller.planner
    planner.warm_up()

    def decide(text):
        call = planner.llm.invoke([planner.system, HumanMessage(content=text)], tool_choice="any").tool_calls[0]
        return call["name"], sorted(call["args"].items(), key=str)

    for threads in (torch.get_num_threads(), 1):
        torch.set_num_threads(threads)
        start = time.perf_counter()
        alone = [decide(t) for t in TEXTS]
        one_at_a_time = time.perf_counter() - start
        together: list = [None] * len(TEXTS)

        def worker(first):
            for i in range(first, len(TEXTS), 2):
                together[i] = decide(TEXTS[i])

        start = time.perf_counter()
        workers = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        two_at_once = time.perf_counter() - start
        print(f"{len(TEXTS)} decisions, {threads} intra-op thread(s) each: one at a time {one_at_a_time:.2f} s, "
              f"two at once {two_at_once:.2f} s ({one_at_a_time / two_at_once:.2f}x); "
              f"the same calls: {together == alone}; decoders made: {planner.chat_model._made}")


if __name__ == "__main__":
    main()
