"""Free ports (assistant/ports.py)."""
import socket

import pytest

from assistant.ports import free_port

pytestmark = pytest.mark.unit


def test_free_ports_can_be_bound_consecutively():
    port = free_port(3)
    sockets = [socket.socket() for _ in range(3)]
    try:
        for k, s in enumerate(sockets):
            s.bind(("127.0.0.1", port + k))  # raises if taken
    finally:
        for s in sockets:
            s.close()
    assert 0 < free_port() < 65536
