"""The page served by uvicorn: a /health endpoint, graceful shutdown, retention, worker processes.

`python -m assistant serve` runs `create_server` in one process, or in `settings.workers` processes
on consecutive ports (`serve`, below): each builds its own Assistant; all share the session store in
data/, whose WAL mode lets them read and write it together, and the session key, so an id one
issued works in all.
On SIGTERM or Ctrl-C, uvicorn stops taking connections, and shutdown waits up to
`settings.shutdown_grace_s` for the turns in flight to finish; a turn still running then is cut
off before its save, which is one transaction, so its session stays as it was before that turn.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 3600.0
SPARE_THREADS = 16


def create_server(bot=None):
    """The FastAPI app: /health plus the page at /. `bot`: an Assistant (default: from the settings)."""
    import anyio
    import gradio as gr
    from fastapi import FastAPI

    from assistant import Assistant
    from assistant.dialogue import retention
    from assistant.page import build_app, launch_options

    bot = bot or Assistant.from_settings()
    stop = threading.Event()

    def retain():  # at start, then hourly, until shutdown
        while not stop.is_set():
            try:
                retention.expire(bot.settings, bot.sessions)
            except Exception:
                log.exception("retention failed")
            stop.wait(RETENTION_EVERY_S)

    @asynccontextmanager
    async def lifespan(_):
        threading.Thread(target=retain, name="retention", daemon=True).start()
        yield
        stop.set()
        deadline = time.monotonic() + bot.settings.shutdown_grace_s
        while bot.turns_in_flight and time.monotonic() < deadline:
            await anyio.sleep(0.1)
        if bot.turns_in_flight:
            log.warning("shutdown: %d turns still running are cut off (their sessions keep the state before them)",
                        bot.turns_in_flight)

    api = FastAPI(lifespan=lifespan)

    @api.get("/health")
    def health() -> dict:
        """Up, with what an operator watches: turns running now, sessions stored, this worker's pid."""
        return {"status": "ok", "turns_in_flight": bot.turns_in_flight, "sessions": bot.sessions.count(),
                "pid": os.getpid()}

    options = launch_options(bot)
    blocks = build_app(bot)
    # A thread for every turn the gate admits, and spare ones that answer "busy" and feedback at
    # once; requests beyond the threads wait in Gradio's queue only until a thread takes them.
    blocks.max_threads = bot.settings.turns_at_once + bot.settings.queue_size + SPARE_THREADS
    blocks = blocks.queue(max_size=4 * blocks.max_threads)
    return gr.mount_gradio_app(api, blocks, path="/", server_name=options["server_name"],
                               server_port=options["server_port"], footer_links=options["footer_links"],
                               auth=options["auth"], allowed_paths=options["allowed_paths"], show_error=False,
                               theme=options["theme"], css=options["css"])


def serve(settings) -> None:
    """One server process; with settings.workers > 1, that many processes on consecutive ports.

    Gradio's queue lives in its process's memory and a turn's requests (join, then the event
    stream) must reach the same process, so uvicorn's own workers (one port, any process per
    request) cannot serve it. Each worker gets its own port instead; a proxy in front pins a
    browser to one of them (sticky sessions), and any of them can carry on any conversation, since
    they share the session store and the session key.
    """
    import uvicorn
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.workers > 1:
        return _serve_workers(settings)
    uvicorn.run("assistant.server:create_server", factory=True, host=settings.host, port=settings.port,
                timeout_graceful_shutdown=int(settings.shutdown_grace_s) + 1)


def _serve_workers(settings) -> None:
    import signal
    import subprocess
    import sys
    ports = [settings.port + i for i in range(settings.workers)]
    children = [subprocess.Popen([sys.executable, "-m", "assistant", "serve"],
                                 env={**os.environ, "SHOPASSIST_WORKERS": "1", "SHOPASSIST_PORT": str(port)})
                for port in ports]
    log.info("%d worker processes on ports %s (pids %s)", len(ports), ports, [c.pid for c in children])

    def stop(signum, frame):  # each child finishes its turns in flight (graceful shutdown), then exits
        for child in children:
            child.send_signal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.wait()
