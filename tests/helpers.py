"""Helpers shared by the tests: pip-installing test packs, writing workflows, running the CLI, and a
fresh virtual environment driven with real pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKS = ROOT / "tests" / "packs"


def pip_install_target(target: Path, *projects: Path) -> None:
    """`pip install` local projects into `target` (a site folder put on sys.path by the caller)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--no-warn-script-location", "--target", str(target),
         *map(str, projects)],
        check=True,
    )


def install_module_pack(site: Path, module: str, source: str) -> None:
    """A one-module pack installed into `site` as pip leaves it: `<module>.py` and a dist-info whose
    entry point (named `module`) is the module. Writing it again is how a test edits the pack."""
    (site / f"{module}.py").write_text(source)
    info = site / f"dataflow_{module}-0.1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: dataflow-{module}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[dataflow]\n{module} = {module}\n")


def write_workflow(path: Path, nodes: list[dict], edges: list[dict] | None = None, **meta) -> Path:
    """Write a workflow file from compact node and edge dicts."""
    data = {"version": "0.1.0", "nodes": nodes, "edges": edges or [], "meta": meta}
    path.write_text(json.dumps(data, indent=2))
    return path


def edge(source: str, target: str, source_port: str | None = None, target_port: str | None = None) -> dict:
    return {"source": source, "source_port": source_port, "target": target, "target_port": target_port}


class Cli:
    """Runs the real `dataflow` command in a subprocess, with the test packs and cache folder."""

    def __init__(self, site: Path, cache: Path, extra_path: list[Path] | None = None):
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(str(p) for p in [*(extra_path or []), site])
        self.env["DATAFLOW_CACHE_DIR"] = str(cache)

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dataflow.cli", *map(str, args)], env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def json(self, *args: str) -> tuple[int, dict | list]:
        done = self(*args, "--json")
        try:
            return done.returncode, json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"no JSON on stdout:\n{done.stdout}\n--- stderr ---\n{done.stderr}") from None


def kill_when(cli: Cli, args: list, condition, timeout: float = 120, poll: float = 0.005) -> bool:
    """Start `dataflow *args` and kill -9 it as soon as `condition()` is true (polled every `poll` s);
    return whether it was killed that way (False: it ended, or `timeout` passed, first)."""
    proc = subprocess.Popen([sys.executable, "-m", "dataflow.cli", *map(str, args)], env=cli.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if condition():
                proc.kill()
                proc.wait()
                return True
            time.sleep(poll)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_checked(args: list, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a command; raise an AssertionError with the tail of its output when it fails."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


class FreshVenv:
    """A virtual environment made with `venv`, driven with its own pip and its own `dataflow` command.

    Its environment drops the caller's VIRTUAL_ENV and PYTHON* variables and has a private cache folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.bin = folder / "bin"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
        self.env["PATH"] = f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}"
        self.env["DATAFLOW_CACHE_DIR"] = str(folder / "cache")

    def pip(self, *args) -> subprocess.CompletedProcess:
        return run_checked([self.bin / "python", "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
                           env=self.env)

    def python(self, *args) -> subprocess.CompletedProcess:
        """Run the venv's python (checked)."""
        return run_checked([self.bin / "python", *args], env=self.env, timeout=300)

    def dataflow(self, *args, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / "dataflow"), *map(str, args)], capture_output=True, text=True,
                              env=self.env, cwd=cwd, timeout=600)

    def frozen(self) -> str:
        return self.pip("freeze", "--all").stdout
