"""Which files a query over files reads: one file, or the files of a folder matching a pattern.

The engine has resolved the node's `path` (symlinks followed) and checked that it lies in a
granted folder. A pattern is matched inside that folder only (`*.csv`, `2024-*.parquet`,
`**/*.csv` for subfolders too); each match is resolved again and must still lie inside the
folder, so a symbolic link in a granted folder that points elsewhere is refused, not followed.
DuckDB is then allowed exactly these files, nothing else (`sandbox.connect`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from dataflow.sdk import NodeError

#: the most files one query reads (a pattern that matches more is probably a mistake)
MAX_FILES = 10_000
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".csv.gz", ".tsv.gz", ".csv.zst")
PARQUET_SUFFIXES = (".parquet", ".pq")


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


def check_pattern(pattern: str) -> str:
    """The pattern, once it is a relative file pattern that cannot leave the folder."""
    text = pattern.strip()
    if not text:
        raise NodeError("type which files of the folder to read, e.g. *.csv or *.parquet", param="pattern")
    if "\\" in text or "\x00" in text:
        raise NodeError(f"'{pattern}' holds a backslash or NUL; use / between folders, e.g. **/*.csv",
                        param="pattern")
    parts = PurePosixPath(text).parts
    if text.startswith(("/", "~")) or ".." in parts:
        raise NodeError(f"'{pattern}' points outside the folder; a pattern names files inside it, "
                        "e.g. *.csv or **/*.csv", param="pattern")
    return text


def matching_files(path: str, pattern: str) -> list[Path]:
    """The files the node reads, sorted, resolved; NodeError when there are none or one is refused."""
    if not str(path).strip():
        raise NodeError("no file or folder chosen; pick a CSV or Parquet file, or a folder of them", param="path")
    root = Path(path).resolve()
    try:
        info = os.stat(root)
    except FileNotFoundError:
        raise NodeError(f"{root} does not exist; check the name and folder", param="path") from None
    except OSError as exc:
        raise NodeError(f"cannot open {root}: {exc.strerror or exc}", param="path") from None
    if stat.S_ISREG(info.st_mode):
        return [root]
    if not stat.S_ISDIR(info.st_mode):
        raise NodeError(f"{root} is neither a file nor a folder", param="path")
    found = []
    for match in sorted(root.glob(check_pattern(pattern))):
        real = match.resolve()
        if not real.is_relative_to(root):
            raise NodeError(f"{match} is a link to {real}, outside the folder {root}; only files inside the "
                            "chosen folder are read", param="pattern")
        if real.is_file() and not real.name.startswith("."):
            found.append(real)
        if len(found) > MAX_FILES:
            raise NodeError(f"'{pattern}' matches more than {MAX_FILES:,} files in {root}; narrow the pattern",
                            param="pattern")
    if not found:
        raise NodeError(f"no file in {root} matches '{pattern}'", param="pattern")
    return found


def files_fingerprint(path: str, pattern: str) -> str:
    """Name, size and modification time of every file read: a changed, added or removed file
    changes it. Never raises (a problem shows when the node runs)."""
    try:
        files = matching_files(path, pattern)
        return "|".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    except (NodeError, OSError) as exc:
        return f"unreadable: {exc}"
