"""`dataflow run`: cached and incremental, failures contained, everything reported per node."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import edge, write_workflow


@pytest.fixture
def chain(tmp_path):
    """numbers -> add -> scale -> total, plus an independent branch numbers2 -> total2."""
    return write_workflow(tmp_path / "chain.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 4}},
        {"id": "a", "type": "testpack.add", "params": {"amount": 1}},
        {"id": "s", "type": "testpack.scale", "params": {"factor": 3}},
        {"id": "t", "type": "testpack.total", "params": {}},
        {"id": "n2", "type": "testpack.numbers", "params": {"count": 2}},
        {"id": "t2", "type": "testpack.total", "params": {}},
    ], [edge("n", "a"), edge("a", "s"), edge("s", "t"), edge("n2", "t2")])


def statuses(report: dict) -> dict[str, str]:
    return {n["id"]: n["status"] for n in report["nodes"]}


def reasons(report: dict) -> dict[str, str]:
    return {n["id"]: n["reason"] for n in report["nodes"]}


def test_first_run_computes_everything_and_the_second_is_all_cached(cli, chain):
    code, first = cli.json("run", chain)
    assert code == 0 and first["status"] == "ok"
    assert set(statuses(first).values()) == {"computed"}
    assert set(reasons(first).values()) == {"no cache entry"}
    assert {"id", "type", "status", "seconds", "reason", "error"} <= set(first["nodes"][0])
    code, second = cli.json("run", chain)
    assert code == 0 and set(statuses(second).values()) == {"cached"}


def test_changing_one_parameter_recomputes_exactly_that_node_and_its_downstream(cli, chain, tmp_path):
    cli.json("run", chain)
    code, report = cli.json("run", chain, "--set", "a.amount=5", "--output-dir", tmp_path / "out")
    assert code == 0
    assert statuses(report) == {"n": "cached", "a": "computed", "s": "computed", "t": "computed",
                                "n2": "cached", "t2": "cached"}
    assert reasons(report)["a"] == "parameter amount changed"
    assert reasons(report)["s"] == "upstream a changed"
    assert reasons(report)["t"] == "upstream s changed"
    assert json.loads((tmp_path / "out" / "t.json").read_text()) == {"total": (5 + 6 + 7 + 8) * 3}


def test_a_script_that_never_closes_its_engine_still_leaves_the_run_history(cli, chain):
    """The history is saved in the background; a script that exits right after `run` must not
    lose it, or the next run could only say "no cache entry" instead of what changed."""
    script = (
        "import sys\n"
        "from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow\n"
        "registry = load_registry()\n"
        "engine = Engine.open(registry, executor='sequential')\n"
        "engine.run(compile_workflow(load_workflow(sys.argv[1]), registry))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(chain)], env=cli.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    code, report = cli.json("run", chain, "--set", "a.amount=5")
    assert code == 0
    assert reasons(report)["a"] == "parameter amount changed"
    assert statuses(report)["n"] == "cached"


def test_a_failing_node_skips_its_downstream_but_not_independent_branches(cli, tmp_path):
    path = write_workflow(tmp_path / "fail.json", [
        {"id": "n", "type": "testpack.numbers", "params": {}},
        {"id": "bad", "type": "testpack.fail", "params": {"message": "prices must be positive"}},
        {"id": "after", "type": "testpack.total", "params": {}},
        {"id": "sibling", "type": "testpack.total", "params": {}},
    ], [edge("n", "bad"), edge("bad", "after"), edge("n", "sibling")])
    code, report = cli.json("run", path)
    assert code == 1 and report["status"] == "failed"
    assert statuses(report) == {"n": "computed", "bad": "failed", "after": "skipped", "sibling": "computed"}
    bad = next(n for n in report["nodes"] if n["id"] == "bad")
    assert bad["error"] == "parameter 'message': prices must be positive"
    done = cli("run", path)
    assert done.returncode == 1
    assert "error: node 'bad' (testpack.fail) failed: parameter 'message': prices must be positive" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bug_in_a_node_is_reported_with_its_exception_and_a_traceback_on_verbose(cli, tmp_path):
    path = write_workflow(tmp_path / "crash.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                                   {"id": "c", "type": "testpack.crash", "params": {}}],
                          [edge("n", "c")])
    code, report = cli.json("run", path)
    assert code == 1 and "IndexError" in report["nodes"][1]["error"]
    assert "Traceback" in cli("run", path, "--verbose").stderr


def test_an_output_of_the_wrong_type_fails_the_node_naming_the_port(cli, tmp_path):
    path = write_workflow(tmp_path / "wrong.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                                   {"id": "w", "type": "testpack.wrong_output", "params": {}}],
                          [edge("n", "w")])
    code, report = cli.json("run", path)
    assert code == 1 and "output 'table' is not a table" in report["nodes"][1]["error"]


def test_only_runs_the_node_and_what_it_needs(cli, chain):
    code, report = cli.json("run", chain, "--only", "a")
    assert code == 0 and statuses(report) == {"n": "computed", "a": "computed"}


def test_no_cache_computes_everything_every_time(cli, chain):
    cli.json("run", chain)
    code, report = cli.json("run", chain, "--no-cache")
    assert set(statuses(report).values()) == {"computed"} and set(reasons(report).values()) == {"cache disabled"}


def test_an_invalid_override_is_refused_before_anything_runs(cli, chain):
    code, report = cli.json("run", chain, "--set", "n.count=many", "--set", "zz.amount=1")
    assert code == 2 and report["status"] == "invalid"
    messages = " | ".join(p["message"] for p in report["problems"])
    assert "--set n.count: cannot read 'many' as int" in messages and "node 'zz'" in messages
    done = cli("run", chain, "--set", "n.count=-3")
    assert done.returncode == 2 and "-3 is below the minimum 0" in done.stderr


def test_editing_a_source_file_reruns_the_source_and_its_downstream(cli, tmp_path):
    data = tmp_path / "numbers.txt"
    data.write_text("1\n2\nthree\n")
    path = write_workflow(tmp_path / "src.json", [
        {"id": "r", "type": "testpack.read_numbers", "params": {"path": "numbers.txt"}},
        {"id": "t", "type": "testpack.total", "params": {}},
        {"id": "n", "type": "testpack.numbers", "params": {}},
    ], [edge("r", "t")])
    code, first = cli.json("run", path)
    assert code == 0 and first["nodes"][0]["warnings"] == ["line 3 is not a number and was skipped"]
    code, second = cli.json("run", path)
    assert set(statuses(second).values()) == {"cached"}
    data.write_text("1\n2\n30\n")
    code, third = cli.json("run", path, "--output-dir", tmp_path / "out")
    assert statuses(third) == {"r": "computed", "t": "computed", "n": "cached"}
    assert reasons(third)["r"] == "source file changed" and reasons(third)["t"] == "upstream r changed"
    assert json.loads((tmp_path / "out" / "t.json").read_text()) == {"total": 33}


def test_output_dir_writes_tables_as_parquet_and_dicts_as_json(cli, tmp_path):
    path = write_workflow(tmp_path / "out.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 6}},
        {"id": "f", "type": "testpack.frame", "params": {}},
        {"id": "s", "type": "testpack.split", "params": {}},
    ], [edge("n", "f"), edge("n", "s")])
    out = tmp_path / "exports"
    code, report = cli.json("run", path, "--output-dir", out)
    assert code == 0
    table = pd.read_parquet(out / "f.parquet")
    assert list(table["value"]) == [0, 1, 2, 3, 4, 5] and str(table["when"].dt.tz) == "Europe/Paris"
    assert json.loads((out / "s.evens.json").read_text()) == {"values": [0, 2, 4]}
    assert {f["path"] for f in report["files"]} == {str(out / "f.parquet"), str(out / "s.evens.json"),
                                                    str(out / "s.odds.json")}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_corrupt_cache_entries_are_recomputed_never_returned(cli, chain, cache_dir, tmp_path):
    cli.json("run", chain)
    database = next(cache_dir.rglob("cache.db"))
    with sqlite3.connect(database) as connection:
        changed = connection.execute(
            "UPDATE Cache SET value = CAST(replace(CAST(value AS TEXT), '1', '7') AS BLOB) "
            "WHERE value IS NOT NULL AND typeof(value) = 'blob'").rowcount
    assert changed > 0
    done = cli("run", chain, "--json", "--output-dir", tmp_path / "out")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["status"] == "ok"
    assert json.loads((tmp_path / "out" / "t.json").read_text()) == {"total": (1 + 2 + 3 + 4) * 3}
    assert "unreadable" in done.stderr
    assert "cache entry unreadable" in reasons(report).values()


def test_cache_entries_swapped_between_two_nodes_are_recomputed_never_returned(cli, chain, cache_dir, tmp_path,
                                                                             registry):
    from dataflow.kernel import Engine, compile_workflow, load_workflow

    cli.json("run", chain, "--output-dir", tmp_path / "fresh")
    with Engine.open(registry, executor="sequential", directory=cache_dir) as engine:
        plan = engine.plan(compile_workflow(load_workflow(chain), registry))
    keys = {node_id: plan[node_id].key.key for node_id in ("t", "t2")}
    database = next(cache_dir.rglob("cache.db"))
    with sqlite3.connect(database) as connection:  # t's rows now sit under t2's key and back
        for suffix in ("", "/params"):
            first, second = keys["t"] + suffix, keys["t2"] + suffix
            connection.execute("UPDATE Cache SET key = '__swap__' WHERE key = ?", (first,))
            connection.execute("UPDATE Cache SET key = ? WHERE key = ?", (first, second))
            connection.execute("UPDATE Cache SET key = ? WHERE key = '__swap__'", (second,))
    done = cli("run", chain, "--json", "--output-dir", tmp_path / "out")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["status"] == "ok"
    for sink in ("t.json", "t2.json"):
        assert (tmp_path / "out" / sink).read_text() == (tmp_path / "fresh" / sink).read_text()
    assert "moved or swapped" in done.stderr
    assert reasons(report)["t"] == reasons(report)["t2"] == "cache entry unreadable"


def test_cache_info_and_clear(cli, chain, cache_dir):
    cli.json("run", chain)
    code, info = cli.json("cache", "info")
    disk = next(t for t in info["tiers"] if t["tier"] == "disk")
    assert code == 0 and disk["entries"] == 6 and info["directory"] == str(cache_dir)
    assert oct(cache_dir.stat().st_mode & 0o777) == "0o700"
    done = cli("cache", "clear")
    assert done.returncode == 0 and "removed 6" in done.stdout
    code, report = cli.json("run", chain)
    assert set(reasons(report).values()) == {"no cache entry"}


@pytest.mark.parametrize("command", [["info"], ["info", "--json"], ["clear"]])
def test_the_cache_commands_without_the_cache_plugin_say_in_one_line_what_to_enable(cli, command):
    """The console script itself, with the cache plugin blocked the way a user blocks a plugin."""
    script = Path(sys.executable).parent / "dataflow"
    assert script.exists(), f"no `dataflow` console script next to {sys.executable}: install the project"
    done = subprocess.run([str(script), "cache", *command], env={**cli.env, "DATAFLOW_DISABLE_PLUGINS": "cache"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: the cache plugin (dataflow-cache) is disabled by DATAFLOW_PLUGINS / DATAFLOW_DISABLE_PLUGINS: "
        "enable it to use `dataflow cache`"]


def test_without_a_cache_plugin_installed_the_cache_command_names_the_distribution_to_install():
    from dataflow.cli.cache import why_no_cache
    from dataflow.kernel import Registry

    assert why_no_cache(Registry()) == (
        "no cache plugin is installed: `pip install dataflow-cache` to use `dataflow cache`")


def test_a_node_whose_entry_was_not_stored_is_not_rerun_while_everything_downstream_is_cached(registry, chain,
                                                                                             tmp_path):
    """A tier may decline to store a large, cheap output; the run then needs it only when something
    downstream of it changes."""
    from dataflow.kernel import Engine, compile_workflow, load_workflow

    def run(graph):
        with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
            result = engine.run(graph)
            plans = engine.plan(graph)
        return {n: r.status for n, r in result.nodes.items()}, {n: r.reason for n, r in result.nodes.items()}, plans

    workflow = load_workflow(chain)
    graph = compile_workflow(workflow, registry)
    run(graph)
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        key = engine.plan(graph)["a"].key.key
        for tier in engine.cache.tiers:
            tier.delete(key)  # as if the disk tier had declined to store it
    status, reason, plans = run(graph)
    assert status == dict.fromkeys(["n", "a", "s", "t", "n2", "t2"], "cached")
    assert "not stored" in reason["a"] and plans["a"].cached
    changed = compile_workflow(workflow, registry, {("s", "factor"): 5.0})
    status, reason, _ = run(changed)
    assert (status["n"], status["a"], status["s"], status["t"]) == ("cached", "computed", "computed", "computed")
    assert reason["a"] == "no cache entry"


def test_a_one_shot_engine_keeps_no_output_in_memory_and_its_cache_still_serves_the_next_process(registry, chain,
                                                                                               tmp_path):
    """`dataflow run` opens its engine with memory_tiers=False: values still pass between nodes, the
    persistent tier stores them, and nothing is held in the process once the run is over."""
    from dataflow.kernel import Engine, compile_workflow, load_workflow

    graph = compile_workflow(load_workflow(chain), registry)
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache", memory_tiers=False) as engine:
        assert [t.id for t in engine.cache.tiers] == ["disk"]
        first = engine.run(graph)
    assert {r.status for r in first.nodes.values()} == {"computed"}
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        assert {t.id for t in engine.cache.tiers} == {"memory", "disk"}
        again = engine.run(graph)
    assert {r.status for r in again.nodes.values()} == {"cached"}
