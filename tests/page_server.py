"""Serving the real page (assistant/page.py) for tests: on loopback, on a free port, without blocking."""
from __future__ import annotations

from assistant.page import launch_options
from assistant.ports import free_port


def serve(app, bot) -> str:
    """Launch `app` (a build_app result) on 127.0.0.1 in Gradio's own thread; returns the local URL."""
    options = launch_options(bot)
    options.update(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    _, url, _ = app.queue().launch(**options)
    return url
