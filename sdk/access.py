"""Granted data folders: the only places a workflow's file parameters may read or write.

A workflow file is shared between people, so a path in it is untrusted. Every `FilePath`
parameter is resolved (relative to the workflow's folder, symlinks followed, `..` collapsed)
and must then lie inside a granted folder:

- the folder of the workflow file itself;
- the folders in `DATAFLOW_DATA_DIRS` (separated by the platform's path separator, `:` here);
- the folders the caller grants: `dataflow run --data-dir DIR`, the app's settings and its
  upload folder.

DataFlow's private folder (the cache folder, `dataflow.kernel.paths.cache_dir()`: cache entries, the app's
settings, autosaves, uploads) is never included by a grant, even one of `/` or the home folder:
a path inside it is refused, except for reading inside a folder granted *within* it (the app's
upload folder and the folder of a workflow opened from the browser).

A file a node writes (`FilePath("write")`) must also be a plain data file: not a dotfile (`.bashrc`,
`.git`), not an existing executable or non-regular file, not the workflow file itself, and never
inside the private folder. (The writer checks that the extension matches the format.)

Nothing here lists a folder; only the one path a node names is resolved.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from dataflow.kernel.errors import NodeError
from dataflow.kernel.paths import cache_dir

#: the folder beside a workflow that keeps its saved versions (`dataflow history`): no node writes there
HISTORY_FOLDER = ".dataflow-history"
GRANT_HINT = ("grant access with `dataflow run --data-dir FOLDER`, the DATAFLOW_DATA_DIRS environment "
              "variable, or the app's Settings, or move the file into the workflow's folder")


class AccessDenied(NodeError):
    """A file parameter names a path outside every granted folder."""


def env_data_dirs() -> list[Path]:
    """The folders granted through `DATAFLOW_DATA_DIRS`."""
    value = os.environ.get("DATAFLOW_DATA_DIRS", "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def granted_folders(workflow_folder: Path | None, extra: Iterable[Path | str] = ()) -> tuple[Path, ...]:
    """Every granted folder, resolved, without duplicates, in a stable order."""
    candidates: list[Path] = []
    if workflow_folder is not None:
        candidates.append(Path(workflow_folder))
    candidates.extend(env_data_dirs())
    candidates.extend(Path(p).expanduser() for p in extra)
    seen: dict[Path, None] = {}
    for folder in candidates:
        seen.setdefault(folder.resolve(), None)
    return tuple(seen)


@lru_cache(maxsize=64)
def _granted(workflow_folder: Path | None, extra: tuple[Path, ...], env: str, cwd: str) -> tuple[Path, ...]:
    return granted_folders(workflow_folder, extra)


def granted_folders_now(workflow_folder: Path | None, extra: tuple[Path, ...]) -> tuple[Path, ...]:
    """`granted_folders`, remembered per (folders, DATAFLOW_DATA_DIRS, working folder), so that a run
    resolves them once, not once per file parameter."""
    return _granted(workflow_folder, extra, os.environ.get("DATAFLOW_DATA_DIRS", ""), os.getcwd())


def resolve_path(value: str, base: Path | None) -> Path:
    """`value` made absolute against `base` (or the working folder), with symlinks followed."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve()


def private_folder() -> Path:
    """DataFlow's private folder, resolved: no grant includes it (see the module docstring).
    Remembered per the environment that names it, as the grants are: a loop's plan checks one
    path per item (resolving the folder again cost 70 us a file)."""
    return _private(os.environ.get("DATAFLOW_CACHE_DIR", ""), os.environ.get("XDG_CACHE_HOME", ""),
                    os.environ.get("HOME", ""))


@lru_cache(maxsize=8)
def _private(configured: str, xdg: str, home: str) -> Path:
    return cache_dir().resolve()


def _inside(path: Path, folder: Path) -> bool:
    """`path.is_relative_to(folder)` for resolved paths, without the exception Python 3.11 raises and
    catches for every path outside (a loop's plan checks each of 1,000 files against every grant)."""
    parts = folder.parts
    return path.parts[:len(parts)] == parts


def check_access(value: str, base: Path | None, folders: tuple[Path, ...], *, param: str | None = None,
                 mode: str = "read") -> Path:
    """The resolved path for a file parameter, or `AccessDenied` naming the path and how to grant it.

    `mode` "write" refuses the private folder entirely; "read" allows a folder granted inside it."""
    resolved = resolve_path(value, base)
    shown = value if str(resolved) == value else f"{value} (resolves to {resolved})"
    private = private_folder()
    if _inside(resolved, private):
        inner = [f for f in folders if f != private and _inside(f, private)]
        if mode != "read" or not any(_inside(resolved, f) for f in inner):
            raise AccessDenied(f"the file {shown} is inside DataFlow's private folder ({private}), which no grant "
                               "includes; pick a file in one of your own folders", param=param)
        return resolved
    if any(_inside(resolved, folder) for folder in folders):
        return resolved
    granted = ", ".join(str(f) for f in folders) or "none"
    raise AccessDenied(f"the file {shown} is outside the granted data folders ({granted}); {GRANT_HINT}",
                       param=param)


def check_write_target(path: Path, workflow_file: Path | None, *, param: str | None = None) -> Path:
    """`path` (resolved, granted) when a node may write a data file there; `AccessDenied` when it is a
    dotfile, inside a workflow's version history, an existing executable or non-regular file, or the
    workflow file itself."""
    if path.name.startswith("."):
        raise AccessDenied(f"'{path.name}' is a hidden file (its name starts with a dot); workflows write data "
                           "files only: choose a name such as result.csv", param=param)
    if HISTORY_FOLDER in path.parts:
        raise AccessDenied(f"{path} is inside a workflow's version history ({HISTORY_FOLDER}), which only saving "
                           "a workflow writes; choose another folder", param=param)
    if workflow_file is not None and path == workflow_file.resolve():
        raise AccessDenied(f"{path} is this workflow's own file; write the data to another file", param=param)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise AccessDenied(f"cannot write {path}: {exc.strerror or exc}", param=param) from None
    if stat.S_ISDIR(info.st_mode):
        raise AccessDenied(f"{path} is a folder; add a file name, e.g. {path / 'result.csv'}", param=param)
    if not stat.S_ISREG(info.st_mode):
        raise AccessDenied(f"{path} exists and is not a regular file; choose a data file name", param=param)
    if info.st_mode & 0o111:
        raise AccessDenied(f"{path} is an executable file; workflows never replace programs: choose another name",
                           param=param)
    return path
