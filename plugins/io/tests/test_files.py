"""The size limit is checked before reading; writes are atomic and never create folders."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest
from dataflow_io.nodes import read_csv, read_file, read_json, read_parquet, write_file

from dataflow.sdk import NodeError, run_node


@pytest.mark.parametrize("node", [read_file, read_csv, read_parquet, read_json])
def test_a_file_over_the_size_limit_is_refused_before_reading_with_how_to_raise_it(tmp_path, monkeypatch, node):
    path = tmp_path / "big.parquet"
    path.write_bytes(b"not parquet, not csv, not json" * 100)  # 3 KB: reading it would fail differently
    monkeypatch.setenv("DATAFLOW_MAX_FILE_MB", "0.001")
    with pytest.raises(NodeError) as error:
        run_node(node, path=str(path))
    message = str(error.value)
    assert "'big.parquet' is 2.9 KB, over the 0.001 MB limit" in message
    assert "DATAFLOW_MAX_FILE_MB" in message and error.value.param == "path"


def test_a_file_under_the_limit_reads(tmp_path, monkeypatch):
    path = tmp_path / "small.csv"
    path.write_text("a\n1\n")
    monkeypatch.setenv("DATAFLOW_MAX_FILE_MB", "0.001")
    assert run_node(read_csv, path=str(path))["table"]["a"].tolist() == [1]


def test_a_bad_limit_value_says_how_to_set_it(tmp_path, monkeypatch):
    path = tmp_path / "small.csv"
    path.write_text("a\n1\n")
    monkeypatch.setenv("DATAFLOW_MAX_FILE_MB", "lots")
    with pytest.raises(NodeError, match="DATAFLOW_MAX_FILE_MB='lots' is not a positive number"):
        run_node(read_csv, path=str(path))


# --- writing -------------------------------------------------------------------------------

def test_writing_replaces_an_existing_file_and_keeps_its_mode(tmp_path, frame):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    path.chmod(0o640)
    run_node(write_file, {"table": frame}, path=str(path))
    assert path.read_text(encoding="utf-8").startswith("id,price")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_new_file_gets_the_usual_mode_not_the_temporary_files_0600(tmp_path, frame):
    path = tmp_path / "new.parquet"
    old = os.umask(0o022)
    try:
        run_node(write_file, {"table": frame}, path=str(path))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "out.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    before = path.read_bytes()
    mixed = pd.DataFrame({"a": pd.Series([1, "x", 2.5], dtype=object)})
    with pytest.raises(NodeError) as error:
        run_node(write_file, {"table": mixed}, path=str(path))
    assert "could not write 'out.parquet' as Parquet" in str(error.value) and "one type" in str(error.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_a_failed_first_write_leaves_no_file_at_all(tmp_path):
    mixed = pd.DataFrame({"a": pd.Series([1, "x"], dtype=object)})
    with pytest.raises(NodeError):
        run_node(write_file, {"table": mixed}, path=str(tmp_path / "new.feather"))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_refused_not_created(tmp_path, frame):
    target = tmp_path / "no" / "such" / "folder" / "out.csv"
    with pytest.raises(NodeError) as error:
        run_node(write_file, {"table": frame}, path=str(target))
    assert error.value.param == "path" and "does not exist" in str(error.value) and str(target.parent) in str(error.value)
    assert not (tmp_path / "no").exists()


def test_a_folder_or_an_empty_path_is_not_a_file_to_write(tmp_path, frame):
    with pytest.raises(NodeError, match="is a folder; add a file name"):
        run_node(write_file, {"table": frame}, path=str(tmp_path), format="csv")
    with pytest.raises(NodeError, match="no file chosen"):
        run_node(write_file, {"table": frame}, path="")


def test_a_format_that_cannot_write_is_refused(tmp_path, frame):
    from dataflow_io.excel import can_write_excel

    with pytest.raises(NodeError) as error:
        run_node(write_file, {"table": frame}, path=str(tmp_path / "out.csv"), format="excel")
    if can_write_excel():  # openpyxl installed: Excel writes, but only into a file named as a workbook
        assert error.value.param == "path" and "does not end in an extension of the Excel" in str(error.value)
    else:
        assert error.value.param == "format" and "can write format 'excel'" in str(error.value)


@pytest.mark.parametrize("name", ["out.csv.gz", "out.json.bz2", "out.jsonl.xz", "out.tsv.zip"])
def test_compressed_text_is_written_compressed_and_read_back(tmp_path, frame, name):
    path = tmp_path / name
    run_node(write_file, {"table": frame}, path=str(path))
    assert path.read_bytes()[:2] in (b"\x1f\x8b", b"BZ", b"\xfd7", b"PK")
    back = run_node(read_file, path=str(path))["table"]
    assert back["name"].tolist() == frame["name"].tolist() and back["id"].tolist() == frame["id"].tolist()


def test_a_device_is_not_read(tmp_path):
    with pytest.raises(NodeError, match="not a regular file"):
        run_node(read_csv, path="/dev/zero")
