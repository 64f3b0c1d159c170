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


def test_two_worker_processes_share_one_store_and_stop_on_sigterm(settings):
    """`SHOPASSIST_WORKERS=2 python -m assistant serve`: two processes on two ports over one data dir;
    a conversation started on one goes on on the other; SIGTERM stops both."""
    import signal

    import requests
    from gradio_client import Client

    from assistant.evaluation.http_load import Server
    from assistant.evaluation.load_bench import fresh_store
    server = Server(fresh_store(settings, "two-workers-"), workers=2, timeout_s=900)
    try:
        pids = [requests.get(url + "health", timeout=30).json()["pid"] for url in server.urls]
        assert len(set(pids)) == 2
        first, other = Client(server.urls[0], verbose=False), Client(server.urls[1], verbose=False)
        _, items, session = first.predict({"text": "women's jackets under $60", "files": []}, "", api_name="/chat")
        assert items and session
        _, items, same = other.predict({"text": "in blue instead", "files": []}, session, api_name="/chat")
        assert same == session and items
        assert all((i["gender"], i["category"], i["color"]) == ("Women", "Jackets", "Blue") and i["price"] <= 60
                   for i in items)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=120) is not None
    finally:
        server.stop()
