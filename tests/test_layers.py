"""The import rules of the layout (DESIGN.md, "The shape"), read from the code's own imports.

- The kernel imports no pandas, Streamlit or other data library, and nothing of the SDK, the
  app, the command line or any plugin: they are its clients.
- A plugin imports DataFlow only through the public SDK (`dataflow.sdk`).
- The SDK never imports the app or the command line.
- No kernel module is over 400 lines (issue 17: a kernel read in an afternoon).

Each rule is checked over every module's `import` and `from ... import` statements, those inside
functions and `if TYPE_CHECKING:` blocks included, so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_LIBRARIES = ("pandas", "numpy", "pyarrow", "streamlit", "sklearn", "plotly", "joblib", "duckdb", "polars")


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `path`; relative imports resolved."""
    package = ".".join(["dataflow", *path.relative_to(root).parent.parts])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return sorted(found)


def breaks(files: list[Path], forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """`file:line imports module` for every import of a forbidden module or its submodules."""
    return [f"{path.relative_to(root)}:{line} imports {module}"
            for path in files for line, module in imports_of(path, root)
            if any(module == f or module.startswith(f + ".") for f in forbidden)]


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "build" not in p.parts)


def test_the_kernel_imports_none_of_its_clients_and_no_data_library():
    plugin_packages = tuple(sorted({p.name for p in ROOT.glob("plugins/*/dataflow_*")}))
    forbidden = ("dataflow.sdk", "dataflow.ui", "dataflow.cli", *plugin_packages, *DATA_LIBRARIES)
    assert breaks(python_files("kernel"), forbidden) == []


@pytest.mark.parametrize("plugin", sorted(p.name for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists()))
def test_a_plugin_imports_dataflow_only_through_the_sdk(plugin):
    files = [p for p in python_files(f"plugins/{plugin}") if "tests" not in p.relative_to(ROOT).parts]
    assert files, f"no code found for plugin {plugin}"
    assert breaks(files, ("dataflow.kernel", "dataflow.ui", "dataflow.cli")) == []


def test_the_sdk_imports_neither_the_app_nor_the_command_line():
    assert breaks(python_files("sdk"), ("dataflow.ui", "dataflow.cli")) == []


MAX_KERNEL_MODULE_LINES = 400


def test_no_kernel_module_is_over_400_lines():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in python_files("kernel")}
    assert sizes, "no kernel module found"
    assert {path: n for path, n in sizes.items() if n > MAX_KERNEL_MODULE_LINES} == {}


def test_the_checks_see_a_broken_rule(tmp_path):
    """The rule checker itself: a lazy import inside a function and a relative one are both seen."""
    module = tmp_path / "kernel" / "probe.py"
    module.parent.mkdir()
    module.write_text("def late():\n    import pandas.io\n\nfrom ..sdk import node\nfrom . import keys\n",
                      encoding="utf-8")
    assert breaks([module], ("pandas", "dataflow.sdk"), tmp_path) == [
        "kernel/probe.py:2 imports pandas.io", "kernel/probe.py:4 imports dataflow.sdk"]
