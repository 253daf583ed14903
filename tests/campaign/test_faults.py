"""kill -9 during runs and saves, the cache fault matrix, two concurrent runs on one cache, and broken
plugins of six kinds: the results equal a fresh uncached run's, files are whole, everything else
loads (issue 16). Each case is counted in the campaign's table."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow, save_workflow
from tests.campaign.figures import LONG, tally
from tests.campaign.flows import same_result, write_flow
from tests.helpers import Cli, install_module_pack, kill_when

KILLS = 50 if LONG else 10
CONCURRENT = 5 if LONG else 1


@pytest.fixture
def work(tmp_path, cache_dir, pack_site, reference):
    """A folder holding the workflow, the CLI on a fresh cache, and the reference results."""
    folder = tmp_path / "work"
    return folder, write_flow(folder), Cli(pack_site, cache_dir), *reference


def test_kill_9_during_runs_then_the_next_run_matches_a_fresh_uncached_run(work, tmp_path, cache_dir):
    folder, flow, cli, expected, csv = work
    counts = tally("kill -9 of dataflow run, then run again")
    rng = random.Random(16)
    for trial in range(KILLS):
        counts["tried"] += 1
        delay = rng.uniform(0.3, 2.5)  # a whole run takes about 2 s here
        started = time.monotonic()
        kill_when(cli, ["run", flow, "--quiet"], lambda d=delay, s=started: time.monotonic() - s > d, poll=0.02)
        if (folder / "out.csv").exists() and (folder / "out.csv").read_bytes() != csv:
            counts["data lost"] += 1  # a damaged output file
        out = tmp_path / f"out{trial}"
        done = cli("run", flow, "--output-dir", out, "--quiet", timeout=300)
        if done.returncode != 0 or "Traceback" in done.stderr:
            counts["crashes"] += 1
        elif not same_result(folder, out, expected, csv):
            counts["failures"] += 1
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
        counts["data lost"] += bool(leftovers)  # temporary files left in the user's folder
        assert done.returncode == 0 and same_result(folder, out, expected, csv) and not leftovers, done.stderr
    assert counts["failures"] == counts["crashes"] == counts["data lost"] == 0


SAVER = """
import sys
from pathlib import Path
from dataflow.kernel import load_workflow, save_workflow
path, a, b = Path(sys.argv[1]), load_workflow(sys.argv[2]), load_workflow(sys.argv[3])
print("ready", flush=True)
while True:
    for version in (a, b):
        save_workflow(version, path)
"""


def test_kill_9_during_saves_leaves_the_old_or_the_new_workflow_file(tmp_path):
    counts = tally("kill -9 during workflow saves")
    versions = []
    for name, rows in (("a", 10), ("b", 20)):
        nodes = [{"id": f"n{i}", "type": "samples.synthetic", "params": {"rows": rows}, "label": "x" * 200}
                 for i in range(300)]  # about 100 kB: a save takes a moment
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"version": "0.1.0", "nodes": nodes, "edges": []}))
        versions.append(path)
    target = tmp_path / "saved.json"
    expected = [{n["id"]: n["params"] for n in json.loads(p.read_text())["nodes"]} for p in versions]
    rng = random.Random(15)
    for _ in range(KILLS):
        counts["tried"] += 1
        proc = subprocess.Popen([sys.executable, "-c", SAVER, target, *versions], stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.wait()
        proc.stdout.close()
        try:
            saved = {n["id"]: n["params"] for n in load_workflow(target).to_dict()["nodes"]}
        except Exception:
            counts["data lost"] += 1
            raise
        if saved not in expected:
            counts["data lost"] += 1
        assert saved in expected
    save_workflow(load_workflow(versions[0]), target)  # the next save removes what the killed ones left
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    counts["data lost"] += bool(leftovers)
    assert leftovers == []


# --- the cache fault matrix, in-process ----------------------------------------------------------

def _rows(folder: Path):
    db = sqlite3.connect(folder / "disk" / "cache.db")
    return db, db.execute("SELECT key, filename FROM Cache WHERE filename IS NOT NULL").fetchall()


def _truncate(folder):
    _, rows = _rows(folder)
    path = folder / "disk" / rows[0][1]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(folder):
    _, rows = _rows(folder)
    with open(folder / "disk" / rows[0][1], "r+b") as handle:
        handle.seek(3000)
        handle.write(b"\xff\x00\xff\x00\xff\x00\xff\x00")


def _delete(folder):
    _, rows = _rows(folder)
    (folder / "disk" / rows[0][1]).unlink()


def _swap(folder):
    _, rows = _rows(folder)
    first, second = folder / "disk" / rows[0][1], folder / "disk" / rows[1][1]
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)


def _damage_index(folder):
    with open(folder / "disk" / "cache.db", "r+b") as handle:
        handle.write(b"this is not a database" * 10)


def _newer_format(folder):
    db, _ = _rows(folder)
    for key, value in db.execute("SELECT key, value FROM Cache WHERE key NOT LIKE '%/%'").fetchall():
        body = json.loads(value)
        for port in body["ports"].values():
            port["serializer"] += "@99"  # written by a future version of the serializer
        db.execute("UPDATE Cache SET value = ? WHERE key = ?", (json.dumps(body), key))
    db.commit()


FAULTS = {"truncated value": _truncate, "flipped bytes": _flip, "deleted value": _delete,
          "swapped entries": _swap, "damaged index": _damage_index, "newer format": _newer_format}


def _engine_run(registry, folder: Path, flow: Path):
    graph = compile_workflow(load_workflow(flow), registry)
    with Engine.open(registry, executor="sequential", directory=folder, memory_tiers=False,
                     data_dirs=[flow.parent]) as engine:
        return engine.run(graph, keep_outputs=True)


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_cache_fault_is_a_miss_with_a_warning_never_a_wrong_result(work, registry, tmp_path, fault):
    folder_, flow, _cli, expected, _csv = work
    counts = tally("cache fault matrix")
    counts["tried"] += 1
    folder = tmp_path / "faulty-cache"
    first = _engine_run(registry, folder, flow)
    assert first.status == "ok"
    FAULTS[fault](folder)
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)  # the kernel's and the cache plugin's loggers
    try:
        result = _engine_run(registry, folder, flow)
    except Exception:
        counts["crashes"] += 1
        raise
    finally:
        logging.getLogger().removeHandler(warnings)
    same = result.status == "ok"
    if same:
        try:
            pd.testing.assert_frame_equal(result.outputs["order"]["table"].reset_index(drop=True),
                                          expected.reset_index(drop=True), check_index_type=False)
        except AssertionError:
            same = False
    counts["failures"] += not same
    assert same
    recomputed = [n for n in result.nodes.values() if n.status == "computed" and n.id != "save"]
    assert warnings.messages or not recomputed, "a recomputation without a warning"


def test_a_full_disk_under_the_cache_is_a_warning_and_the_results_stay_right(work, registry, tmp_path):
    counts = tally("cache fault matrix")
    _folder, flow, _cli, expected, _csv = work
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        counts["tried"] += 1
        for _ in range(2):  # the first run fills the disk; the second reads what fitted
            result = _engine_run(registry, mount / "cache", flow)
            ok = result.status == "ok"
            if ok:
                try:
                    pd.testing.assert_frame_equal(result.outputs["order"]["table"].reset_index(drop=True),
                                                  expected.reset_index(drop=True), check_index_type=False)
                except AssertionError:
                    ok = False
            counts["failures"] += not ok
            assert ok
        db = sqlite3.connect(mount / "cache" / "disk" / "cache.db")
        named = {r[0] for r in db.execute("SELECT filename FROM Cache WHERE filename IS NOT NULL")}
        db.close()
        files = {str(p.relative_to(mount / "cache" / "disk")) for p in (mount / "cache" / "disk").rglob("*.val")}
        counts["failures"] += bool(files - named)
        assert files <= named, "a failed write left a partial value file, which keeps the disk full"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


NOBODY = 65534


def _read_only(tree: Path) -> None:
    """Take write permission away from every file and folder of `tree` (kept readable by its owner)."""
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def test_a_read_only_cache_folder_costs_recomputation_with_a_warning_and_the_results_stay_right(
        tmp_path_factory, reference):
    """As root, permissions do not bind: the run after the cache is made read-only is that of an
    unprivileged user (uid 65534) owning a read-only cache, as `chmod -R a-w` leaves it."""
    counts = tally("cache fault matrix")
    counts["tried"] += 1
    expected, csv = reference
    root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="dataflow-ro-"))  # outside pytest's 0700 folder: the user must reach it
    try:
        base.chmod(0o755)
        folder, cache, out = base / "work", base / "cache", base / "out"
        flow = write_flow(folder)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"DATAFLOW_CACHE_DIR": str(cache)}
        command = [sys.executable, "-m", "dataflow.cli", "run", str(flow), "--quiet"]
        filled = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert filled.returncode == 0, filled.stderr
        if root:
            out.mkdir()
            for path in [folder, out, cache, *cache.rglob("*"), *folder.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
            env["HOME"] = str(base)
        _read_only(cache)
        done = subprocess.run([*command, "--output-dir", str(out)], env=env, capture_output=True, text=True,
                              timeout=300)
        crashed = done.returncode != 0 or "Traceback" in done.stderr
        counts["crashes"] += crashed
        assert not crashed, done.stderr
        right = same_result(folder, out, expected, csv)
        counts["failures"] += not right
        assert right
        assert "cache" in done.stderr and "readonly" in done.stderr.replace("read-only", "readonly"), done.stderr
        assert "no cache tier is installed" not in done.stderr, "a tier that could not start is not a missing one"
    finally:
        for path in [base, *base.rglob("*")]:
            with contextlib.suppress(OSError):
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(base, ignore_errors=True)


def test_two_concurrent_runs_on_one_cache_give_identical_results(work, tmp_path):
    folder, flow, cli, expected, csv = work
    counts = tally("two concurrent dataflow runs, one cache")
    for trial in range(CONCURRENT):
        outs = [tmp_path / f"c{trial}-{i}" for i in range(2)]
        procs = [subprocess.Popen([sys.executable, "-m", "dataflow.cli", "run", str(flow), "--quiet",
                                   "--output-dir", str(out)], env=cli.env, stderr=subprocess.PIPE, text=True)
                 for out in outs]
        for proc in procs:
            counts["tried"] += 1
            stderr = proc.communicate(timeout=300)[1]
            counts["crashes"] += proc.returncode != 0 or "Traceback" in stderr
            assert proc.returncode == 0, stderr
        for out in outs:
            same = same_result(folder, out, expected, csv)
            counts["failures"] += not same
            assert same


# --- broken plugins ------------------------------------------------------------------------------

GOOD = """
from dataflow.sdk import Params, hookimpl, node

@node(category="Test", type_id="{name}.ok")
def ok() -> Params:
    '''One value.'''
    return {{"values": [1]}}

@hookimpl
def register_nodes(register):
    register(ok)
"""
BROKEN = {
    "raises on import": "raise RuntimeError('boom at import')\n",
    "exits on import": "import sys\nsys.exit(3)\n",
    "hook raises": "from dataflow.sdk import hookimpl\n\n@hookimpl\ndef register_nodes(register):\n"
                   "    raise ValueError('boom in the hook')\n",
    "misspelt hook": "from dataflow.sdk import hookimpl\n\n@hookimpl\ndef register_nodez(register):\n    pass\n",
    "invalid node": "from dataflow.sdk import Params, hookimpl, node\n\n@node(category='Test')\n"
                    "def bad(*, threshold: float) -> Params:\n    \"\"\"No default.\"\"\"\n    return {}\n\n@hookimpl\n"
                    "def register_nodes(register):\n    register(bad)\n",
    "two plugins claim one id": GOOD.replace("{name}.ok", "twin.ok"),
}


def test_broken_plugins_of_six_kinds_are_each_reported_and_everything_else_loads(tmp_path, monkeypatch):
    counts = tally("broken plugins (six kinds)")
    site = tmp_path / "site"
    site.mkdir()
    names = {}
    for index, (kind, source) in enumerate(BROKEN.items()):
        names[kind] = f"broken{index}"
        install_module_pack(site, names[kind], source.replace("{{", "{").replace("}}", "}"))
    install_module_pack(site, "twin", GOOD.replace("{name}.ok", "twin.ok").replace("{{", "{").replace("}}", "}"))
    install_module_pack(site, "healthy", GOOD.replace("{name}", "healthy").replace("{{", "{").replace("}}", "}"))
    monkeypatch.syspath_prepend(str(site))
    registry = load_registry()
    builtins = {"io", "transform", "plotly", "sklearn", "samples", "cache", "serializers", "executors"}
    for kind, name in names.items():
        counts["tried"] += 1
        record = registry.plugins.get(name)
        reported = record is not None and (record.status == "failed" or bool(record.problems))
        counts["failures"] += not reported
        assert reported, (kind, record)
    twin = registry.plugins["twin"]
    assert twin.problems and "twin.ok" not in registry.nodes
    assert "healthy.ok" in registry.nodes and registry.plugins["healthy"].ok
    loaded = {r.name for r in registry.plugins.values() if r.ok}
    counts["failures"] += not builtins <= loaded
    assert builtins <= loaded
