"""`dataflow run --output-dir`: every output of a node nothing consumes lands in its own file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import write_workflow


def test_two_outputs_whose_names_map_to_one_file_are_both_kept_and_the_rename_is_said(cli, tmp_path):
    flow = write_workflow(tmp_path / "clash.json", [
        {"id": "a b", "type": "testpack.numbers", "params": {"count": 2}},
        {"id": "a_b", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "A_B", "type": "testpack.numbers", "params": {"count": 4}},
    ])
    out = tmp_path / "out"
    done = cli("run", flow, "--output-dir", out, "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    paths = {f["node"]: f["path"] for f in files}
    assert len(set(paths.values())) == 3
    counts = {node: len(json.loads(Path(path).read_text())["values"]) for node, path in paths.items()}
    assert counts == {"a b": 2, "a_b": 3, "A_B": 4}
    assert sorted(p.name for p in out.iterdir()) == sorted(p.rsplit("/", 1)[1] for p in paths.values())
    notes = [line for line in done.stderr.splitlines() if "is written as" in line]
    assert len(notes) == 2 and all("a_b.json already holds output 'params' of node" in n for n in notes)
    again = cli("run", flow, "--output-dir", out, "--json")
    assert json.loads(again.stdout)["files"] == files  # the same names on every run
