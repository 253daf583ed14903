"""`sql.query_files`: SQL straight over CSV or Parquet files, larger than memory.

DuckDB scans the files itself, in a streaming way: a filter, a column selection or a group-by
runs over the whole file without loading it, spilling to a private folder when it must, and only
the query's result becomes a pandas table. The files are one table named `data` in the query.
The sandbox is `sql.query`'s (no other file, no network, no extension, a memory limit), opened
for exactly the files matched (see files.py).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, ColumnSchema, FilePath, Help, NodeError, Table, TableSchema, node

from .files import file_format, fingerprint, query_files_of
from .sandbox import _first_line, check_single_select, connect, run_select
from .schemas import _kind

QUERY_HELP = ("One SELECT over the files, which are one table named data. For example "
              "SELECT region, sum(amount) AS total FROM data WHERE year = 2024 GROUP BY region. "
              "Filters, chosen columns and group-bys run inside DuckDB over the whole file without "
              "loading it; only the result becomes a table. DuckDB's SQL.")
PATH_HELP = "A CSV or Parquet file, or a folder of them (then the pattern picks the files)"
PATTERN_HELP = ("When the path is a folder: which of its files to read, e.g. *.csv, sales-2024-*.parquet, "
                "or **/*.csv to include subfolders. All files must have the same columns.")
FORMAT_HELP = "'auto' goes by the files' extensions (.csv, .tsv, .txt, .csv.gz; .parquet, .pq)"
MEMORY_HELP = ("The most memory DuckDB may use, in MB; beyond it a group-by or sort spills to a temporary "
               "folder inside DataFlow's private folder")


def define_data(files: list[Path], fmt: str, *, sniff_all: bool = True) -> Any:
    """`prepare(connection)` for `run_select`: the view `data` over the files. The file names are
    SQL string literals (quotes doubled); a view cannot take bound parameters. `sniff_all=False`
    lets DuckDB guess a CSV's column types from the first file alone (the schema pass: 10x faster
    over a dozen files; the run sniffs every file, as DuckDB does by default)."""
    listed = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
    if fmt == "csv":
        reader = f"read_csv({listed})" if sniff_all else f"read_csv({listed}, files_to_sniff = 1)"
    else:
        reader = f"read_parquet({listed})"

    def prepare(connection: Any) -> None:
        connection.execute(f"CREATE OR REPLACE TEMP VIEW data AS SELECT * FROM {reader}")

    return prepare


@functools.lru_cache(maxsize=8)
def _schema_database(files: tuple[str, ...]) -> Any:
    """A locked DuckDB allowed exactly these files, kept for the schema pass: opening one costs
    15-20 ms, a third of the pass's budget, and the pass runs again at each edit of the query.
    Each call works on its own cursor, with its own temporary view."""
    return connect(list(files))


def _schema(*, path: str, pattern: str, format: str, query: str, memory_limit_mb: int,
            timeout: float) -> TableSchema | None:
    """The result's columns: DuckDB describes the query over the files (a Parquet footer; a CSV's
    header and the sample its sniffer reads from the first file), reading no rows beyond that."""
    import duckdb

    check_single_select(query)
    try:
        files = query_files_of(path, pattern)
        fmt = file_format(files, format)
    except NodeError:
        return None  # the node reports it when it runs
    cursor = _schema_database(tuple(str(f) for f in files)).cursor()
    try:
        try:
            define_data(files, fmt, sniff_all=False)(cursor)
        except duckdb.Error:
            return None  # an unreadable file: the run names it
        try:
            described = cursor.execute(f"DESCRIBE {query}").fetchall()
        except duckdb.Error as exc:
            raise NodeError(f"the query does not fit the files: {_first_line(exc)}", param="query") from None
    finally:
        cursor.close()
    return TableSchema(tuple(ColumnSchema(row[0], _kind(row[1])) for row in described), exact=fmt == "parquet")


@node(category="Input/SQL", label="SQL over files", schema=_schema, fingerprint=fingerprint)
def query_files(
    *,
    path: Annotated[str, FilePath("read"), Help(PATH_HELP)] = "",
    pattern: Annotated[str, Help(PATTERN_HELP)] = "*.csv",
    format: Annotated[Literal["auto", "csv", "parquet"], Help(FORMAT_HELP)] = "auto",
    query: Annotated[str, Help(QUERY_HELP)] = "SELECT * FROM data LIMIT 1000",
    memory_limit_mb: Annotated[int, Bounds(64, 1_048_576), Help(MEMORY_HELP)] = 1024,
    timeout: Annotated[float, Bounds(0.1, 86_400), Help("Stop the query after this many seconds")] = 3600.0,
) -> Table:
    """Query CSV or Parquet files with SQL without loading them (DuckDB): larger than memory is fine.

    The file, or every file of the folder that matches the pattern, is the table `data`. Only the
    query's result enters memory as a table, so aggregate or filter in the query. Editing, adding
    or removing a matched file re-runs the node.
    """
    check_single_select(query)
    files = query_files_of(path, pattern)
    fmt = file_format(files, format)
    return run_select(query, {}, seconds=timeout, files=[str(f) for f in files],
                      memory_limit=f"{memory_limit_mb}MB", prepare=define_data(files, fmt))
