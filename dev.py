#!/usr/bin/env python3
"""Set up DataFlow in ./.venv, then open the app or run the tests. Needs only Python 3.11+.

    python3 dev.py app      # install everything, then start the app (python -m dataflow.ui) and print its link
    python3 dev.py app --server.port 8600     # extra arguments go to the Streamlit server
    python3 dev.py test     # install everything (with test tools), then ruff and the whole test suite
    python3 dev.py test -k cache -x    # extra arguments go to pytest

The install is done once per change of a pyproject.toml: the stamp records which extras are in
the environment, so `app` after `test` (a superset) installs nothing. The browser tests drive
Debian's Chromium; `test` installs it with apt-get when it runs as root, and otherwise stops at
once, saying what to install. The database tests start their own PostgreSQL server from Debian's
binaries; `test` installs the `postgresql` package the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dataflow-installed"


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def run(*args: object, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env={**os.environ, **(env or {})})


def projects() -> list[Path]:
    """The root distribution and every plugin in plugins/, each installed editable."""
    return [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]


def _digest() -> str:
    digest = hashlib.sha256()
    for project in projects():
        digest.update((project / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def _installed_extras(digest: str) -> set[str] | None:
    """The extras installed for these pyproject files (empty set: none), or None: install again."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("digest") != digest:
        return None
    return set(stamp.get("extras") or ())


def install(with_tests: bool) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"DataFlow needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not venv_bin("python").exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    digest = _digest()
    wanted = {"test"} if with_tests else set()
    installed = _installed_extras(digest)
    if installed is not None and wanted <= installed:
        return                                   # what is installed covers this command
    extras = wanted | (installed or set())
    print("installing DataFlow and its plugins into .venv (about 20 s)", flush=True)
    python = venv_bin("python")
    quiet = {"PYTHONWARNINGS": "ignore"}         # setuptools' deprecation notices, ~330 lines per install
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools>=70.1", env=quiet)
    targets: list[str] = []
    for project in projects():
        spec = f"{project}[{','.join(sorted(extras))}]" if project == ROOT and extras else str(project)
        targets += ["-e", spec]
    run(python, "-m", "pip", "install", "--quiet", *targets, env=quiet)
    STAMP.write_text(json.dumps({"digest": digest, "extras": sorted(extras)}))


CHROMIUM_HELP = """The browser tests (tests/ui/test_e2e*.py) drive Debian's Chromium, which is not installed.
Install it:     sudo apt-get install chromium      (Debian, Ubuntu; `playwright install` is not needed)
or point CHROMIUM at a Chromium binary:   CHROMIUM=/path/to/chromium python3 dev.py test
or leave the browser tests out:           python3 dev.py test --ignore-glob='tests/ui/test_e2e*'"""


def chromium() -> str | None:
    """The Chromium the browser tests use ($CHROMIUM, /usr/bin/chromium, or `chromium` on PATH)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def needs_browser(args: list[str]) -> bool:
    """True when the pytest arguments select the browser tests (no path given, or a path holding them)."""
    if any(a.startswith("--ignore-glob") and "e2e" in a for a in args):
        return False
    paths = [Path(a.split("::")[0]).resolve() for a in args if not a.startswith("-") and Path(a.split("::")[0]).exists()]
    if not paths:
        return True
    ui = (ROOT / "tests" / "ui").resolve()
    return any(p == ui or ui.is_relative_to(p) or (p.parent == ui and p.name.startswith("test_e2e")) for p in paths)


#: what the security suite traces with (its loopback and network-namespace checks): command -> package
TRACING = {"strace": "strace", "ip": "iproute2"}


def ensure_system_packages() -> None:
    """Install Chromium (and strace and iproute2 for the security suite) as `.ci/run` does (apt-get,
    as root), or stop at once saying what to install when Chromium is missing."""
    missing = [package for command, package in TRACING.items() if shutil.which(command) is None]
    if chromium() is None:
        missing += ["chromium", "fonts-liberation"]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing what the browser and security tests use (apt-get install {' '.join(missing)})", flush=True)
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
    if chromium() is None:
        sys.exit(CHROMIUM_HELP)
    for command, package in TRACING.items():
        if shutil.which(command) is None:
            print(f"note: `{command}` is missing (apt-get install {package}): the security suite's tracing "
                  "checks will say so and be skipped", flush=True)


def postgresql_installed() -> bool:
    """Whether PostgreSQL's server binaries (initdb, pg_ctl) are where the db plugin's tests look."""
    return bool(os.environ.get("DATAFLOW_PG_BIN")) or any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def needs_postgresql(args: list[str]) -> bool:
    """True when the pytest arguments select the db plugin's tests (no path given, or a path holding them)."""
    paths = [Path(a.split("::")[0]).resolve() for a in args if not a.startswith("-") and Path(a.split("::")[0]).exists()]
    db = (ROOT / "plugins" / "db").resolve()
    return not paths or any(p == db or db.is_relative_to(p) or p.is_relative_to(db) for p in paths)


def ensure_postgresql() -> None:
    """Install PostgreSQL's server (apt-get, as root): the db plugin's tests start their own server
    from its binaries on 127.0.0.1. Without it, and not as root, they say what to install."""
    if postgresql_installed():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing PostgreSQL's server for the database tests (apt-get install postgresql)", flush=True)
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql", env=env)
    if not postgresql_installed():
        print("note: PostgreSQL's server is not installed (sudo apt-get install postgresql): the PostgreSQL "
              "tests of plugins/db will be skipped (and fail under CI=true)", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("app", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "test" and needs_browser(rest):
        ensure_system_packages()                 # before the install: a missing browser stops at once
    if command == "test" and needs_postgresql(rest):
        ensure_postgresql()
    install(with_tests=command == "test")
    if command == "app":
        return subprocess.call([str(venv_bin("python")), "-m", "dataflow.ui", *rest], cwd=ROOT)  # behind a per-launch secret
    run(venv_bin("ruff"), "check", ".")
    return subprocess.call([str(venv_bin("python")), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
