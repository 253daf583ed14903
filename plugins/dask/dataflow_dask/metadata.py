"""Python 3.11: undo the `importlib_metadata` backport's patch of the standard library.

On Python < 3.12 Dask imports the `importlib_metadata` backport, and importing it deletes
`find_distributions` from the standard `PathFinder` ("give the backport primacy ... by
monkey-patching the stdlib", its `_compat.disable_stdlib_finder`) and appends its own finder.
From then on the standard library's `entry_points()` returns the backport's `EntryPoint`
objects, and the kernel's plugin loader, which tells an entry point from a plugin object with
`isinstance(source, importlib.metadata.EntryPoint)`, registers each entry point object itself:
every plugin reports "loaded" and contributes nothing. Measured here: `load_registry()` found 62
nodes before `import distributed` and 0 after, in the engine's process and in every Dask worker
(whose nodes then find no file format).

`restore_stdlib_finder` puts the standard method back, as Python 3.12+ has it (Dask uses the
standard library there): standard distributions come first again, for the standard library and
for the backport alike. The real fix is a kernel that recognises an entry point by what it has
(`load`, `group`), not by its class; until then every process that imports Dask through this
plugin calls it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
from types import ModuleType


def _standard_find_distributions(*args, **kwargs):
    """What Python 3.11's `PathFinder.find_distributions` does."""
    return importlib.metadata.MetadataPathFinder.find_distributions(*args, **kwargs)


def restore_stdlib_finder() -> None:
    """Give `PathFinder` its `find_distributions` back when the backport removed it."""
    finder = importlib.machinery.PathFinder
    if not hasattr(finder, "find_distributions"):
        finder.find_distributions = staticmethod(_standard_find_distributions)


def import_distributed() -> ModuleType:
    """`import distributed`, then `restore_stdlib_finder()`."""
    import distributed

    restore_stdlib_finder()
    return distributed
