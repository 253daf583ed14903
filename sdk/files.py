"""Files a node may touch beyond its one path: the files of a folder that match a pattern, and a
private folder of the plugin's own.

`matching_files(folder, pattern)` is what a node that reads "every file of a folder" uses
(`io.read_folder`, `sql.query_files`). The engine has already resolved the node's folder
parameter (a `FilePath`, symlinks followed) and checked it lies in a granted folder; the pattern
is matched inside that folder only (`*.csv`, `2024-*.parquet`, `**/*.csv` for subfolders too),
and every match is resolved again and must still lie inside it, so a symbolic link in a granted
folder that points elsewhere is refused, not followed. Hidden files are skipped. Give the node
`fingerprint=lambda p: files_fingerprint(p["folder"], p["pattern"])` so that a changed, added
or removed file re-runs it.

`private_folder(name)`: a folder inside DataFlow's private folder (per user, mode 0700, never
shared or exported, included by no data-folder grant): a SQL engine's spill files, a plugin's
settings with secrets.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from dataflow.kernel.errors import NodeError
from dataflow.kernel.paths import cache_dir, private_dir

#: the most files one pattern may match (more is probably a mistake)
MAX_FILES = 10_000


def private_folder(name: str) -> Path:
    """`<DataFlow's private folder>/plugins/<name>`, created with mode 0700 when missing."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"a private folder's name is one plain word, got {name!r}")
    return private_dir(cache_dir() / "plugins" / name)


def _check_pattern(pattern: str, param: str) -> str:
    text = pattern.strip()
    if not text:
        raise NodeError("type which files of the folder to read, e.g. *.csv or *.parquet", param=param)
    if "\\" in text or "\x00" in text:
        raise NodeError(f"'{pattern}' holds a backslash or NUL; use / between folders, e.g. **/*.csv", param=param)
    if text.startswith(("/", "~")) or ".." in PurePosixPath(text).parts:
        raise NodeError(f"'{pattern}' points outside the folder; a pattern names files inside it, "
                        "e.g. *.csv or **/*.csv", param=param)
    return text


def matching_files(folder: str | Path, pattern: str, *, param: str = "folder", pattern_param: str = "pattern",
                   allow_file: bool = False) -> list[Path]:
    """The files of `folder` matching `pattern`, resolved and sorted by path; a NodeError naming the
    parameter when the folder is missing, the pattern leaves it, a match links outside it, or nothing
    matches. With `allow_file`, a `folder` that is a file is returned alone."""
    if not str(folder).strip():
        raise NodeError("no folder chosen; pick the folder that holds the files", param=param)
    root = Path(folder).resolve()
    try:
        info = os.stat(root)
    except FileNotFoundError:
        raise NodeError(f"{root} does not exist; check the name and folder", param=param) from None
    except OSError as exc:
        raise NodeError(f"cannot open {root}: {exc.strerror or exc}", param=param) from None
    if stat.S_ISREG(info.st_mode) and allow_file:
        return [root]
    if not stat.S_ISDIR(info.st_mode):
        raise NodeError(f"{root} is not a folder; pick the folder that holds the files", param=param)
    found = []
    for match in sorted(root.glob(_check_pattern(pattern, pattern_param))):
        real = match.resolve()
        if not real.is_relative_to(root):
            raise NodeError(f"{match} is a link to {real}, outside the folder {root}; only files inside the "
                            "chosen folder are read", param=pattern_param)
        if real.is_file() and not match.name.startswith("."):
            found.append(real)
        if len(found) > MAX_FILES:
            raise NodeError(f"'{pattern}' matches more than {MAX_FILES:,} files in {root}; narrow the pattern",
                            param=pattern_param)
    if not found:
        raise NodeError(f"no file in {root} matches '{pattern}'", param=pattern_param)
    return found


def files_fingerprint(folder: str | Path, pattern: str, *, allow_file: bool = False) -> str:
    """Path, size and modification time of every matching file (a changed, added or removed file
    changes it). Never raises: a problem is reported when the node runs."""
    try:
        files = matching_files(folder, pattern, allow_file=allow_file)
        return "|".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    except (NodeError, OSError) as exc:
        return f"unreadable: {exc}"
