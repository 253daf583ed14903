"""Writing Excel: io.write_file to a .xlsx (one sheet) and io.write_excel (one to three tables, a
sheet each), read back with pandas; bad sheet names and macro workbooks refused; atomic."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_io.excel import can_write_excel
from dataflow_io.nodes import read_excel, write_excel, write_file

from dataflow.sdk import NodeError, check_node, run_node

pytestmark = pytest.mark.skipif(not can_write_excel(), reason="writing Excel needs openpyxl (dataflow-io[excel])")


def test_write_file_to_xlsx_writes_one_sheet_that_reads_back(tmp_path, frame):
    path = tmp_path / "out.xlsx"
    run_node(write_file, {"table": frame}, path=str(path))
    back = run_node(read_excel, path=str(path))["table"]
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_several_tables_become_sheets_named_in_order(tmp_path, frame):
    path = tmp_path / "report.xlsx"
    summary = frame.groupby("in_stock", as_index=False)["price"].sum()
    out = run_node(write_excel, {"table": frame, "table_2": summary}, path=str(path), sheets=["Detail", "Summary"])
    assert out["table"] is not None
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == ["Detail", "Summary"]
    pd.testing.assert_frame_equal(book["Summary"], summary, check_dtype=False)
    unnamed = tmp_path / "plain.xlsx"
    run_node(write_excel, {"table": frame, "table_2": summary, "table_3": frame.head(1)}, path=str(unnamed))
    assert list(pd.read_excel(unnamed, sheet_name=None)) == ["Sheet1", "Sheet2", "Sheet3"]


@pytest.mark.parametrize(("sheets", "words"), [
    (["a/b"], "holds /"),
    (["x" * 32], "longer than 31"),
    (["Same", "same"], "two sheets are named"),
    (["one", "two"], "2 sheet names for 1 connected tables"),
])
def test_a_sheet_name_excel_refuses_is_named(tmp_path, frame, sheets, words):
    inputs = {"table": frame, "table_2": frame} if len(sheets) == 2 and words.startswith("two") else {"table": frame}
    with pytest.raises(NodeError, match=words) as caught:
        run_node(write_excel, inputs, path=str(tmp_path / "out.xlsx"), sheets=sheets)
    assert caught.value.param == "sheets"
    assert not (tmp_path / "out.xlsx").exists()


def test_a_time_zone_is_refused_naming_the_sheet_and_the_old_file_stays(tmp_path, frame):
    path = tmp_path / "out.xlsx"
    run_node(write_excel, {"table": frame}, path=str(path))
    before = path.read_bytes()
    zoned = frame.assign(when=frame["when"].dt.tz_localize("UTC"))
    with pytest.raises(NodeError, match="sheet 'Sheet1': Excel cannot hold times with a time zone"):
        run_node(write_excel, {"table": zoned}, path=str(path))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_a_macro_workbook_is_never_written(tmp_path, frame):
    with pytest.raises(NodeError, match=r"\.xlsx"):
        run_node(write_file, {"table": frame}, path=str(tmp_path / "out.xlsm"))
    assert not (tmp_path / "out.xlsm").exists()


def test_the_declaration_is_complete():
    assert check_node(write_excel) == []
