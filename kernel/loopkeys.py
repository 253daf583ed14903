"""What a loop node's key says of the sources its iterations read.

A loop node is keyed without running its iterations, so that a fully cached run costs lookups
only. Its key must then change whenever an iteration would read something else, or the loop
returns a stale result:

- a files loop: each matched file's name, size and time (as the listing stat'ed it: one `stat` a
  file), digested: a few bytes in the key, the run history and the stale reason's comparison, not
  tens of kilobytes for a thousand files;
- a loop whose body reads sources (a file, a database): for a node body, the body's own source
  fingerprint with each item's parameters (a values loop over file paths: each file's size and
  time); for a component body, the source fingerprint of every node inside that reads sources,
  as compiled for the first item, and the size and time of each looped text value that names a
  file beside the workflow (the nodes inside that read it are bound to it through the component).
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NodeError
from .keys import source_fingerprint

if TYPE_CHECKING:
    from .graph import Graph
    from .loops import Loop
    from .spec import NodeSpec

_SEP = "\x1e"


#: a file gone (or a link gone bad) between listing the folder and looking at it: not a match,
#: as `Path.is_file` says; any other error (no permission) is raised, as it does
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)

#: a folder's matching files, each with what `os.stat` said of it when listed
Listing = list[tuple[Path, os.stat_result]]


def list_files(folder: Path, pattern: str) -> Listing:
    """The regular files of `folder` matching `pattern`, in path order, each stat'ed once: its size and
    time key the loop, so nothing looks at it again before its iteration does."""
    found = []
    for path in folder.glob(pattern):
        try:
            info = os.stat(path)
        except OSError as exc:
            if exc.errno in _GONE:
                continue
            raise
        if stat.S_ISREG(info.st_mode):
            found.append((path, info))
    found.sort(key=lambda entry: entry[0].parts)  # Path's own order, without its slow comparisons
    return found


def lister(folder: str, pattern: str, workflow_folder: Path | None) -> Callable[[], Listing]:
    """A files loop's `list_files` of `folder` (relative to the workflow's folder), or a `NodeError`
    saying why the folder cannot be listed."""
    def files() -> Listing:
        path = Path(folder).expanduser()
        if not path.is_absolute():
            path = (workflow_folder or Path.cwd()) / path
        if not path.is_dir():
            hint = "" if workflow_folder or Path(folder).expanduser().is_absolute() else \
                "; the workflow is not saved, so a relative folder is read from the working folder: save the " \
                "workflow beside its data, or give the folder's full path"
            raise NodeError(f"the loop's folder '{folder}' is not a folder ({path}){hint}")
        return list_files(path, pattern)
    return files


def files_fingerprint(listing: Listing) -> str:
    """A digest of each listed file's path, size and modification time."""
    text = _SEP.join(f"{path}|{info.st_size}|{info.st_mtime_ns}" for path, info in listing)
    return "files:" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def item_values(loop: Loop, listing: Listing) -> list[dict[str, Any]]:
    """The looped parameters' values of every item known before running (a groups loop's items
    come from its input table: none here; `listing`: a files loop's files)."""
    if loop.over == "files":
        return [{loop.param: str(path)} for path, _ in listing]
    if loop.over != "values":
        return []
    names = [name for name, _ in loop.values]
    rows = zip(*(listed for _, listed in loop.values), strict=True) if loop.combine == "zip" else \
        itertools.product(*(listed for _, listed in loop.values))
    return [dict(zip(names, row, strict=True)) for row in rows]


def body_sources_fingerprint(body: NodeSpec, params: dict[str, Any], items: list[dict[str, Any]],
                             folder: Path | None) -> str:
    """A node body's source fingerprint for each item: its parameters with the item's values
    (a relative path taken from the workflow's folder, as the run resolves it)."""
    if not body.reads_sources:
        return ""
    return _SEP.join(source_fingerprint(body, {**params, **_absolute(body, item, folder)}) for item in items or [{}])


def component_sources_fingerprint(compiled: Graph | None, items: list[dict[str, Any]], folder: Path | None) -> str:
    """A component body's: each node inside that reads sources, as `compiled` (the body for the
    first item), and each looped text value that names a file."""
    parts = []
    for node in compiled.nodes.values() if compiled is not None else ():
        if node.spec.reads_sources:
            parts.append(source_fingerprint(node.spec, _absolute(node.spec, node.params, folder)))
    named = sorted({v for item in items for v in item.values() if isinstance(v, str) and v})
    for value in named:
        path = _path(value, folder)
        try:
            info = path.stat() if path.is_file() else None
        except (OSError, ValueError):
            info = None
        if info is not None:
            parts.append(f"{path}|{info.st_size}|{info.st_mtime_ns}")
    return _SEP.join(parts)


def _absolute(spec: NodeSpec, params: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """`params` with each fingerprinted text value made absolute from `folder`."""
    return {name: str(_path(value, folder)) if name in spec.fingerprinted_params and isinstance(value, str) and value
            else value for name, value in params.items()}


def _path(value: str, folder: Path | None) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (folder or Path.cwd()) / path
