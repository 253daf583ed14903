"""The hookspecs module is the plugin contract: every hook documented with an example, and every hook used."""

from __future__ import annotations

import inspect
from pathlib import Path

from dataflow.kernel import hookspecs
from dataflow.kernel.registry import EVENT_HOOKS, KINDS

HOOKS = [name for name, fn in vars(hookspecs).items()
         if inspect.isfunction(fn) and hasattr(fn, "dataflow_spec")]


def test_every_hook_has_a_docstring_with_an_example():
    assert len(HOOKS) >= 11
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "@hookimpl" in doc and f"def {name}(" in doc, f"hook {name} lacks an example"


def test_every_hook_is_called_by_the_kernel():
    called = {f"register_{kind}" for kind in KINDS} | set(EVENT_HOOKS)
    assert set(HOOKS) == called


def test_every_hook_is_implemented_somewhere_in_the_tests_or_the_builtin_plugins():
    root = Path(__file__).resolve().parents[1]
    sources = "\n".join(p.read_text() for folder in (root / "tests", root / "plugins")
                        for p in folder.rglob("*.py"))
    missing = [name for name in HOOKS if f"def {name}(" not in sources]
    assert missing == []
