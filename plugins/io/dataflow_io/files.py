"""Checks every reader runs before opening a file, and the atomic write every writer goes through.

Reading: the path must name an existing, non-empty regular file no larger than the size limit
(`DATAFLOW_MAX_FILE_MB`, default 2048), all decided from one `os.stat`, before a byte is read.
Writing: the data goes to a temporary file in the target's folder, which then replaces the
target with `os.replace` (atomic on one file system), so a failed write leaves no half file.
Which folders may be read or written is decided by the engine (granted folders), not here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from dataflow.sdk import NodeError, temp_sibling

LIMIT_VARIABLE = "DATAFLOW_MAX_FILE_MB"
DEFAULT_LIMIT_MB = 2048.0
_MB = 1024 * 1024


def max_file_mb() -> float:
    """The size limit for one file in MB, from `DATAFLOW_MAX_FILE_MB` (default 2048)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise NodeError(f"the environment variable {LIMIT_VARIABLE}={text!r} is not a positive number of MB; "
                        f"set it to e.g. {LIMIT_VARIABLE}=4096 or unset it (default {DEFAULT_LIMIT_MB:g})")
    return value


def check_readable(path: str | Path, *, param: str = "path") -> Path:
    """`path` as a Path once it is known to be a non-empty regular file under the size limit."""
    if not str(path).strip():
        raise NodeError("no file chosen; pick the file to read", param=param)
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise NodeError(f"file not found: {path}; check the name and folder", param=param) from None
    except OSError as exc:
        raise NodeError(f"cannot open {path}: {exc.strerror or exc}", param=param) from None
    if stat.S_ISDIR(info.st_mode):
        raise NodeError(f"{path} is a folder, not a file; pick a file inside it", param=param)
    limit = max_file_mb()
    if info.st_size > limit * _MB:
        raise NodeError(f"'{path.name}' is {_size(info.st_size)}, over the {limit:g} MB limit for one file; "
                        f"raise the limit with the environment variable {LIMIT_VARIABLE} "
                        f"(e.g. {LIMIT_VARIABLE}={max(2 * limit, info.st_size / _MB * 2):.0f})", param=param)
    if not stat.S_ISREG(info.st_mode):
        raise NodeError(f"{path} is not a regular file (a device, pipe or socket); pick a data file", param=param)
    if info.st_size == 0:
        raise NodeError(f"'{path.name}' is empty (0 bytes); pick a file that holds data", param=param)
    return path


def _size(count: int) -> str:
    return f"{count / _MB:,.1f} MB" if count >= _MB / 10 else f"{count / 1024:,.1f} KB"


def check_writable(path: str | Path, *, param: str = "path") -> Path:
    """`path` as a Path once its folder exists and it is a data file name: not a folder, not a dotfile,
    not an existing executable or non-regular file (the engine checks these too, for every writer)."""
    if not str(path).strip():
        raise NodeError("no file chosen; type the name of the file to write", param=param)
    path = Path(path)
    if path.is_dir():
        raise NodeError(f"{path} is a folder; add a file name, e.g. {path / 'result.csv'}", param=param)
    if path.name.startswith("."):
        raise NodeError(f"'{path.name}' is a hidden file (its name starts with a dot); choose a name such as "
                        "result.csv", param=param)
    if path.exists() and (not path.is_file() or os.stat(path).st_mode & 0o111):
        raise NodeError(f"{path} is an executable or special file; data is never written over it: choose another "
                        "name", param=param)
    if not path.parent.is_dir():
        raise NodeError(f"the folder {path.parent} does not exist; create it first or pick another folder "
                        "(writers never create folders)", param=param)
    return path


def atomic_write(path: Path, write: Callable[[Path], None], *, param: str = "path") -> None:
    """Call `write(temporary_path)`, then move the result onto `path` in one step.

    The temporary file keeps the target's extension, so writers that infer compression from it
    (`.csv.gz`) behave the same. On any failure the temporary file is removed and `path` is
    left as it was.
    """
    path = check_writable(path, param=param)
    try:
        temporary = temp_sibling(path, f".tmp{path.suffix}")  # removes what a killed write left
    except OSError as exc:
        raise NodeError(f"cannot write into {path.parent}: {exc.strerror or exc}", param=param) from None
    try:
        write(temporary)
        os.chmod(temporary, _target_mode(path))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _target_mode(path: Path) -> int:
    """The mode a plainly created file would get (mkstemp makes 0600): keep an existing file's mode,
    never an execute bit (a data file is never a program)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    return mode & ~0o111


def _umask() -> int:
    try:  # Linux exposes it without the process-wide set-and-restore dance of os.umask
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
