"""The io nodes: a generic reader and writer over every registered format, and readers with options.

Every path parameter is a `FilePath`: the engine resolves it against the workflow's folder,
refuses it outside the granted folders, and (for reading) puts the file's size and modification
time into the cache key, so editing the file re-runs the node. The nodes receive absolute paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from dataflow.sdk import (
    FilePath,
    FormatChoice,
    Help,
    NodeError,
    Table,
    connector_for,
    files_fingerprint,
    node,
)

from . import schemas
from .arrowfiles import read_parquet_table
from .excel import INSTALL_HINT, excel_engine, read_excel_table
from .files import check_readable, check_writable
from .folders import folder_schema, read_folder_table
from .jsonfiles import read_json_table
from .text import read_delimited

_EXCEL = (".xlsx", ".xlsm")
_FORMAT_HELP = ("'auto' picks the format from the file's extension; or choose one of the installed formats "
                "(plugins can add more)")
_WRITE_FORMAT_HELP = ("'auto' picks the format from the file's extension; or choose one of the installed formats "
                      "that can write (plugins can add more)")


@node(category="Input/Files", label="Read file", schema=schemas.read_file)
def read_file(
    *,
    path: Annotated[str, FilePath("read"), Help("The file to read, relative to the workflow's folder or absolute")] = "",
    format: Annotated[str, FormatChoice("read"), Help(_FORMAT_HELP)] = "auto",
) -> Table:
    """Read a table from a file: CSV, TSV, Parquet, Feather/Arrow, JSON, JSON lines, Excel or a plugin's format.

    The format comes from the extension unless one is chosen. For separators, encodings or a
    subset of columns use the format's own reader (Read CSV, Read Parquet, ...).
    """
    check_readable(path)
    if (format == "excel" or (format == "auto" and Path(path).suffix.lower() in _EXCEL)) and excel_engine() is None:
        raise NodeError(f"reading Excel files needs an Excel engine, and none is installed: {INSTALL_HINT}",
                        param="format")
    connector = connector_for(path, format)
    if connector.port_type != "table":
        raise NodeError(f"format '{connector.id}' reads a {connector.port_type}, not a table; choose a table format",
                        param="format")
    return connector.read(Path(path))


@node(category="Output/Files", label="Write file", cache="none", schema=schemas.write_file)
def write_file(
    table: Table,
    *,
    path: Annotated[str, FilePath("write"), Help("The file to write (replaced if it exists); its folder must exist")] = "",
    format: Annotated[str, FormatChoice("write"), Help(_WRITE_FORMAT_HELP)] = "auto",
) -> Table:
    """Write the table to a file (CSV, TSV, Parquet, Feather, JSON, JSON lines or a plugin's format) and pass it on.

    The file name must end in an extension of the format (result.csv for CSV); hidden files,
    programs, the workflow's own file and DataFlow's private folder are never written.

    The file is written in full to a temporary file next to it and then moved into place, so a
    failed write never leaves half a file. The node runs on every run (it is never cached).
    """
    if not str(path).strip():
        raise NodeError("no file chosen; type the name of the file to write", param="path")
    check_writable(path)
    connector = connector_for(path, format, writing=True)
    if not connector.matches(Path(path)):  # a data file says what it holds: never conftest.py written as CSV
        extensions = ", ".join(connector.extensions) or "none"
        raise NodeError(f"'{Path(path).name}' does not end in an extension of the {connector.label or connector.id} "
                        f"format ({extensions}); name the file accordingly, e.g. "
                        f"{Path(path).stem}{(connector.extensions or ('.data',))[0]}", param="path")
    connector.write(table, Path(path))
    return table


@node(category="Input/Files", label="Read CSV", schema=schemas.read_csv)
def read_csv(
    *,
    path: Annotated[str, FilePath("read", extensions=(".csv", ".tsv", ".tab", ".txt")),
                    Help("The delimited text file to read")] = "",
    separator: Annotated[str, Help("The character between fields: ',' ';' '|' or '\\t' for a tab")] = ",",
    decimal: Annotated[str, Help("The decimal mark in numbers: '.' or ','")] = ".",
    encoding: Annotated[str, Help("The text encoding: utf-8, cp1252 (Excel on Windows), latin-1, utf-16, ...")] = "utf-8",
    header_row: Annotated[int, Help("Which line holds the column names (0 = the first line after the skipped "
                                    "ones); -1 = no header, columns are named column_1, column_2, ...")] = 0,
    column_types: Annotated[dict[str, str], Help("Column -> type to read it as, e.g. {\"zip\": \"str\", "
                                                 "\"count\": \"Int64\"}; other columns are inferred")] = {},  # noqa: B006
    date_columns: Annotated[list[str], Help("Columns to parse as dates and times")] = [],  # noqa: B006
    missing_values: Annotated[list[str], Help("Extra texts that mean 'no value', e.g. n/a, -, missing "
                                              "(empty fields, NA and NaN already do)")] = [],  # noqa: B006
    skip_rows: Annotated[int, Help("Lines to skip at the start of the file, before the header")] = 0,
    max_rows: Annotated[int, Help("Read at most this many rows, for a quick look at a big file (0 = all)")] = 0,
) -> Table:
    """Read a CSV or other delimited text file, with control over separator, encoding and types.

    A column that mixes numbers and text is read as text and reported with a warning that
    names the column and shows an example of each, so a stray "n/a" does not go unnoticed.
    """
    if header_row < -1:
        raise NodeError(f"{header_row} is not a line number; use 0 for the first line or -1 for no header",
                        param="header_row")
    if skip_rows < 0:
        raise NodeError(f"{skip_rows} lines cannot be skipped; use 0 or more", param="skip_rows")
    if max_rows < 0:
        raise NodeError(f"{max_rows} is not a row count; use 0 for all rows or a positive number", param="max_rows")
    return read_delimited(path, sep=separator, decimal=decimal, encoding=encoding,
                          header=None if header_row == -1 else header_row, dtype=column_types,
                          parse_dates=date_columns, skiprows=skip_rows, nrows=max_rows or None,
                          na_values=missing_values)


@node(category="Input/Files", label="Read Parquet", schema=schemas.read_parquet)
def read_parquet(
    *,
    path: Annotated[str, FilePath("read", extensions=(".parquet", ".pq")), Help("The Parquet file to read")] = "",
    columns: Annotated[list[str], Help("Only these columns (read from disk alone, which is faster); "
                                       "empty = all")] = [],  # noqa: B006
) -> Table:
    """Read a Parquet file, all columns or only the ones listed."""
    return read_parquet_table(path, columns)


@node(category="Input/Files", label="Read Excel")
def read_excel(
    *,
    path: Annotated[str, FilePath("read", extensions=_EXCEL), Help("The Excel workbook (.xlsx) to read")] = "",
    sheet: Annotated[str, Help("The sheet's name; empty = the first sheet")] = "",
) -> Table:
    """Read one sheet of an Excel workbook (needs openpyxl or python-calamine installed)."""
    return read_excel_table(path, sheet)


@node(category="Input/Files", label="Read JSON", schema=schemas.read_json)
def read_json(
    *,
    path: Annotated[str, FilePath("read", extensions=(".json", ".jsonl", ".ndjson")),
                    Help("The JSON file to read")] = "",
    orient: Annotated[Literal["records", "lines"], Help("records: one array of objects [{...}, {...}]; "
                                                        "lines: one object per line (JSON lines)")] = "records",
    date_columns: Annotated[list[str], Help("Columns of date texts to parse as dates and times")] = [],  # noqa: B006
) -> Table:
    """Read a JSON file holding records: an array of objects, or one object per line."""
    return read_json_table(path, lines=orient == "lines", date_columns=date_columns)


_MISMATCHED_HELP = ("What to do with a file whose columns differ from the first file's: error (name the files and "
                    "stop), skip (leave them out, with a warning naming them) or combine (keep every column; "
                    "missing values where a file lacks one)")


def _folder_fingerprint(params: dict) -> str:
    return files_fingerprint(params.get("folder", ""), params.get("pattern", ""))


@node(category="Input/Files", label="Read folder", schema=folder_schema, fingerprint=_folder_fingerprint)
def read_folder(
    *,
    folder: Annotated[str, FilePath("read"), Help("The folder holding the files, relative to the workflow's folder "
                                                  "or absolute")] = "",
    pattern: Annotated[str, Help("Which files: *.csv, sales-2024-*.parquet, or **/*.csv to include subfolders")]
    = "*.csv",
    format: Annotated[str, FormatChoice("read"), Help(_FORMAT_HELP)] = "auto",
    source_column: Annotated[str, Help("A column naming each row's file (its path inside the folder); empty = "
                                       "no such column")] = "source_file",
    mismatched: Annotated[Literal["error", "skip", "combine"], Help(_MISMATCHED_HELP)] = "error",
) -> Table:
    """Read every file of a folder that matches a pattern (CSV, Parquet, JSON, Excel, ...) into one table.

    The files are read in the order of their paths and stacked, with a column naming each row's
    file. A file whose columns differ from the first file's is reported, never silently dropped.
    Editing, adding or removing a matching file re-runs the node.
    """
    return read_folder_table(folder, pattern, format, source_column, mismatched)


@node(category="Output/Files", label="Write Excel", cache="none")
def write_excel(
    table: Table,
    table_2: Table | None = None,
    table_3: Table | None = None,
    *,
    path: Annotated[str, FilePath("write", extensions=(".xlsx",)),
                    Help("The workbook to write (.xlsx; replaced if it exists; its folder must exist)")] = "",
    sheets: Annotated[list[str], Help("The sheet names, in the order of the inputs (table, table_2, table_3); "
                                      "empty = Sheet1, Sheet2, Sheet3")] = [],  # noqa: B006
) -> Table:
    """Write one to three tables into one Excel workbook (.xlsx), each on its own sheet, and pass the first on.

    Needs openpyxl. The workbook is written in full to a temporary file and then moved into place,
    so a failed write never leaves half a file. The node runs on every run (it is never cached).
    """
    from .connectors import plain_columns
    from .excel import write_excel_sheets

    tables = [t for t in (table, table_2, table_3) if t is not None]
    if len(sheets) > len(tables):
        raise NodeError(f"{len(sheets)} sheet names for {len(tables)} connected tables; connect more tables or "
                        "remove names", param="sheets")
    names = list(sheets) + [f"Sheet{i + 1}" for i in range(len(sheets), len(tables))]
    if not str(path).strip():
        raise NodeError("no file chosen; type the name of the workbook to write, e.g. report.xlsx", param="path")
    write_excel_sheets(path, {name: plain_columns(t) for name, t in zip(names, tables, strict=True)})
    return table


NODES = (read_file, write_file, read_csv, read_parquet, read_excel, read_json, read_folder, write_excel)
