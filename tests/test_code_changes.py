"""Editing a node's code (without bumping `version=`) recomputes it and its downstream, with the
reason "node code changed"; edits that do not change behaviour keep the cache."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dataflow.sdk.codeprint import code_fingerprint
from tests.helpers import Cli, edge, install_module_pack, write_workflow

PACK = '''
"""A pack being written: its author edits `shrink` between runs."""
from dataflow.sdk import Params, hookimpl, node

LIMIT = {limit}


def keep(values):
    return [v for v in values if v < LIMIT{helper_extra}]


@node(category="Edit")
def numbers(*, count: int = 10) -> Params:
    """Numbers from 0."""
    return {{"values": list(range(count))}}


@node(category="Edit")
def shrink(data: Params) -> Params:
    """Keep the small numbers."""
    return {{"values": {body}}}


@node(category="Edit")
def total(data: Params) -> Params:
    """Sum the values."""
    return {{"values": [sum(data["values"])]}}


@hookimpl
def register_nodes(register):
    for fn in (numbers, shrink, total):
        register(fn)
'''


def write_pack(site: Path, *, body: str = 'keep(data["values"])', limit: int = 5, helper_extra: str = "") -> None:
    """The pack as its author has just saved it."""
    install_module_pack(site, "editpack", PACK.format(body=body, limit=limit, helper_extra=helper_extra))


@pytest.fixture
def pack(tmp_path, cache_dir):
    site = tmp_path / "site"
    site.mkdir()
    write_pack(site)
    flow = write_workflow(tmp_path / "edit.json", [
        {"id": "n", "type": "editpack.numbers", "params": {}},
        {"id": "s", "type": "editpack.shrink", "params": {}},
        {"id": "t", "type": "editpack.total", "params": {}}], [edge("n", "s"), edge("s", "t")])
    return site, flow, Cli(site, cache_dir)


def run(cli: Cli, flow: Path, out: Path) -> tuple[dict, list]:
    """Run in a fresh `dataflow` process; (node id -> (status, reason), the total it wrote)."""
    code, result = cli.json("run", flow, "--output-dir", out)
    assert code == 0, result
    statuses = {n["id"]: (n["status"], n["reason"]) for n in result["nodes"]}
    return statuses, json.loads((out / "t.json").read_text())["values"]


def test_editing_a_node_body_recomputes_it_and_its_downstream_with_the_reason(pack, tmp_path):
    site, flow, cli = pack
    first, total = run(cli, flow, tmp_path / "out1")
    assert total == [10] and {s for s, _ in first.values()} == {"computed"}
    write_pack(site, body='[v * 2 for v in keep(data["values"])]')  # no version bump
    second, total = run(cli, flow, tmp_path / "out2")
    assert total == [20]
    assert second == {"n": ("cached", ""), "s": ("computed", "node code changed"),
                      "t": ("computed", "upstream s changed")}


def test_editing_a_module_helper_or_constant_the_node_uses_recomputes_it(pack, tmp_path):
    site, flow, cli = pack
    run(cli, flow, tmp_path / "out1")
    write_pack(site, limit=3)
    statuses, total = run(cli, flow, tmp_path / "out2")
    assert total == [3] and statuses["s"] == ("computed", "node code changed")
    write_pack(site, limit=3, helper_extra=" and v > 0")
    statuses, total = run(cli, flow, tmp_path / "out3")
    assert total == [3] and statuses["s"] == ("computed", "node code changed")
    assert statuses["n"] == ("cached", "")


def test_moving_a_node_down_its_file_or_rewording_its_docstring_keeps_its_cache(pack, tmp_path):
    site, flow, cli = pack
    run(cli, flow, tmp_path / "out1")
    source = (site / "editpack.py").read_text()
    edited = source.replace('"""Keep the small numbers."""', '"""Keep only the small numbers."""')
    (site / "editpack.py").write_text("# a comment\n\n\n" + edited)
    statuses, total = run(cli, flow, tmp_path / "out2")
    assert total == [10] and {s for s, _ in statuses.values()} == {"cached"}


def test_the_fingerprint_is_the_same_in_every_process_and_sees_closures_and_set_constants(tmp_path):
    source = textwrap.dedent('''
        def make(factor):
            def scaled(x):
                return x * factor if x in {"a", "b", "c"} else x
            return scaled
    ''')
    prints = []
    for factor in (2, 2, 3):
        namespace: dict = {"__name__": "made"}
        exec(compile(source, "made.py", "exec", dont_inherit=True), namespace)
        prints.append(code_fingerprint(namespace["make"](factor)))
    assert prints[0] == prints[1] != prints[2]
    import subprocess
    import sys

    script = f"from dataflow.sdk.codeprint import code_fingerprint\nns={{'__name__': 'made'}}\n" \
             f"exec(compile({source!r}, 'made.py', 'exec'), ns)\nprint(code_fingerprint(ns['make'](2)))"
    other = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip() for seed in ("1", "2")}
    assert other == {prints[0]}


STEP_PACK = '''
from dataflow.sdk import Params, cached_step, hookimpl, node


@node(category="Edit")
def stepped(*, count: int = 3) -> Params:
    """A node whose work is a cached step."""
    return cached_step("part", {{"count": count}}, lambda: {{"values": [{value}] * count}})


@hookimpl
def register_nodes(register):
    register(stepped)
'''


def test_editing_the_code_of_a_cached_step_recomputes_the_step(tmp_path, cache_dir):
    site = tmp_path / "site"
    site.mkdir()
    install_module_pack(site, "steppack", STEP_PACK.format(value=1))
    flow = write_workflow(tmp_path / "step.json", [{"id": "s", "type": "steppack.stepped", "params": {}}])
    cli = Cli(site, cache_dir)
    for value in (1, 2):
        install_module_pack(site, "steppack", STEP_PACK.format(value=value))
        code, result = cli.json("run", flow, "--output-dir", tmp_path / f"out{value}")
        assert code == 0, result
        assert json.loads((tmp_path / f"out{value}" / "s.json").read_text())["values"] == [value] * 3


@pytest.mark.parametrize(("before", "after"), [
    ("RATES = {'a': 1, 'b': [1, 2]}", "RATES = {'a': 1, 'b': [1, 3]}"),
    ("RATES = ('a', 'b')", "RATES = ('a', 'c')"),
    ("class RATES:\n    def get(self, k):\n        return 1", "class RATES:\n    def get(self, k):\n        return 2"),
])
def test_module_level_tables_and_classes_a_node_reads_are_part_of_its_fingerprint(before, after):
    template = "{}\n\ndef node(x):\n    return RATES\n"

    def fingerprint(setup: str) -> str:
        namespace: dict = {"__name__": "pack_module"}
        exec(compile(template.format(setup), "pack_module.py", "exec", dont_inherit=True), namespace)
        return code_fingerprint(namespace["node"])

    assert fingerprint(before) == fingerprint(before) != fingerprint(after)
