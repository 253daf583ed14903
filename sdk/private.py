"""DataFlow's private folder, for a node that needs a place of its own (`private_folder("sql")`).

A SQL engine's spill files or a plugin's settings file (database connections, say) belong there:
the folder is per user, mode 0700, never shared or exported, and no data-folder grant includes
it, so a workflow can neither read nor write what a plugin keeps in it.
"""

from __future__ import annotations

from pathlib import Path

from dataflow.kernel.paths import cache_dir, private_dir


def private_folder(name: str) -> Path:
    """`<DataFlow's private folder>/plugins/<name>`, created with mode 0700 when missing."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"a private folder's name is one plain word, got {name!r}")
    return private_dir(cache_dir() / "plugins" / name)
