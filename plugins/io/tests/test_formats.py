"""Every writer round-trips through io.write_file -> io.read_file; Parquet, Feather and JSON readers on real files."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from dataflow_io.nodes import read_csv, read_file, read_json, read_parquet, write_file

from dataflow.sdk import NodeError, run_node


def write_then_read(table, path, **read_params):
    passed = run_node(write_file, {"table": table}, path=str(path))["table"]
    assert passed is table  # the writer passes its input on, untouched
    return run_node(read_file, path=str(path), **read_params)["table"]


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".feather", ".arrow", ".ipc"])
def test_binary_formats_round_trip_every_dtype_exactly(tmp_path, frame, suffix):
    table = frame.assign(size=pd.Categorical(["s", "m", "s", "l"]), stock=pd.array([1, None, 3, 4], dtype="Int64"))
    back = write_then_read(table, tmp_path / f"out{suffix}")
    pd.testing.assert_frame_equal(back, table)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".tab"])
def test_text_formats_round_trip_values_and_dtypes(tmp_path, frame, suffix):
    path = tmp_path / f"out{suffix}"
    back = write_then_read(frame, path)
    pd.testing.assert_frame_equal(back.drop(columns="when"), frame.drop(columns="when"))
    assert back["when"].dtype == "str"  # text formats have no date type: read_csv parses on request
    dated = run_node(read_csv, path=str(path), separator="," if suffix == ".csv" else "\\t",
                     date_columns=["when"])["table"]
    pd.testing.assert_series_equal(dated["when"], frame["when"], check_dtype=False)
    assert pd.api.types.is_datetime64_any_dtype(dated["when"])


def test_tsv_output_is_tab_separated(tmp_path, frame):
    path = tmp_path / "out.tsv"
    run_node(write_file, {"table": frame}, path=str(path))
    assert path.read_text(encoding="utf-8").splitlines()[0] == "id\tprice\tname\tin_stock\twhen"


@pytest.mark.parametrize(("suffix", "orient"), [(".json", "records"), (".jsonl", "lines"), (".ndjson", "lines")])
def test_json_formats_round_trip_values_and_dtypes(tmp_path, frame, suffix, orient):
    path = tmp_path / f"out{suffix}"
    back = write_then_read(frame, path)
    pd.testing.assert_frame_equal(back.drop(columns="when"), frame.drop(columns="when"))
    dated = run_node(read_json, path=str(path), orient=orient, date_columns=["when"])["table"]
    pd.testing.assert_series_equal(dated["when"], frame["when"], check_dtype=False)
    text = path.read_text(encoding="utf-8")
    assert "café" in text  # written as UTF-8, not \\u escapes
    if orient == "lines":
        assert len(text.splitlines()) == len(frame)
    else:
        assert isinstance(json.loads(text), list)


def test_a_named_index_is_written_as_a_column_and_an_unnamed_one_is_dropped(tmp_path):
    grouped = pd.DataFrame({"city": ["a", "b", "a"], "n": [1, 2, 3]}).groupby("city").sum()
    back = write_then_read(grouped, tmp_path / "g.parquet")
    assert back.columns.tolist() == ["city", "n"] and back["city"].tolist() == ["a", "b"]
    filtered = pd.DataFrame({"n": [1, 2, 3]}).iloc[[0, 2]]
    back = write_then_read(filtered, tmp_path / "f.csv")
    assert back.columns.tolist() == ["n"] and back["n"].tolist() == [1, 3]


def test_the_format_parameter_reads_any_extension_but_writes_only_a_matching_one(tmp_path, frame):
    path = tmp_path / "export.dat"
    with pytest.raises(NodeError, match=r"'export.dat' does not end in an extension of the Parquet format "
                                        r"\(.parquet, .pq\); name the file accordingly, e.g. export.parquet"):
        run_node(write_file, {"table": frame}, path=str(path), format="parquet")
    assert not path.exists()
    run_node(write_file, {"table": frame}, path=str(tmp_path / "export.pq"), format="parquet")
    (tmp_path / "export.pq").rename(path)
    assert path.read_bytes()[:4] == b"PAR1"
    back = run_node(read_file, path=str(path), format="parquet")["table"]
    pd.testing.assert_frame_equal(back, frame)


def test_an_unknown_extension_or_format_lists_the_installed_ones(tmp_path, frame):
    path = tmp_path / "data.xml"
    path.write_text("<a/>")
    with pytest.raises(NodeError) as error:
        run_node(read_file, path=str(path))
    assert error.value.param == "format" and "'.xml'" in str(error.value) and "parquet (.parquet, .pq)" in str(error.value)
    with pytest.raises(NodeError, match="format 'xml'"):
        run_node(read_file, path=str(path), format="xml")
    with pytest.raises(NodeError, match="cannot tell how to write 'out.xml'"):
        run_node(write_file, {"table": frame}, path=str(tmp_path / "out.xml"))


# --- Parquet -------------------------------------------------------------------------------

def test_read_parquet_reads_only_the_listed_columns(tmp_path, frame):
    path = tmp_path / "f.parquet"
    frame.to_parquet(path)
    table = run_node(read_parquet, path=str(path), columns=["name", "id"])["table"]
    assert table.columns.tolist() == ["name", "id"] and table["id"].tolist() == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(run_node(read_parquet, path=str(path))["table"], frame)


def test_read_parquet_names_an_unknown_column_and_suggests_one(tmp_path, frame):
    path = tmp_path / "f.parquet"
    frame.to_parquet(path)
    with pytest.raises(NodeError) as error:
        run_node(read_parquet, path=str(path), columns=["id", "prise"])
    assert error.value.param == "columns" and "'prise'" in str(error.value) and "'price'" in str(error.value)


@pytest.mark.parametrize("node", [read_parquet, read_file])
def test_a_truncated_parquet_file_is_reported_as_damaged(tmp_path, frame, node):
    path = tmp_path / "cut.parquet"
    frame.to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(NodeError, match="'cut.parquet' is not a readable Parquet file"):
        run_node(node, path=str(path))


# --- Feather / Arrow -----------------------------------------------------------------------

def test_an_arrow_ipc_stream_is_read_too(tmp_path, frame):
    path = tmp_path / "stream.arrow"
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    pd.testing.assert_frame_equal(run_node(read_file, path=str(path))["table"], frame)


def test_a_truncated_feather_file_is_reported_as_damaged(tmp_path, frame):
    path = tmp_path / "cut.feather"
    frame.to_feather(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(NodeError, match="'cut.feather' is not a readable Feather/Arrow IPC file"):
        run_node(read_file, path=str(path))


# --- JSON ----------------------------------------------------------------------------------

def test_json_keeps_text_that_looks_like_numbers(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text('[{"zip": "00501", "n": 1, "x": 0.5, "ok": true}, {"zip": "02134", "n": 2, "x": null, "ok": false}]')
    table = run_node(read_json, path=str(path))["table"]
    assert table["zip"].tolist() == ["00501", "02134"]
    assert table["n"].dtype == "int64" and table["ok"].dtype == "bool" and table["x"].isna().tolist() == [False, True]


def test_json_syntax_errors_give_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"a": 1},\n {"a": 2}\n {"a": 3}]')
    with pytest.raises(NodeError) as error:
        run_node(read_json, path=str(path))
    assert "'bad.json' line 3, column 2" in str(error.value) and error.value.param == "path"


def test_json_lines_read_as_records_suggests_orient_lines_and_vice_versa(tmp_path):
    lines = tmp_path / "events.json"
    lines.write_text('{"a": 1}\n{"a": 2}\n')
    with pytest.raises(NodeError) as error:
        run_node(read_json, path=str(lines))
    assert error.value.param == "orient" and "orient 'lines'" in str(error.value)
    assert run_node(read_json, path=str(lines), orient="lines")["table"]["a"].tolist() == [1, 2]
    records = tmp_path / "records.jsonl"
    records.write_text('[{"a": 1}, {"a": 2}]')
    with pytest.raises(NodeError, match="orient 'records'"):
        run_node(read_json, path=str(records), orient="lines")


def test_a_bad_json_line_is_named(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3\n')
    with pytest.raises(NodeError, match="'log.jsonl' line 3, column"):
        run_node(read_file, path=str(path))


def test_a_json_object_that_is_not_records_says_so(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"a": {"b": 1}, "c": [1, 2, 3]}')
    with pytest.raises(NodeError, match="holds a JSON object, not an array of records"):
        run_node(read_json, path=str(path))
