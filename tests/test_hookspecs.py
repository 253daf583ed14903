"""The hookspecs modules are the plugin contract: every hook documented as pytest documents its hooks
(each argument with its type, what the return means, an example), and every hook used."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator

from dataflow.kernel import CacheTier, Executor, Serializer, SourceConnector, Workflow, hookspecs
from dataflow.kernel.registry import EVENT_HOOKS, KINDS
from dataflow.ui import hookspecs as ui_hookspecs

HOOKS = [name for name, fn in vars(hookspecs).items()
         if inspect.isfunction(fn) and hasattr(fn, "dataflow_spec")]
UI_HOOKS = [name for name, fn in vars(ui_hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, "dataflow_spec")]
#: what the hookspecs modules import only for type checkers, so that their annotations resolve here
TYPE_CHECKING_NAMES = {"CacheTier": CacheTier, "Executor": Executor, "Serializer": Serializer,
                       "SourceConnector": SourceConnector, "Workflow": Workflow, "DeltaGenerator": DeltaGenerator}


def test_every_hook_has_a_docstring_with_an_example():
    assert len(HOOKS) >= 10 and UI_HOOKS == ["register_viewers"]
    for module, names in ((hookspecs, HOOKS), (ui_hookspecs, UI_HOOKS)):
        for name in names:
            doc = inspect.getdoc(getattr(module, name)) or ""
            assert "@hookimpl" in doc and f"def {name}(" in doc, f"hook {name} lacks an example"


@pytest.mark.parametrize("module, name", [(hookspecs, n) for n in HOOKS]
                         + [(ui_hookspecs, n) for n in UI_HOOKS])
def test_every_argument_is_typed_and_documented_and_so_is_the_return(module, name):
    fn = getattr(module, name)
    doc = inspect.getdoc(fn) or ""
    hints = typing.get_type_hints(fn, vars(module) | TYPE_CHECKING_NAMES)
    documented = " ".join(line.split(":")[1] for line in doc.splitlines() if line.startswith(":param "))
    for argument in inspect.signature(fn).parameters:
        assert hints.get(argument, typing.Any) is not typing.Any, f"{name}({argument}) is typed Any"
        assert argument in documented.replace(",", " ").split(), f"{name} does not document {argument}"
    assert ":returns:" in doc and ("ignored" in doc or "firstresult" in doc), f"{name}: what does a return mean?"
    assert not fn.dataflow_spec.get("firstresult") or "firstresult" in doc


def test_every_kernel_hook_is_called_by_the_kernel():
    called = {f"register_{kind}" for kind in KINDS} | set(EVENT_HOOKS)
    assert set(HOOKS) == called


def test_every_hook_is_implemented_somewhere_in_the_tests_or_the_builtin_plugins():
    root = Path(__file__).resolve().parents[1]
    sources = "\n".join(p.read_text() for folder in (root / "tests", root / "plugins")
                        for p in folder.rglob("*.py"))
    missing = [name for name in HOOKS + UI_HOOKS if f"def {name}(" not in sources]
    assert missing == []
