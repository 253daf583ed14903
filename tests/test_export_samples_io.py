"""The samples and io plugins' exporters: their plain code gives the node's table; paths stay as written."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_io import nodes
from dataflow_io.export import EXPORTERS as IO
from dataflow_samples import synthetic, toys
from dataflow_samples.export import EXPORTERS as SAMPLES

from dataflow.sdk import NodeCode
from tests.exporting import exported, node_code, same_as_node


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "diabetes", "digits"])
def test_dataset_code(name):
    same_as_node(toys.dataset, SAMPLES["samples.dataset"], name=name)


def test_dataset_code_bound_to_a_workflow_parameter_follows_the_constant():
    code = node_code(toys.dataset, {}, {"name": "wine"})
    bound = NodeCode(code.node_id, code.type_id, code.params, {"name": "DATASET"}, code.inputs, code.outputs)
    made = SAMPLES["samples.dataset"](bound)
    for name in ("iris", "diabetes"):
        namespace = {"DATASET": name}
        exec("\n".join([*made.imports, *made.lines]), namespace)  # noqa: S102
        pd.testing.assert_frame_equal(namespace["out_table"], toys.dataset(name=name))


@pytest.mark.parametrize("params", [
    {}, {"kind": "regression", "rows": 50, "columns": 3, "noise": 2.0, "seed": 4},
    {"kind": "blobs", "rows": 600, "columns": 4, "classes": 4, "noise": 1.5, "seed": 7},
    {"kind": "time_series", "rows": 40, "noise": 0.5, "seed": 2}, {"kind": "time_series", "rows": 10, "noise": 0},
    {"kind": "classification", "classes": 3, "noise": 0}])
def test_synthetic_code(params):
    same_as_node(synthetic.synthetic, SAMPLES["samples.synthetic"], **params)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sales.csv").write_text("id,region,price,when\n1,north,2.5,2024-01-02\n2,,n/a,2024-02-03\n"
                                        "3,south,,2024-03-04\n3,south,4,2024-03-04\n")
    (tmp_path / "semi.csv").write_text("skip me\na;b\n1,5;x\n2,0;\n")
    return tmp_path


@pytest.mark.parametrize("path, params", [
    ("sales.csv", {}), ("sales.csv", {"missing_values": ["n/a"], "date_columns": ["when"],
                                      "column_types": {"id": "Int64"}, "max_rows": 3}),
    ("sales.csv", {"header_row": -1}), ("semi.csv", {"separator": ";", "decimal": ",", "skip_rows": 1})])
def test_read_csv_code_reads_the_path_as_written(folder, path, params):
    same_as_node(nodes.read_csv, IO["io.read_csv"], path=str(folder / path), **params)
    code = IO["io.read_csv"](node_code(nodes.read_csv, {}, {"path": path, **params}))
    assert repr(path) in code.lines[0]


def test_read_file_code_for_csv(folder):
    same_as_node(nodes.read_file, IO["io.read_file"], path=str(folder / "sales.csv"))


@pytest.mark.parametrize("name", ["out.parquet", "out.csv", "out.tsv", "out.json", "out.jsonl", "out.feather"])
@pytest.mark.parametrize("indexed", [False, True])
def test_write_file_code_writes_the_file_the_node_writes(folder, name, indexed):
    table = pd.DataFrame({"region": ["a", "b", None], "total": [1.5, None, 3.0]}, index=[4, 5, 6])
    if indexed:
        table = table.set_index("region")
    node_file, code_file = folder / "node" / name, folder / "code" / name
    node_file.parent.mkdir()
    code_file.parent.mkdir()
    expected = nodes.write_file(table, path=str(node_file))
    got = exported(nodes.write_file, IO["io.write_file"], {"table": table}, path=str(code_file))
    pd.testing.assert_frame_equal(got["table"], expected)
    assert code_file.read_bytes() == node_file.read_bytes()


@pytest.mark.parametrize("columns", [[], ["total", "region"]])
def test_read_parquet_code(folder, columns):
    pd.DataFrame({"region": ["a", None], "total": [1.5, None], "day": pd.to_datetime(["2024-01-01", None])}).to_parquet(
        folder / "t.parquet")
    same_as_node(nodes.read_parquet, IO["io.read_parquet"], path=str(folder / "t.parquet"), columns=columns)
    if not columns:
        same_as_node(nodes.read_file, IO["io.read_file"], path=str(folder / "t.parquet"))


def test_other_formats_fall_back(folder):
    assert exported(nodes.write_file, IO["io.write_file"], {"table": pd.DataFrame()}, path="out.csv.gz") is None
    assert exported(nodes.read_file, IO["io.read_file"], path="sales.json") is None


@pytest.mark.parametrize(("name", "text", "params"), [
    ("rows.json", '[{"a": 1, "b": "2024-01-02", "c": "x"}, {"a": null, "b": "2024-03-04 10:00", "c": "007"}]',
     {"date_columns": ["b"]}),
    ("rows.jsonl", '{"a": 1.5, "b": "not a date"}\n{"a": 2, "b": "2024-01-02"}\n', {"orient": "lines",
                                                                                  "date_columns": ["b"]}),
    ("plain.json", '[{"id": "01", "n": 3}, {"id": "02", "n": 4}]', {})])
def test_read_json_code_reads_the_nodes_table(tmp_path, name, text, params):
    (tmp_path / name).write_text(text)
    same_as_node(nodes.read_json, IO["io.read_json"], path=str(tmp_path / name), **params)


@pytest.fixture
def monthly(tmp_path):
    folder = tmp_path / "monthly"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("id,amount,code\n1,2.5,7\n2,,8\n")
    (folder / "b.csv").write_text("amount,id,code\n3.0,3,x9\n")  # other order; code is text here
    (folder / ".hidden.csv").write_text("id,amount,code\n99,99,99\n")
    (folder / "sub" / "c.csv").write_text("id,amount,code,extra\n4,1.0,5,yes\n")
    (folder / "notes.txt").write_text("not read\n")
    (folder / "t.tsv").write_text("id\tamount\n5\t6\n")
    return folder


@pytest.mark.parametrize("params", [{"pattern": "*.csv"}, {"pattern": "**/*.csv", "mismatched": "skip"},
                                    {"pattern": "**/*.csv", "mismatched": "combine", "source_column": ""},
                                    {"pattern": "*.tsv", "source_column": "from"},
                                    {"pattern": "*.txt", "format": "csv"}])
def test_read_folder_code_reads_the_files_the_node_reads(monthly, params):
    same_as_node(nodes.read_folder, IO["io.read_folder"], folder=str(monthly), **params)


def test_read_folder_code_stops_where_the_node_stops(monthly):
    with pytest.raises(ValueError, match="do not have the columns"):
        exported(nodes.read_folder, IO["io.read_folder"], folder=str(monthly), pattern="**/*.csv")
    assert exported(nodes.read_folder, IO["io.read_folder"], folder=str(monthly), pattern="*.parquet") is None


# --- Excel: read with the engine the node picks, written with openpyxl ------------------------

def _workbook_sheets(path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"region": ["a", None, "c"], "total": [1.5, None, 3.0], "n": [1, 2, 3],
                      "day": pd.to_datetime(["2024-01-01", None, "2024-03-01"])}).to_excel(writer, sheet_name="first",
                                                                                          index=False)
        pd.DataFrame({"x": ["it's", "two"]}).to_excel(writer, sheet_name="second's", index=False)
    return path


@pytest.mark.parametrize("sheet", ["", "second's", "first"])
def test_read_excel_code_reads_the_sheet_the_node_reads(book, sheet):
    same_as_node(nodes.read_excel, IO["io.read_excel"], path=str(book), sheet=sheet)
    if not sheet:
        same_as_node(nodes.read_file, IO["io.read_file"], path=str(book))


def test_read_excel_code_chooses_the_engine_as_the_node_does(book):
    code = IO["io.read_excel"](node_code(nodes.read_excel, {}, {"path": str(book)}))
    assert "find_spec('python_calamine')" in "\n".join(code.lines)


@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize("sheets", [[], ["Regions"], ["Regions", "it's"]])
def test_write_excel_code_writes_the_workbook_the_node_writes(tmp_path, indexed, sheets):
    table = pd.DataFrame({"region": ["a", "b", None], "total": [1.5, None, 3.0],
                          "day": pd.to_datetime(["2024-01-01", None, "2024-03-01"])}, index=[4, 5, 6])
    if indexed:
        table = table.set_index("region")
    other = pd.DataFrame({1: [1, 2]})  # a column name that is no text
    inputs = {"table": table, "table_2": other}
    node_file, code_file = tmp_path / "node.xlsx", tmp_path / "code.xlsx"
    expected = nodes.write_excel(table, other, path=str(node_file), sheets=sheets)
    got = exported(nodes.write_excel, IO["io.write_excel"], inputs, path=str(code_file), sheets=sheets)
    pd.testing.assert_frame_equal(got["table"], expected)
    written, wanted = _workbook_sheets(code_file), _workbook_sheets(node_file)
    assert list(written) == list(wanted) == [*sheets, *["Sheet1", "Sheet2"][len(sheets):]]
    for name, frame in wanted.items():
        pd.testing.assert_frame_equal(written[name], frame, check_exact=True)
    nodes.write_file(table, path=str(tmp_path / "node_file.xlsx"))
    exported(nodes.write_file, IO["io.write_file"], {"table": table}, path=str(tmp_path / "code_file.xlsx"))
    written, wanted = _workbook_sheets(tmp_path / "code_file.xlsx"), _workbook_sheets(tmp_path / "node_file.xlsx")
    assert list(written) == list(wanted) == ["Sheet1"]
    pd.testing.assert_frame_equal(written["Sheet1"], wanted["Sheet1"], check_exact=True)


def test_excel_writes_the_node_refuses_stay_calls_or_fail_as_the_node_does(tmp_path):
    table = pd.DataFrame({"a": [1]})
    for params in ({"path": str(tmp_path / "x.xlsm")}, {"path": str(tmp_path / "x.xlsx"), "sheets": ["a/b"]},
                   {"path": str(tmp_path / "x.xlsx"), "sheets": ["a", "b"]}):
        assert exported(nodes.write_excel, IO["io.write_excel"], {"table": table}, **params) is None, params
    assert exported(nodes.write_file, IO["io.write_file"], {"table": table}, path=str(tmp_path / "x.xlsm")) is None
    zoned = pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("UTC")})
    with pytest.raises(ValueError, match="time zone"):
        exported(nodes.write_excel, IO["io.write_excel"], {"table": zoned}, path=str(tmp_path / "z.xlsx"))
    assert not (tmp_path / "z.xlsx").exists()
