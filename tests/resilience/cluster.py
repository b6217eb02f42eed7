"""A PostgreSQL cluster of the test's own (initdb into a temporary directory), so it can
be stopped with ``pg_ctl stop -m immediate`` — a crash, as far as clients can tell —
without touching the shared server the other tests use."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from tests import conftest

PG_BIN = Path(os.environ.get("WALLETGUARD_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def binaries_present() -> bool:
    return all((PG_BIN / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))


def _as_owner() -> list[str]:
    """initdb and postgres refuse to run as root: run them as ``postgres`` then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]


class Cluster:
    def __init__(self) -> None:
        # Not pytest's tmp_path: its parents are private to root, and the server runs as
        # the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="wg-pgkill-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = conftest._free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.root.chmod(0o755)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, check: bool = True) -> None:
        prefix = _as_owner()
        argv = ([*prefix, " ".join(command)] if prefix[:1] == ["su"] else [*prefix, *command])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        # fsync off: an immediate stop kills the processes, not the machine, so what
        # PostgreSQL wrote is in the page cache either way; it only saves the test time.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c max_connections=40")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "30", "start")

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``: every backend is killed, nothing is shut down
        cleanly, and the next start runs crash recovery from the WAL."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                  "stop")

    def database(self, name: str) -> str:
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def remove(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop",
                  check=False)
        shutil.rmtree(self.root, ignore_errors=True)
