"""End to end through the real `dataflow run`: relative paths, the file fingerprint in the cache key,
granted folders for reading and writing, and warnings and errors as a user sees them."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "sales.csv").write_text("region,amount\nnorth,10\nsouth,20\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.csv").write_text("region,amount\neast,5\n")
    return folder


def pipeline(make_workflow, folder, read_path, write_path="result.parquet"):
    return make_workflow(folder / "flow.json", [
        {"id": "read", "type": "io.read_csv", "params": {"path": str(read_path)}},
        {"id": "write", "type": "io.write_file", "params": {"path": str(write_path)}},
    ], [{"source": "read", "source_port": "table", "target": "write", "target_port": "table"}])


def statuses(out):
    return {n["id"]: n["status"] for n in out["nodes"]}


def test_a_csv_next_to_the_workflow_is_read_and_editing_it_reruns_the_read(cli, project, make_workflow):
    flow = pipeline(make_workflow, project, "sales.csv")
    code, out = cli.json("run", flow)
    assert code == 0, out
    assert statuses(out) == {"read": "computed", "write": "computed"}
    written = pd.read_parquet(project / "result.parquet")
    assert written["amount"].tolist() == [10, 20]

    code, out = cli.json("run", flow)
    assert code == 0 and statuses(out) == {"read": "cached", "write": "computed"}  # a writer always writes

    with open(project / "sales.csv", "a") as handle:
        handle.write("west,30\n")
    code, out = cli.json("run", flow)
    read = next(n for n in out["nodes"] if n["id"] == "read")
    assert code == 0 and read["status"] == "computed" and "source file" in read["reason"]
    assert pd.read_parquet(project / "result.parquet")["amount"].tolist() == [10, 20, 30]


def test_a_file_outside_the_workflow_folder_needs_a_grant(cli, project, make_workflow):
    other = project.parent / "outside" / "other.csv"
    flow = pipeline(make_workflow, project, "../outside/other.csv")
    code, out = cli.json("run", flow)
    read = next(n for n in out["nodes"] if n["id"] == "read")
    assert code == 1 and read["status"] == "failed"
    assert "outside the granted data folders" in read["error"] and "--data-dir" in read["error"]
    assert statuses(out)["write"] == "skipped"

    code, out = cli.json("run", flow, "--data-dir", other.parent)
    assert code == 0, out
    assert pd.read_parquet(project / "result.parquet")["region"].tolist() == ["east"]


def test_writing_outside_the_granted_folders_is_refused(cli, project, make_workflow):
    target = project.parent / "outside" / "stolen.csv"
    code, out = cli.json("run", pipeline(make_workflow, project, "sales.csv", target))
    write = next(n for n in out["nodes"] if n["id"] == "write")
    assert code == 1 and write["status"] == "failed" and "outside the granted data folders" in write["error"]
    assert not target.exists()


def test_warnings_and_bad_files_reach_the_user_without_a_traceback(cli, project, make_workflow):
    (project / "mixed.csv").write_text("qty\n1\n2\nmany\n")
    (project / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")
    flow = make_workflow(project / "flow.json", [
        {"id": "mixed", "type": "io.read_csv", "params": {"path": "mixed.csv"}},
        {"id": "ragged", "type": "io.read_file", "params": {"path": "ragged.csv"}},
    ])
    code, out = cli.json("run", flow)
    nodes = {n["id"]: n for n in out["nodes"]}
    assert code == 1 and nodes["mixed"]["status"] == "computed"
    assert any("'qty'" in w and "'many'" in w for w in nodes["mixed"]["warnings"])
    assert nodes["ragged"]["status"] == "failed"
    assert "ragged.csv" in nodes["ragged"]["error"] and "line 3" in nodes["ragged"]["error"]
    assert "Traceback" not in nodes["ragged"]["error"]
