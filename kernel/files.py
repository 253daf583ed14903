"""Reading and writing DataFlow's own files safely: strict JSON, bounded reads, atomic writes.

Parsing refuses what Python's `json` would quietly accept: NaN and Infinity, numbers that
overflow, duplicate keys, lone surrogate escapes, nesting deeper than `MAX_DEPTH`, files over
`MAX_BYTES`. Reading refuses anything but a regular file without reading it (a FIFO would wait
forever, `/dev/zero` never ends). Writing replaces a file atomically: a crash leaves the old file
or the new one, never half.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from .errors import Problem, WorkflowError
from .tempfiles import temp_sibling

MAX_BYTES = 50 << 20
MAX_DEPTH = 64


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return result


def depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when no container nests deeper than `limit` (walked level by level, containers only)."""
    containers = (dict, list)
    level = [value] if type(value) in containers else []
    for _ in range(limit):
        if not level:
            return True
        below = []
        for item in level:
            values = item.values() if type(item) is dict else item
            below.extend(v for v in values if type(v) in containers)
        level = below
    return not level


def parse_json_strict(text: str | bytes, source: str = "workflow", *, check_depth: bool = True) -> Any:
    """Parse JSON the strict way; raise WorkflowError with line and column on any problem.

    `check_depth=False` leaves the nesting limit to the caller (a workflow checks only its
    free-form parts: parameters, meta and extra keys; its own structure is shallow by shape)."""
    if len(text) > MAX_BYTES:
        raise WorkflowError([Problem("too_large", f"{source} is larger than {MAX_BYTES >> 20} MB")], source)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WorkflowError([Problem("encoding", f"{source} is not UTF-8 text (byte {exc.start})")],
                                source) from None
    try:
        data = json.loads(text, parse_constant=_no_constants, parse_float=_finite_float,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise WorkflowError([Problem("json", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")],
                            source) from None
    except ValueError as exc:
        raise WorkflowError([Problem("json", f"invalid JSON: {exc}")], source) from None
    except RecursionError:
        raise WorkflowError([Problem("json", "the JSON is nested too deeply")], source) from None
    if check_depth and not depth_ok(data):
        raise WorkflowError([Problem("json", f"the JSON is nested deeper than {MAX_DEPTH} levels")], source)
    if _SURROGATE_ESCAPE.search(text):  # only an escape can put a lone surrogate into the data
        where = _lone_surrogate(data)
        if where is not None:
            raise WorkflowError([Problem("encoding", f"the text at {where} holds a lone surrogate escape "
                                         "(\\ud800-\\udfff without its pair), which is not valid Unicode; "
                                         "remove it")], source)
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(data: Any) -> str | None:
    """Where in `data` a key or text holds a lone surrogate (`nodes[2].label`), or None."""
    stack: list[tuple[Any, str]] = [(data, "the top level")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return f"a key of {where}"
                stack.append((item, key if where == "the top level" else f"{where}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None


def read_regular_file(path: Path, what: str = "workflow file") -> bytes:
    """At most `MAX_BYTES` of a regular file; `WorkflowError`s naming the path for anything else
    (missing, a folder, a FIFO, a device or a link to one: refused without reading)."""
    source = str(path)

    def invalid(code: str, message: str) -> WorkflowError:
        return WorkflowError([Problem(code, message)], source)

    try:
        # non-blocking: opening a FIFO for reading would otherwise wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise invalid("not_found", f"{what} not found: {source}") from None
    except IsADirectoryError:
        raise invalid("not_found", f"{source} is a folder, not a {what}") from None
    except PermissionError:
        raise invalid("not_found", f"no permission to read {source}") from None
    except (OSError, ValueError) as exc:  # a symlink loop, a name too long, a NUL byte
        raise invalid("not_found", f"cannot open {source}: {getattr(exc, 'strerror', None) or exc}") from None
    info = os.fstat(fd)
    mode = info.st_mode
    if stat.S_ISREG(mode) and info.st_size > MAX_BYTES:
        os.close(fd)
        raise invalid("too_large", f"{source} is {info.st_size >> 20} MB; the limit is {MAX_BYTES >> 20} MB")
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise invalid("not_found", f"{source} is a folder, not a {what}")
        raise invalid("not_a_file", f"{source} is {_special_kind(mode)}, not a {what}; "
                                    "give the path of a .json file")
    with os.fdopen(fd, "rb") as handle:
        try:
            text = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise invalid("not_found", f"cannot read {source}: {exc.strerror or exc}") from None
    if len(text) > MAX_BYTES:
        raise invalid("too_large", f"{source} grew beyond {MAX_BYTES >> 20} MB while being read")
    return text


def _special_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, briefly, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write(path: Path, data: bytes, *, durable: bool = True, mode: int | None = None) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, never half.

    `durable=False` skips the fsync, for files that are only a convenience (run history). The file
    keeps the mode of the file it replaces; a new one gets `mode`, else what the umask allows
    (0644 usually: workflow files are meant to be shared), not the temporary file's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    temp = temp_sibling(path)  # a killed writer's leftover goes at the next save
    try:
        os.chmod(temp, mode)
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
