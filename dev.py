#!/usr/bin/env python3
"""Set up DataFlow in ./.venv, then open the app or run the tests. Needs only Python 3.11+.

    python3 dev.py app      # install everything, then `streamlit run ui/app.py`
    python3 dev.py test     # install everything (with test tools), then ruff and the whole test suite
    python3 dev.py test -k cache -x    # extra arguments go to pytest
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dataflow-installed"


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def run(*args: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT)


def projects() -> list[Path]:
    """The root distribution and every plugin in plugins/, each installed editable."""
    return [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]


def install(with_tests: bool) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"DataFlow needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not venv_bin("python").exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(str(with_tests).encode())
    for project in projects():
        digest.update((project / "pyproject.toml").read_bytes())
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest():
        return
    python = venv_bin("python")
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools>=70.1")
    targets: list[str] = []
    for project in projects():
        spec = f"{project}[test]" if project == ROOT and with_tests else str(project)
        targets += ["-e", spec]
    run(python, "-m", "pip", "install", "--quiet", *targets)
    STAMP.write_text(digest.hexdigest())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("app", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    install(with_tests=command == "test")
    if command == "app":
        return subprocess.call([str(venv_bin("python")), "-m", "dataflow.ui", *rest], cwd=ROOT)  # behind a per-launch secret
    run(venv_bin("ruff"), "check", ".")
    return subprocess.call([str(venv_bin("python")), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
