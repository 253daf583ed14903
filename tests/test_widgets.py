"""A parameter's widget carries its own checks and cache-key part: the kernel calls any widget,
a pack's included, the same way, and knows none by name beyond its own."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any

import pytest

from dataflow.kernel import Engine, WorkflowError, compile_workflow, load_registry, workflow_from_dict
from dataflow.kernel.spec import NodeSpec, ParamSpec, PortSpec
from dataflow.sdk import ChosenVersion, Help, Params, ParamWidget, hookimpl, node

#: the "registered items" the Tier widget picks from, and their versions
TIERS = {"gold": "1", "silver": "1"}


@dataclass(frozen=True, slots=True)
class Tier(ParamWidget):
    """Picks a tier; its version is part of the cache key."""

    def check(self, value: Any, context: Any) -> list[tuple[str, str]]:
        if value in TIERS:
            return []
        return [(context.param.name, f"no tier '{value}'{context.spell(value, TIERS, 'tiers')}")]

    def chosen_version(self, value: Any, context: Any) -> ChosenVersion:
        return ChosenVersion("tier", value, TIERS[value])


@node(type_id="tiers.price")
def price(*, tier: Annotated[str, Tier(), Help("Which tier")] = "gold") -> Params:
    """A price list for the tier."""
    return {"tier": tier}


def _plain(*, x: int = 1) -> dict:
    return {"x": x}


PLAIN = NodeSpec(fn=_plain, name="plain", category="Test", label="Plain", version=1, description="Built by hand.",
                 help="", inputs=(), outputs=(PortSpec("params", Params),), params=(ParamSpec("x", "int", 1),),
                 multi_output=False, type_id="tiers.plain")


@hookimpl
def register_nodes(register):
    register(price)
    register(PLAIN)


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setitem(TIERS, "gold", "1")
    return load_registry(extra=[("tiers", types.SimpleNamespace(__name__="tiers", register_nodes=register_nodes))])


def _flow(tier: str):
    return workflow_from_dict({"version": "0.1.0", "nodes": [
        {"id": "p", "type": "tiers.price", "params": {"tier": tier}}, {"id": "q", "type": "tiers.plain"}]})


def test_a_packs_widget_check_is_a_validation_problem_naming_node_and_parameter(registry):
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(_flow("golf"), registry)
    (problem,) = caught.value.problems
    assert (problem.node, problem.param, problem.code) == ("p", "tier", "bad_param")
    assert "node 'p', parameter 'tier' (str): no tier 'golf' (did you mean `gold`?)" in problem.message


def test_a_new_version_of_the_chosen_item_reruns_the_node_saying_so(registry, tmp_path):
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        assert engine.run(compile_workflow(_flow("gold"), registry)).nodes["p"].status == "computed"
        assert engine.plan(compile_workflow(_flow("gold"), registry))["p"].cached
        TIERS["gold"] = "2"
        plan = engine.plan(compile_workflow(_flow("gold"), registry))
        assert not plan["p"].cached and plan["p"].reason == "tier version changed"
        assert plan["q"].cached  # nothing else depends on it
        plan = engine.plan(compile_workflow(_flow("silver"), registry))["p"]
        assert plan.reason == "parameter tier changed"


def test_a_spec_built_without_the_sdk_has_no_code_print_and_runs(registry, tmp_path):
    assert PLAIN.code_fingerprint == "" and price.__dataflow_node__.code_fingerprint != ""
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        result = engine.run(compile_workflow(_flow("gold"), registry))
    assert result.nodes["q"].status == "computed"


def test_widgets_describe_themselves_for_the_app_as_before(registry):
    described = {p["name"]: p["widget"] for spec in registry.nodes.values() for p in spec.to_dict()["params"]
                 if spec.type_id in ("sklearn.train_classifier", "transform.filter", "io.read_file")}
    assert described["model"] == {"kind": "modelchoice", "model_kind": "classifier", "hyperparameters": "hyperparameters"}
    assert described["target"] == {"kind": "column", "port": "table", "kinds": [], "required": True}
    assert described["formula"] == {"kind": "formula"}
    assert described["path"] == {"kind": "filepath", "mode": "read", "extensions": []}
    assert described["format"] == {"kind": "formatchoice", "mode": "read", "port_type": "table"}
