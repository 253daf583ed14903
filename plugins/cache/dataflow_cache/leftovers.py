"""What a killed process leaves in the disk tier's folder, and how it goes.

A value file is written before the row that names it (`SafeDisk`): a kill -9 in between leaves a
file no row names, which diskcache never sees again (its eviction counts rows), so it stayed
forever and survived `cache clear`. Value files are named `<pid>-<hex>.val` after their writer:

- `sweep_orphans` (run when a process first opens the full cache, in the background writer)
  removes every value file that no row names and whose writer no longer runs. A live writer's
  file is never touched: its row may be on its way.
- `remove_unnamed` (run by `clear`, after every row is gone) removes every file but the index
  itself, whatever its writer, and the broken databases moved aside (`disk.broken-<time>`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from pathlib import Path

from dataflow.sdk import process_alive

#: the index's own files, which stay (another process may hold them open)
INDEX = frozenset({"cache.db", "cache.db-wal", "cache.db-shm"})
_WRITER = re.compile(r"(\d+)-[0-9a-f]+\.val")


def named_files(database: Path) -> set[str]:
    """The value files rows name, relative to the folder, read on a connection of its own."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
        return {row[0] for row in db.execute("SELECT filename FROM Cache WHERE filename IS NOT NULL")}


def _value_files(directory: Path):
    for sub, _dirs, files in os.walk(directory):
        for name in files:
            path = Path(sub) / name
            if path.parent != directory or name not in INDEX:
                yield path


def sweep_orphans(directory: Path) -> int:
    """Remove value files no row names whose writer process is gone; return how many."""
    try:
        named = named_files(directory / "cache.db")
    except sqlite3.Error:
        return 0
    removed = 0
    for path in _value_files(directory):
        match = _WRITER.fullmatch(path.name)
        if match and str(path.relative_to(directory)) not in named and not process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def remove_unnamed(directory: Path) -> int:
    """After `clear`: remove every file but the index, empty folders, and broken databases set aside."""
    removed = 0
    for path in list(_value_files(directory)):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    for sub, _dirs, _files in sorted(os.walk(directory), key=lambda item: -len(item[0])):
        if Path(sub) != directory:
            with contextlib.suppress(OSError):
                os.rmdir(sub)  # only when empty
    for aside in directory.parent.glob(f"{directory.name}.broken-*"):
        shutil.rmtree(aside, ignore_errors=True)
        removed += 1
    return removed

