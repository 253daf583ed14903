"""The source connectors this plugin registers: one class per file format.

Every reader checks the file first (exists, not empty, under the size limit, see files.py);
every writer goes through `atomic_write`, so a failed write leaves the old file (or none).
Tables are written without pandas' row index unless it is named (a group-by key, say): a named
index is written as ordinary column(s), so no information is lost and no "Unnamed: 0" appears.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from dataflow.sdk import NodeError, SourceConnector

from .arrowfiles import read_feather_table, read_parquet_table
from .excel import can_write_excel, excel_engine, read_excel_table, write_excel_sheets
from .files import atomic_write
from .jsonfiles import read_json_table
from .text import COMPRESSED, read_delimited


def plain_columns(frame: Any) -> Any:
    """`frame` with a named index moved into columns, an unnamed one dropped, and text column names."""
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    elif frame.index.nlevels > 1 or not _is_default_range(frame.index):
        frame = frame.reset_index(drop=True)
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    return frame


def _is_default_range(index: Any) -> bool:
    import pandas as pd

    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


class FileConnector(SourceConnector):
    """A file format: `read_file` and `write_file` do the work, this base adds checks and atomicity.

    `compressible` formats (pandas' text readers and writers) also match `name.csv.gz` and the
    like: pandas compresses and decompresses by the last extension.
    """

    compressible: ClassVar[bool] = False

    def matches(self, path: Path) -> bool:
        suffixes = [s.lower() for s in path.suffixes]
        if suffixes and suffixes[-1] in self.extensions:
            return True
        return self.compressible and len(suffixes) >= 2 and suffixes[-1] in COMPRESSED and \
            suffixes[-2] in self.extensions

    def read(self, path: Path, **options: Any) -> Any:
        return self.read_file(Path(path), **options)

    def write(self, value: Any, path: Path, **options: Any) -> None:
        import pandas as pd

        if not isinstance(value, pd.DataFrame):
            raise NodeError(f"the {self.label} writer takes a table, got {type(value).__name__}")
        frame = plain_columns(value)
        target = Path(path)

        def write(temporary: Path) -> None:
            try:
                self.write_file(frame, temporary, **options)
            except NodeError:
                raise
            except Exception as exc:  # pyarrow and pandas refuse some data (mixed-type columns, ...)
                raise NodeError(f"could not write '{target.name}' as {self.label}: {type(exc).__name__}: {exc}; "
                                "give each column one type before writing", param="path") from None

        atomic_write(target, write)

    def read_file(self, path: Path, **options: Any) -> Any:
        raise NotImplementedError

    def write_file(self, frame: Any, path: Path, **options: Any) -> None:
        raise NotImplementedError(f"connector '{self.id}' cannot write")


class CsvConnector(FileConnector):
    id = "csv"
    label = "CSV (comma-separated text)"
    extensions = (".csv",)
    can_write = True
    compressible = True
    separator: ClassVar[str] = ","

    def read_file(self, path: Path, **options: Any) -> Any:
        return read_delimited(path, **{"sep": self.separator, **options})

    def write_file(self, frame: Any, path: Path, **options: Any) -> None:
        frame.to_csv(path, index=False, **{"sep": self.separator, **options})


class TsvConnector(CsvConnector):
    id = "tsv"
    label = "TSV (tab-separated text)"
    extensions = (".tsv", ".tab")
    separator = "\t"


class ParquetConnector(FileConnector):
    id = "parquet"
    label = "Parquet"
    extensions = (".parquet", ".pq")
    can_write = True

    def read_file(self, path: Path, **options: Any) -> Any:
        return read_parquet_table(path, **options)

    def write_file(self, frame: Any, path: Path, **options: Any) -> None:
        frame.to_parquet(path, index=False, **options)


class FeatherConnector(FileConnector):
    id = "feather"
    label = "Feather / Arrow IPC"
    extensions = (".feather", ".arrow", ".ipc")
    can_write = True

    def read_file(self, path: Path, **options: Any) -> Any:
        return read_feather_table(path, **options)

    def write_file(self, frame: Any, path: Path, **options: Any) -> None:
        frame.to_feather(path, **options)


class JsonConnector(FileConnector):
    id = "json"
    label = "JSON (an array of records)"
    extensions = (".json",)
    can_write = True
    compressible = True
    lines: ClassVar[bool] = False

    def read_file(self, path: Path, **options: Any) -> Any:
        return read_json_table(path, lines=self.lines, **options)

    def write_file(self, frame: Any, path: Path, **options: Any) -> None:
        frame.to_json(path, orient="records", lines=self.lines, date_format="iso", force_ascii=False, **options)


class JsonLinesConnector(JsonConnector):
    id = "jsonl"
    label = "JSON lines (one record per line)"
    extensions = (".jsonl", ".ndjson")
    lines = True


class ExcelConnector(FileConnector):
    id = "excel"
    label = "Excel workbook"
    extensions = (".xlsx", ".xlsm")

    def read_file(self, path: Path, **options: Any) -> Any:
        return read_excel_table(path, **options)


class WritableExcelConnector(ExcelConnector):
    """Excel with openpyxl installed: `io.write_file` to a .xlsx writes the table on one sheet."""

    can_write = True

    def write(self, value: Any, path: Path, **options: Any) -> None:
        write_excel_sheets(path, {options.get("sheet", "Sheet1"): plain_columns(value)})


def file_connectors() -> list[SourceConnector]:
    """A fresh instance of every connector that works here (Excel only with an engine installed)."""
    found: list[SourceConnector] = [CsvConnector(), TsvConnector(), ParquetConnector(), FeatherConnector(),
                                    JsonConnector(), JsonLinesConnector()]
    if excel_engine() is not None:
        found.append(WritableExcelConnector() if can_write_excel() else ExcelConnector())
    return found
