"""The fuzz corpus through the HTTP API: `python -m assistant bench load --parts fuzz-http`.

The real page (assistant/page.py, Gradio's own server) is served on loopback over the bench's
assistant, and every case goes to `/chat` through gradio_client as a program would send it: the
case's valid request first (a new session), then the bad message in that session. A file of the
case is uploaded as a file (handle_file); any other value of its photo list, or a photo "list"
that is not one, and text that is not text, are sent as the JSON they are. A case fails on: an
exception in the client (the server refused the call without a reply), an empty reply, internals
in the reply (fuzz_corpus.internals_in), items other than those of the assistant's reply, or an
item breaking a constraint its session holds (fuzz_corpus.violating_items: the rule of the run
through Assistant.respond, which needs the reply's tool calls; the bench keeps each session's last
reply object as the server made it, since the API does not return them).
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from tqdm import tqdm

from assistant.evaluation.fuzz_corpus import internals_in, message_images, message_text, sent_words, violating_items


def payload(case: dict, folder: Path) -> dict:
    """The /chat message of a case: file bytes written under `folder` and uploaded as files."""
    from gradio_client import handle_file
    images = message_images(case)
    if isinstance(images, list):
        files = []
        for n, entry in enumerate(images):
            if isinstance(entry, (bytes, bytearray)):
                (path := folder / f"{case['id']}-{n}.img").write_bytes(entry)
                entry = handle_file(str(path))
            files.append(entry)
        images = files
    return {"text": message_text(case), "files": [] if images is None else images}


def run_case(client, bot, case: dict, folder: Path, replies: dict) -> list[str]:
    """Send one case (after its valid request) through /chat; what was wrong with the answers.
    `replies`: from keeping_replies, for the items."""
    problems, session = [], ""
    try:
        if case["before"]:
            text, items, session = client.predict({"text": case["before"], "files": []}, "", api_name="/chat")
            problems += [f"before: {p}" for p in check(bot, text, items, session, case["before"], replies)]
        text, items, session = client.predict(payload(case, folder), session, api_name="/chat")
    except Exception as exc:  # noqa: BLE001 - what the bench counts: a call the server did not answer
        return problems + [f"no reply over HTTP: {type(exc).__name__}: {exc}"[:300]]
    return problems + check(bot, text, items, session, sent_words(case), replies)


def check(bot, text, items, session: str, sent: str, replies: dict) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return ["no reply text"]
    found = internals_in(text, sent)
    problems = [f"internals in reply: {', '.join(dict.fromkeys(found))}"] if found else []
    reply = replies.pop(session, None)  # none: the API refused the message before the assistant
    if reply is not None:
        if [i["sku"] for i in items or []] != [i.sku for i in reply.items]:
            problems.append("the API's items are not the reply's")
        problems += violating_items(bot, reply)
    return problems


@contextlib.contextmanager
def keeping_replies(bot):
    """While open, each session's last Reply as `bot.respond` made it for the page (the API returns
    no tool calls, which the item check needs): {session id: Reply}."""
    replies, respond = {}, bot.respond

    def keep_reply(session_id, *args, **kwargs):
        replies[session_id] = reply = respond(session_id, *args, **kwargs)
        return reply
    bot.respond = keep_reply
    try:
        yield replies
    finally:
        bot.respond = respond


def run_fuzz_http(bot, cases: list[dict]) -> dict:
    """`cases` through the HTTP API of the page served over `bot`: counts and the failed cases."""
    from gradio_client import Client

    from assistant.page import build_app, serve_on_loopback
    app = build_app(bot)
    client = Client(serve_on_loopback(app, bot), verbose=False)
    failed = {}
    try:
        with keeping_replies(bot) as replies, tempfile.TemporaryDirectory(prefix="fuzz-http-") as folder:
            for case in tqdm(cases, desc="fuzz over HTTP", unit="case"):
                if problems := run_case(client, bot, case, Path(folder), replies):
                    failed[case["id"]] = problems
    finally:
        client.close()
        app.close()
    return {"fuzz_http_cases": len(cases), "fuzz_http_failures": len(failed), "fuzz_http_failed": failed}
