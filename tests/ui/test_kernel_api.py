"""The app reaches the kernel through one door, `ui/kernel_api.py`: no other UI module imports
`dataflow.kernel` (or the command line's package), and the door lets through only names the UI uses."""

from __future__ import annotations

import ast
from pathlib import Path

from dataflow.ui import kernel_api

UI = Path(__file__).resolve().parents[2] / "ui"
FACADE = UI / "kernel_api.py"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the file, at any depth (functions, TYPE_CHECKING)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
    return found


def _reaches_the_kernel(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in ("dataflow.kernel", "dataflow.cli"))


def test_no_ui_module_but_the_facade_imports_the_kernel():
    modules = sorted(UI.rglob("*.py"))
    assert FACADE in modules and len(modules) > 20
    offenders = [f"{path.relative_to(UI)}:{line} imports {module}" for path in modules if path != FACADE
                 for line, module in _imported_modules(path) if _reaches_the_kernel(module)]
    assert offenders == [], "import these through ui/kernel_api.py instead:\n" + "\n".join(offenders)


def test_the_facade_exports_only_names_some_ui_module_uses():
    sources = "\n".join(p.read_text() for p in UI.rglob("*.py") if p != FACADE)
    unused = [name for name in kernel_api.__all__ if name not in sources]
    assert unused == []
    assert sorted(kernel_api.__all__) == sorted(set(kernel_api.__all__))
