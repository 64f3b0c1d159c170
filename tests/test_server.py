"""The server around the page (assistant/server.py): /health, the page, the login option."""
from __future__ import annotations

import dataclasses
import os

import pytest



@pytest.mark.unit
def test_the_server_has_a_health_endpoint_and_serves_the_page(small_bot):
    from fastapi.testclient import TestClient

    from assistant.server import create_server
    bot, _ = small_bot([])
    with TestClient(create_server(bot)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["turns_in_flight"] == 0 and health["pid"] == os.getpid()
        assert "Luma shopping assistant" in client.get("/").text


@pytest.mark.unit
def test_the_login_option(small_bot):
    from assistant.page import auth_option, launch_options
    assert auth_option("") is None
    assert auth_option("ann:pw1, bob:p:w") == [("ann", "pw1"), ("bob", "p:w")]
    with pytest.raises(ValueError, match="user:password"):
        auth_option("ann")
    bot, _ = small_bot([])
    bot.settings = dataclasses.replace(bot.settings, auth="ann:pw1")
    assert launch_options(bot)["auth"] == [("ann", "pw1")]


def test_two_worker_processes_share_one_store_and_stop_on_sigterm(settings, tmp_path):
    """`SHOPASSIST_WORKERS=2 python -m assistant serve`: two processes on two ports over one data dir;
    a conversation started on one goes on on the other; SIGTERM stops both."""
    import signal
    import subprocess
    import sys

    from gradio_client import Client

    from tests.page_server import free_port
    data = tmp_path / "data"
    data.mkdir()
    for name in ("catalog.sqlite", "index", "models"):  # the built data, read-only; a fresh store
        (data / name).symlink_to(settings.data_dir.resolve() / name)
    port = free_port()
    while any(_busy(p) for p in (port, port + 1)):
        port = free_port()
    env = {**os.environ, "SHOPASSIST_WORKERS": "2", "SHOPASSIST_PORT": str(port), "SHOPASSIST_DATA_DIR": str(data)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], env=env)
    try:
        urls = [f"http://127.0.0.1:{p}/" for p in (port, port + 1)]
        pids = [_wait_healthy(url, server) for url in urls]
        assert len(set(pids)) == 2
        first, other = Client(urls[0], verbose=False), Client(urls[1], verbose=False)
        _, items, session = first.predict({"text": "women's jackets under $60", "files": []}, "", api_name="/chat")
        assert items and session
        _, items, same = other.predict({"text": "in blue instead", "files": []}, session, api_name="/chat")
        assert same == session and items
        assert all((i["gender"], i["category"], i["color"]) == ("Women", "Jackets", "Blue") and i["price"] <= 60
                   for i in items)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=120) is not None
    finally:
        if server.poll() is None:
            server.kill()


def _busy(port: int) -> bool:
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_healthy(url: str, server, timeout: float = 900) -> int:
    import json
    import time
    import urllib.request
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url + "health", timeout=5) as r:
                return json.loads(r.read())["pid"]
        except OSError:
            time.sleep(2)
    raise AssertionError(f"{url} did not become healthy")
