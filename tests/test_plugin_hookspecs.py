"""A plugin may add hooks of its own domain: the kernel gives its `hookspecs` to pluggy's
`add_hookspecs` and collects the kinds it declares like its own, with the same isolation."""

from __future__ import annotations

import types

from dataflow.kernel import load_registry
from dataflow.sdk import hookimpl, hookspec


def _check_shape(plugin: str, obj: object) -> tuple[str, object]:
    if not isinstance(obj, str):
        raise TypeError(f"register_shapes expects a shape name, got {obj!r}")
    return f"{plugin}.{obj}", obj


def _specs(name: str, contributions: dict | None = None, **hooks) -> types.ModuleType:
    """A hookspecs module as a plugin ships it: `@hookspec` functions and `CONTRIBUTIONS`."""
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookspec(fn))
    module.CONTRIBUTIONS = contributions or {}
    return module


def register_shapes(register):
    """Contribute shapes: `register(name)`."""


def register_nodes(register):
    """Nodes again."""


ShapeSpecs = _specs("shapes_hookspecs", {"shapes": _check_shape}, register_shapes=register_shapes)


def _plugin(name: str, **hooks) -> types.SimpleNamespace:
    return types.SimpleNamespace(__name__=name, **hooks)


def _owner() -> types.SimpleNamespace:
    @hookimpl
    def register_shapes(register):
        register("circle")

    return _plugin("shapes", hookspecs=ShapeSpecs, register_shapes=register_shapes)


def _contributor(name: str, *shapes: str) -> types.SimpleNamespace:
    @hookimpl
    def register_shapes(register):
        for shape in shapes:
            register(shape)

    return _plugin(name, register_shapes=register_shapes)


def test_a_hook_a_plugin_adds_collects_every_plugins_contributions_whatever_the_load_order():
    registry = load_registry(use_entry_points=False,
                             extra=[("apack", _contributor("apack", "square")), ("shapes", _owner())])
    assert registry.contributions("shapes") == {"apack.square": "square", "shapes.circle": "circle"}
    assert registry.plugins["apack"].contributions == {"shapes": ["apack.square"]}
    assert registry.plugins["apack"].problems == [] and registry.plugins["apack"].ok


def test_a_contribution_the_owners_check_refuses_fails_only_the_plugin_that_gave_it():
    bad = _contributor("bad", 42)
    registry = load_registry(use_entry_points=False, extra=[("shapes", _owner()), ("bad", bad)])
    assert registry.plugins["bad"].status == "failed"
    assert "in register_shapes: TypeError: register_shapes expects a shape name, got 42" in registry.plugins["bad"].error
    assert registry.contributions("shapes") == {"shapes.circle": "circle"}


def test_without_the_plugin_that_adds_a_hook_its_implementations_are_reported_never_called():
    registry = load_registry(use_entry_points=False, extra=[("shapes", _owner()), ("apack", _contributor("apack", "x"))],
                             block={"shapes"})
    assert registry.contributions("shapes") == {}
    (problem,) = registry.plugins["apack"].problems
    assert "hook 'register_shapes' is declared by no hookspec of DataFlow or of a loaded plugin" in problem


def test_a_plugin_that_redeclares_a_kernel_hook_or_kind_fails_alone():
    clash = _specs("clash_hookspecs", register_nodes=register_nodes)
    kind_clash = _specs("kindclash_hookspecs", {"nodes": _check_shape}, register_node_shapes=register_shapes)
    registry = load_registry(use_entry_points=False, extra=[
        ("clash", _plugin("clash", hookspecs=clash)), ("kindclash", _plugin("kindclash", hookspecs=kind_clash)),
        ("shapes", _owner())])
    assert registry.plugins["clash"].status == "failed" and "in its hookspecs" in registry.plugins["clash"].error
    assert registry.plugins["kindclash"].status == "failed"
    assert "the contribution kind 'nodes' is already declared by the kernel" in registry.plugins["kindclash"].error
    assert registry.plugins["shapes"].ok and registry.contributions("shapes") == {"shapes.circle": "circle"}


def test_the_sklearn_plugin_owns_register_estimators():
    from dataflow.kernel import hookspecs

    registry = load_registry()
    assert not hasattr(hookspecs, "register_estimators")
    assert registry.added_kinds["estimators"][0] == "sklearn"
    assert "sklearn.ridge" in registry.contributions("estimators")
