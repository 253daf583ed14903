"""Excel: read through whichever engine is installed; without one, say what to pip install.

The workbooks are real .xlsx files written by the `make_xlsx` fixture (no Excel library needed to
make them). Reading one needs openpyxl or python-calamine, which dataflow-io does not depend on:
`pip install dataflow-io[excel]` (or openpyxl) makes the reading tests run instead of skipping.
"""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_io import excel
from dataflow_io.connectors import file_connectors
from dataflow_io.nodes import read_excel, read_file

from dataflow.sdk import NodeError, run_node

needs_engine = pytest.mark.skipif(excel.excel_engine() is None,
                                  reason="no Excel engine installed (pip install openpyxl to run this test)")


@pytest.fixture
def workbook(tmp_path, make_xlsx):
    return make_xlsx(tmp_path / "sales.xlsx", {
        "Summary": [["region", "total"], ["north", 10], ["south", 20.5]],
        "Detail 2024": [["day", "amount", "paid"], ["mon", 1, True], ["tue", 2, False]],
    })


@pytest.fixture
def no_engine(monkeypatch):
    monkeypatch.setattr(excel, "ENGINES", (("dataflow_no_such_excel_engine", "none"),))


def test_without_an_engine_reading_says_what_to_install(workbook, no_engine):
    with pytest.raises(NodeError) as error:
        run_node(read_excel, path=str(workbook))
    assert "pip install openpyxl" in str(error.value) and "python-calamine" in str(error.value)
    with pytest.raises(NodeError, match="pip install openpyxl"):
        run_node(read_file, path=str(workbook))
    with pytest.raises(NodeError, match="pip install openpyxl"):
        run_node(read_file, path=str(workbook), format="excel")


def test_without_an_engine_the_excel_format_is_not_registered(no_engine):
    assert "excel" not in {c.id for c in file_connectors()}


@needs_engine
def test_with_an_engine_the_excel_format_is_registered():
    ids = {c.id for c in file_connectors()}
    assert "excel" in ids
    connector = next(c for c in file_connectors() if c.id == "excel")
    assert connector.extensions == (".xlsx", ".xlsm") and connector.can_write == excel.can_write_excel()


@needs_engine
def test_the_first_sheet_is_read_by_default(workbook):
    table = run_node(read_excel, path=str(workbook))["table"]
    assert table.columns.tolist() == ["region", "total"]
    assert table["region"].tolist() == ["north", "south"] and table["total"].tolist() == [10, 20.5]
    pd.testing.assert_frame_equal(run_node(read_file, path=str(workbook))["table"], table)


@needs_engine
def test_a_named_sheet_is_read(workbook):
    table = run_node(read_excel, path=str(workbook), sheet="Detail 2024")["table"]
    assert table["amount"].tolist() == [1, 2] and table["paid"].tolist() == [True, False]


@needs_engine
def test_an_unknown_sheet_lists_the_sheets_and_suggests_one(workbook):
    with pytest.raises(NodeError) as error:
        run_node(read_excel, path=str(workbook), sheet="Sumary")
    message = str(error.value)
    assert error.value.param == "sheet" and "no sheet 'Sumary' in 'sales.xlsx'" in message
    assert "'Summary'" in message and "Detail 2024" in message


@needs_engine
def test_a_damaged_workbook_is_reported(workbook):
    data = workbook.read_bytes()
    workbook.write_bytes(data[: len(data) // 2])
    with pytest.raises(NodeError, match="'sales.xlsx' is not a readable Excel workbook"):
        run_node(read_excel, path=str(workbook))


@needs_engine
def test_a_missing_or_oversized_workbook_is_refused_like_any_file(workbook, monkeypatch):
    with pytest.raises(NodeError, match="file not found"):
        run_node(read_excel, path=str(workbook.with_name("missing.xlsx")))
    monkeypatch.setenv("DATAFLOW_MAX_FILE_MB", "0.0001")
    with pytest.raises(NodeError, match="DATAFLOW_MAX_FILE_MB"):
        run_node(read_excel, path=str(workbook))
