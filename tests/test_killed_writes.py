"""kill -9 of `dataflow run` in the middle of a big write: no temporary file stays in the user's folder
after the next run, no value file of the killed write stays in the cache, and `cache clear` leaves
nothing but the empty index (issue 16)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import kill_when

INDEX = {"cache.db", "cache.db-wal", "cache.db-shm"}


def big_write_workflow(folder: Path, rows: int) -> Path:
    path = folder / "big.json"
    path.write_text(json.dumps({"version": "0.1.0", "nodes": [
        {"id": "gen", "type": "samples.synthetic", "params": {"rows": rows, "columns": 20}},
        {"id": "twice", "type": "transform.derive", "params": {"name": "z", "formula": "x1 * 2"}},
        {"id": "save", "type": "io.write_file", "params": {"path": "out.csv"}}],
        "edges": [{"source": "gen", "target": "twice"}, {"source": "twice", "target": "save"}]}))
    return path


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def value_files(cache: Path) -> set[str]:
    disk = cache / "disk"
    return {str(p.relative_to(disk)) for p in disk.rglob("*.val")} if disk.exists() else set()


def named_value_files(cache: Path) -> set[str]:
    with sqlite3.connect(cache / "disk" / "cache.db") as db:
        return {r[0] for r in db.execute("SELECT filename FROM Cache WHERE filename IS NOT NULL")}


def test_a_killed_file_write_leaves_no_temporary_file_after_the_next_run(cli, tmp_path, cache_dir):
    work = tmp_path / "work"
    work.mkdir()
    flow = big_write_workflow(work, 200_000)
    assert kill_when(cli, ["run", flow], lambda: any(p.stat().st_size > 100_000 for p in work.iterdir()
                                                     if p.name.startswith(".")))
    assert temporary_files(work), "the kill left a temporary file (what the next run must clean)"
    done = cli("run", flow, timeout=300)
    assert done.returncode == 0, done.stderr
    assert temporary_files(work) == []
    assert sorted(p.name for p in work.iterdir()) == ["big.json", "out.csv"]
    assert sum(1 for _ in (work / "out.csv").open()) == 200_001


def test_a_killed_cache_write_leaves_no_value_file_and_cache_clear_leaves_only_the_empty_index(cli, tmp_path,
                                                                                                 cache_dir):
    work = tmp_path / "work"
    work.mkdir()
    # 150,000 rows x 20 columns: about 25 MB per output, streamed into value files (8 MiB or more)
    # and stored (under 32 MB: a larger output of a node that reads no outside data is recomputed)
    flow = big_write_workflow(work, 150_000)
    for _attempt in range(5):  # the kill must land between a value file's first byte and its row
        killed = kill_when(cli, ["run", flow], lambda: bool(value_files(cache_dir)), poll=0.001)
        if killed and (cache_dir / "disk" / "cache.db").exists() and value_files(cache_dir) - named_value_files(cache_dir):
            break
    else:
        pytest.skip("no kill landed inside a cache write in 5 tries")
    done = cli("run", flow, timeout=300)
    assert done.returncode == 0, done.stderr
    assert value_files(cache_dir) <= named_value_files(cache_dir), "a value file of the killed write stayed"
    cleared = cli("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    left = [str(p.relative_to(cache_dir)) for p in cache_dir.rglob("*") if p.is_file()]
    assert sorted(left) == sorted(f"disk/{name}" for name in INDEX if (cache_dir / "disk" / name).exists())
    with sqlite3.connect(cache_dir / "disk" / "cache.db") as db:
        assert db.execute("SELECT count(*) FROM Cache").fetchone() == (0,)


def test_a_killed_write_into_the_version_history_is_swept_at_the_next_save(tmp_path):
    """Each version's file is written once under a new name, so no later write of that name would
    remove a killed write's temporary file: the next save sweeps those of dead writers."""
    import os

    from dataflow.cli.versions import history_dir, save_keeping_history
    from dataflow.kernel import load_workflow, save_workflow, workflow_from_dict

    path = tmp_path / "w.json"
    save_workflow(workflow_from_dict({"version": "0.2.0", "nodes": [], "edges": [], "meta": {"name": "a"}}), path)
    folder = history_dir(path)
    folder.mkdir(parents=True)
    dead = folder / ".20261207T000000.000000Z-00.json.4194303-deadbeef.tmp"   # a pid no process has
    live = folder / f".20261207T000000.000000Z-01.json.{os.getpid()}-cafef00d.tmp"
    dead.write_text("half")
    live.write_text("being written")
    workflow = load_workflow(path)
    workflow.meta["name"] = "b"
    save_keeping_history(workflow, path)
    assert not dead.exists() and live.exists()
    assert [p.suffix for p in folder.iterdir() if not p.name.startswith(".")] == [".json"]
