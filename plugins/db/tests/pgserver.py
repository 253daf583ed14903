"""A throw-away PostgreSQL server on 127.0.0.1, started from the distribution's binaries (initdb,
pg_ctl under /usr/lib/postgresql/*/bin): what the db plugin's tests and examples run against.

    with TempServer() as server:        # a free port in 55432-55439, a superuser with a password
        server.url("postgres")          # postgresql://dataflow:...@127.0.0.1:55432/postgres

PostgreSQL refuses to run as root; as root (CI) the server runs as the `postgres` user that the
Debian package creates, with its data folder handed over to it. It listens on 127.0.0.1 only,
with no Unix socket, and password (scram-sha-256) authentication. Test infrastructure only: no node uses it.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PORTS = range(55432, 55440)
INSTALL_HINT = ("PostgreSQL's server binaries are not installed: `apt-get install postgresql` "
                "(python3 dev.py test does it as root), or set DATAFLOW_PG_BIN to the folder holding initdb")


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: $DATAFLOW_PG_BIN, else the newest /usr/lib/postgresql/*/bin."""
    configured = os.environ.get("DATAFLOW_PG_BIN")
    if configured:
        return Path(configured) if (Path(configured) / "initdb").is_file() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def free_port(ports: range = PORTS) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1} on 127.0.0.1")


class TempServer:
    """A PostgreSQL server in a temporary folder; stopped and removed on exit."""

    user = "dataflow"

    def __init__(self, port: int | None = None):
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError(INSTALL_HINT)
        self.bin = binaries
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(16)
        self.folder = Path(tempfile.mkdtemp(prefix="dataflow-pg-"))
        self.data = self.folder / "data"
        self.run_as = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        done = subprocess.run([str(a) for a in args], capture_output=True, text=True, user=self.run_as,
                              cwd=self.folder, timeout=120, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}{tail}")

    def start(self) -> TempServer:
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if self.run_as:
            shutil.chown(self.folder, self.run_as)
            shutil.chown(password_file, self.run_as)
        os.chmod(password_file, 0o600)
        self._run(self.bin / "initdb", "-D", self.data, "-U", self.user, "--auth=scram-sha-256",
                  f"--pwfile={password_file}", "--encoding=UTF8", "--no-sync")
        password_file.unlink()
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=off"
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "server.log",
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, user=self.run_as, timeout=60, check=False)

    def url(self, database: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        return (f"postgresql://{user or self.user}:{password if password is not None else self.password}"
                f"@127.0.0.1:{self.port}/{database}")

    def __enter__(self) -> TempServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
