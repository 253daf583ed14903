"""The SDK's parameter widgets: columns of an input table, file paths, secrets, file formats.

Each is metadata inside `Annotated[...]` (`Annotated[str, Column(kinds=("number",))]`) that the
app turns into a form field, and each carries its own checks through the kernel's `ParamWidget`
protocol (`dataflow.kernel.widgets`), so the kernel knows none of them by name:

- `Column` checks the named columns against the upstream table's schema before anything runs;
- `FilePath` refuses a path no file could have when the workflow is validated, resolves the
  path against the workflow's folder and the granted folders before the node is called
  (`access.py`), and adds the file's size and time to the cache key;
- `Secret` values are never written into a workflow file;
- `FormatChoice` offers the installed file formats (`sources.format_choices`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from dataflow.kernel.errors import NodeError, did_you_mean
from dataflow.kernel.widgets import CallPlace, ParamContext, ParamWidget

from .access import check_access, check_write_target, granted_folders_now
from .pathcheck import path_problem
from .tableschema import TableSchema, kind_fits

_SHOWN = 12  # columns listed in a "not in the input table" message


@dataclass(frozen=True, slots=True)
class Column(ParamWidget):
    """The parameter names column(s) of the table on input `port` (the first table input if None).

    The app fills a picker from the upstream columns; `list[str]` parameters pick several.
    `kinds` limits the columns to those kinds ("number", "text", ... as in `tableschema.KINDS`;
    an integer column is a number); `required` says an empty value is a mistake. Validation checks
    all three against the upstream table's schema before anything runs.
    """

    port: str | None = None
    kinds: tuple[str, ...] = ()
    required: bool = False

    def check_schema(self, value: Any, schema: Any) -> str | None:
        """A column that is not in the table ("did you mean"), listed twice or of the wrong kind, or
        a required one left empty (that one also when the table's columns are unknown)."""
        port = self.port
        names = [value] if isinstance(value, str) else list(value or []) if isinstance(value, list | tuple) else []
        names = [n for n in names if isinstance(n, str)]
        if self.required and not any(names):
            return f"pick {'a column' if isinstance(value, str | None) else 'at least one column'} of the {_where(port)}"
        if not isinstance(schema, TableSchema):
            return None
        seen: set[str] = set()
        for name in filter(None, names):
            if schema.lacks(name):
                return missing_column(name, schema, port)
            if name not in schema:
                continue
            if name in seen:
                return f"column '{name}' is listed twice; list each column once"
            seen.add(name)
            kind = schema.kind(name)
            if schema.exact and not kind_fits(kind, self.kinds):
                return f"column '{name}' is {kind}, but this parameter needs a {' or '.join(self.kinds)} column"
        return None


def missing_column(name: str, schema: TableSchema, port: str | None) -> str:
    """`column 'x' is not in the input table (did you mean `y`?); its columns are: ...`."""
    names = schema.names
    if not names:
        return f"column '{name}' is not in the {_where(port)}, which has no columns"
    shown = ", ".join(f"'{n}'" for n in names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"column '{name}' is not in the {_where(port)}{did_you_mean(name, names)}; its columns are: {shown}{more}"


def _where(port: str | None) -> str:
    return "input table" if port in (None, "table") else f"'{port}' table"


@dataclass(frozen=True, slots=True)
class FilePath(ParamWidget):
    """The parameter is a path to a file.

    Before the node is called the path is resolved against the workflow's folder and must lie in
    a granted folder (`access.py`); a "write" path must also be a plain data file. With mode
    "read" the file's fingerprint (path, size, modification time) joins the node's cache key, so
    an edited file re-runs the node and its downstream.
    """

    mode: Literal["read", "write"] = "read"
    extensions: tuple[str, ...] = ()

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """A path that cannot name a file (a folder, a device, a name too long) is a problem."""
        problem = path_problem(value, context.folder) if isinstance(value, str) and value else None
        return [(context.param.name, problem)] if problem else []

    def resolve(self, value: Any, place: CallPlace, param: str) -> str:
        """The absolute path, checked against the granted folders (`AccessDenied` names the fix),
        a write target checked as a data file, and the extension against `extensions`."""
        folders = granted_folders_now(place.folder, place.grants)
        path = check_access(value, place.folder, folders, param=param, mode=self.mode)
        if self.mode == "write":
            check_write_target(path, place.workflow_file, param=param)
        if self.extensions and not path.name.lower().endswith(tuple(e.lower() for e in self.extensions)):
            raise NodeError(f"'{value}' is not a {' or '.join(self.extensions)} file", param=param)
        return str(path)

    def fingerprint(self, value: Any) -> str | None:
        """`path|size|mtime_ns` of a file read, or `path|missing` (the node then fails clearly)."""
        if self.mode != "read":
            return None
        try:
            info = os.stat(value)
        except OSError:
            return f"{Path(value)}|missing"
        return f"{Path(value)}|{info.st_size}|{info.st_mtime_ns}"


@dataclass(frozen=True, slots=True)
class Secret(ParamWidget):
    """The parameter holds a secret: shown masked, never written into a workflow file."""

    saved: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class FormatChoice(ParamWidget):
    """The `str` parameter names a registered source connector (a file format) by id, or "auto"
    for the one matching the file's extension. The app offers the installed formats: for `mode`
    "write" only those that can write, and only those producing `port_type` (None: any). Like
    a plain `str` parameter it accepts any text; the node reports an unknown format when it runs.
    """

    mode: Literal["read", "write"] = "read"
    port_type: str | None = "table"
