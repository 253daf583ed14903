"""Granted data folders: the only places a workflow's file parameters may read or write.

A workflow file is shared between people, so a path in it is untrusted. Every `FilePath`
parameter is resolved (relative to the workflow's folder, symlinks followed, `..` collapsed)
and must then lie inside a granted folder:

- the folder of the workflow file itself;
- the folders in `DATAFLOW_DATA_DIRS` (separated by the platform's path separator, `:` here);
- the folders the caller grants: `dataflow run --data-dir DIR`, the app's settings and its
  upload folder.

Nothing here lists a folder; only the one path a node names is resolved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NodeError

if TYPE_CHECKING:
    from .graph import GraphNode

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


def resolve_path(value: str, base: Path | None) -> Path:
    """`value` made absolute against `base` (or the working folder), with symlinks followed."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve()


def check_access(value: str, base: Path | None, folders: tuple[Path, ...], *, param: str | None = None) -> Path:
    """The resolved path for a file parameter, or `AccessDenied` naming the path and how to grant it."""
    resolved = resolve_path(value, base)
    if any(resolved == folder or resolved.is_relative_to(folder) for folder in folders):
        return resolved
    granted = ", ".join(str(f) for f in folders) or "none"
    shown = value if str(resolved) == value else f"{value} (resolves to {resolved})"
    raise AccessDenied(f"the file {shown} is outside the granted data folders ({granted}); {GRANT_HINT}",
                       param=param)


def resolve_file_params(node: GraphNode, base: Path | None, folders: tuple[Path, ...]) -> dict[str, Any]:
    """The parameters a node is called with: file paths resolved against `base` (the workflow's
    folder) and checked against the granted `folders` (`AccessDenied` names the path and the fix),
    and the file's extension checked against the parameter's."""
    params = node.params
    files = [name for name in node.file_params if params.get(name)]
    if not files:
        return params
    resolved = dict(params)
    for name in files:
        path = check_access(params[name], base, folders, param=name)
        extensions = node.spec.param_index[name].widget.extensions
        if extensions and not path.name.lower().endswith(tuple(e.lower() for e in extensions)):
            raise NodeError(f"'{params[name]}' is not a {' or '.join(extensions)} file", param=name)
        resolved[name] = str(path)
    return resolved
