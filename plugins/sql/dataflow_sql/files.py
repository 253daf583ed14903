"""Which files a query over files reads, and as which format.

The files are the SDK's `matching_files`: one file, or the files of a folder matching a pattern,
each resolved and inside the (granted) folder; a link that points elsewhere is refused. DuckDB
is then allowed exactly these files, nothing else (`sandbox.connect`).
"""

from __future__ import annotations

from pathlib import Path

from dataflow.sdk import NodeError, files_fingerprint, matching_files

CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".csv.gz", ".tsv.gz", ".csv.zst")
PARQUET_SUFFIXES = (".parquet", ".pq")


def query_files_of(path: str, pattern: str) -> list[Path]:
    """The file `path`, or the files of the folder `path` matching `pattern`."""
    if not str(path).strip():
        raise NodeError("no file or folder chosen; pick a CSV or Parquet file, or a folder of them", param="path")
    return matching_files(path, pattern, param="path", allow_file=True)


def fingerprint(params: dict) -> str:
    return files_fingerprint(params.get("path", ""), params.get("pattern", ""), allow_file=True)


def file_format(files: list[Path], chosen: str) -> str:
    """"csv" or "parquet": the chosen one, or the one every file's extension names."""
    if chosen != "auto":
        return chosen
    kinds = {_kind_of(f.name.lower()) for f in files}
    if kinds == {"csv"} or kinds == {"parquet"}:
        return kinds.pop()
    if None in kinds:
        odd = next(f.name for f in files if _kind_of(f.name.lower()) is None)
        raise NodeError(f"'{odd}' is neither a CSV nor a Parquet file by its extension; choose the format, or a "
                        "pattern that matches only .csv or only .parquet files", param="format")
    raise NodeError("the files mix CSV and Parquet; choose a pattern that matches one kind (*.csv or *.parquet)",
                    param="pattern")


def _kind_of(name: str) -> str | None:
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None
