"""Temporary files next to a target, named so that a later process can tell a dead writer's leftovers.

Every write that must never leave half a file (a workflow save, an exported output, a data file a
node writes) goes to a temporary file in the target's folder, which then replaces the target in
one `os.replace`. A kill -9 between the two leaves that temporary file behind (a killed 1 GB CSV
write left 760 MB). Its name, `.<target name>.<pid>-<random>.tmp<suffix>`, carries the writer's
process id: the next write of the same target, so the next run at the latest, removes every such
sibling whose process is gone, before it starts its own. A live writer's file is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path


def temp_sibling(path: Path, suffix: str = ".tmp") -> Path:
    """Create an empty temporary file (mode 0600) next to `path` and return its path, after removing
    the leftovers of writers of `path` that died. `suffix` ends the name (keep the target's
    extension there for writers that infer a format or compression from it)."""
    path = Path(path)
    sweep(path)
    while True:
        temp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return temp


def sweep(path: Path, *, every_target: bool = False) -> int:
    """Remove the temporary siblings of `path` left by processes that no longer run; return how many.
    `every_target`: those of any file in `path`'s folder (a folder whose files are each written
    once, such as a history of versions, where no later write of the same name would sweep them)."""
    path = Path(path)
    name = r".+" if every_target else re.escape(path.name)
    pattern = re.compile(rf"\.{name}\.(\d+)-[0-9a-f]{{8}}\..*")
    removed = 0
    try:
        names = [e.name for e in os.scandir(path.parent) if e.name.startswith("." if every_target else f".{path.name}.")]
    except OSError:
        return 0
    for name in names:
        match = pattern.fullmatch(name)
        if match and not process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)
                removed += 1
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one of another user counts as running):
    what tells a dead writer's leftovers from a live writer's files."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
