"""Where DataFlow keeps its own files (file parameters: see access.py).

The cache folder is per user and private (mode 0700): `DATAFLOW_CACHE_DIR`, else
`$XDG_CACHE_HOME/dataflow`, else `~/.cache/dataflow`. Nothing in it is ever shared or exported.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The private cache folder, created with mode 0700 when missing."""
    configured = os.environ.get("DATAFLOW_CACHE_DIR")
    if configured:
        path = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "dataflow"
    return private_dir(path)


def private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if needed and tighten its mode if it is readable by others."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path
