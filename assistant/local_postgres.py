"""A throwaway PostgreSQL server: initdb in a temporary directory, started on a free local port,
stopped and removed at the end. The tests run against one (tests/conftest.py's `postgres_server`),
and so does `python -m assistant bench storage` when no database URL is given.

It uses the machine's PostgreSQL binaries (`make postgres` installs Debian's when none are
there). PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid

from assistant.ports import free_port


def find_binary(name: str) -> str | None:
    """On PATH, or in Debian's versioned directory (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


class PostgresServer:
    """`with PostgresServer() as server:` a running server; server.new_database() gives a URL."""

    user = "shopassist"

    def __init__(self):
        self.initdb, self.pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError("PostgreSQL's initdb and pg_ctl were not found: `make postgres` installs them "
                               "(Debian's postgresql package)")
        self.as_root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="shopassist-pg-")
        self.port = free_port()
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + list(args)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> "PostgresServer":
        data = os.path.join(self.dir, "data")
        self._run(self.initdb, "-D", data, "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        # fsync off: a test server's data need not survive a crash of the machine.
        self._run(self.pg_ctl, "-D", data, "-l", os.path.join(self.dir, "server.log"), "-w", "start", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off")
        return self

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database: the URL of it."""
        from assistant.postgres import connect
        name = f"t_{uuid.uuid4().hex[:12]}"
        with connect(self.url()) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
