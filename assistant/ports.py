"""A free TCP port on loopback for a server started here (tests, benches, a throwaway database)."""
from __future__ import annotations

import socket


def free_port(count: int = 1) -> int:
    """A port p such that p .. p + count - 1 are all free now (worker processes take consecutive ports)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if all(_free(port + k) for k in range(1, count)):
            return port
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
