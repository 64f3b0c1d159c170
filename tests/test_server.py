"""The server around the page (assistant/server.py): /health, the page, the login option."""
from __future__ import annotations

import dataclasses
import os

import pytest

pytestmark = pytest.mark.unit


def test_the_server_has_a_health_endpoint_and_serves_the_page(small_bot):
    from fastapi.testclient import TestClient

    from assistant.server import create_server
    bot, _ = small_bot([])
    with TestClient(create_server(bot)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["turns_in_flight"] == 0 and health["pid"] == os.getpid()
        assert "Luma shopping assistant" in client.get("/").text


def test_the_login_option(small_bot):
    from assistant.page import auth_option, launch_options
    assert auth_option("") is None
    assert auth_option("ann:pw1, bob:p:w") == [("ann", "pw1"), ("bob", "p:w")]
    with pytest.raises(ValueError, match="user:password"):
        auth_option("ann")
    bot, _ = small_bot([])
    bot.settings = dataclasses.replace(bot.settings, auth="ann:pw1")
    assert launch_options(bot)["auth"] == [("ann", "pw1")]
