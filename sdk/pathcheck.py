"""Is the text of a file parameter a path at all? Checked when a workflow is validated.

A path that no file could ever have (a NUL character, a name longer than the file system
allows, `~someone` for a user this computer does not know) or that the file system refuses to
follow (a loop of symbolic links, a file used as a folder) is a validation problem naming the
node and the parameter, found before anything runs, never a traceback. A file that merely does
not exist yet is fine here: a source reports it when it runs, and a writer creates it.

Only the one path is examined (`os.stat` and `os.path.realpath` on it); no folder is listed.
Whether the path lies in a granted folder is `access.py`'s business, at run time.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

#: the longest file name (one path component) and path, in bytes, on Linux and macOS file systems
NAME_MAX, PATH_MAX = 255, 4096


def path_problem(value: str, base: Path | None) -> str | None:
    """Why `value` (relative to `base`, the workflow's folder) cannot name a file, or None."""
    if "\x00" in value:
        return "the path contains a NUL character, which no file name can hold"
    expanded = os.path.expanduser(value)
    if expanded.startswith("~"):
        user = value[1:].split("/", 1)[0]
        return (f"'~{user}' names a user this computer does not know" if user
                else "'~' cannot be expanded: the home folder is unknown")
    try:
        encoded = os.fsencode(expanded)
    except UnicodeEncodeError:
        return "the path contains characters that cannot be part of a file name"
    long_name = next((part for part in encoded.split(b"/") if len(part) > NAME_MAX), None)
    if long_name is not None:
        shown = os.fsdecode(long_name[:24])
        return f"the name '{shown}...' is {len(long_name)} bytes long; a file name may have at most {NAME_MAX}"
    path = Path(expanded)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    if len(os.fsencode(path)) >= PATH_MAX:
        return f"the path is {len(os.fsencode(path))} bytes long; the longest path this system opens is {PATH_MAX - 1}"
    try:
        os.stat(path)
    except FileNotFoundError:
        pass
    except NotADirectoryError:
        return f"part of the path is a file, not a folder ({_first_file(path)})"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "the path goes round a loop of symbolic links"
        if exc.errno == errno.ENAMETOOLONG:
            return "the path is too long for this system"
        return None  # no permission, say: the node reports it when it runs
    return None


def _first_file(path: Path) -> str:
    """The first part of `path` that exists and is not a folder."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return str(parent)
    return str(path)
