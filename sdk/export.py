"""What a plugin's exporter works with (`register_exporters`, used by `dataflow export`).

An exporter receives a `NodeCode` (the node's parameters as Python literals, its inputs as the
exported script's variable names, the variable names to assign its outputs to) and returns a `Code`:
the lines of plain Python (pandas, scikit-learn, Plotly) that compute them, and the imports they
need; or None for the script to call the plugin's own function instead. Both live in the SDK so
that a plugin, which imports DataFlow only through `dataflow.sdk`, can build them.

    from dataflow.sdk import Code, hookimpl

    def top_rows_code(node):
        return Code([f"{node.outputs['table']} = {node.inputs['table']}.head({node.literals['n']})"])

    @hookimpl
    def register_exporters(register):
        register("mypack.top_rows", top_rows_code)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class NodeCode:
    """One node, as the exported script sees it.

    `params` are the node's parameter values (JSON data, defaults filled in), `literals` the same as
    Python source (`"'iris'"`, or a constant's name for a value bound to a workflow parameter);
    `inputs` maps each connected input port to the variable holding its value; `outputs` maps each
    output port to the variable the code must assign. `plain_inputs` names the input ports whose
    variable holds a producer's plain stand-in (`Code.plain_outputs`) instead of what its node gives;
    `context["sources"]` maps each input port to the type id of the node that feeds it, and
    `context["source_params"]` to that node's parameter values."""

    node_id: str
    type_id: str
    params: dict[str, Any]
    literals: dict[str, str]
    inputs: dict[str, str]
    outputs: dict[str, str]
    #: extra facts an exporter may need (the workflow's folder for relative paths, say)
    context: dict[str, Any] = field(default_factory=dict)
    #: input ports fed a plain stand-in (a producer's `Code.plain_outputs`): decline (None) unless the code reads it
    plain_inputs: frozenset[str] = frozenset()

    def bound(self, param: str) -> bool:
        """True when the parameter is bound to a workflow parameter (its literal is a constant's name):
        code that depends on the value itself (a formula, a column list) should then return None."""
        return self.literals[param] != repr(self.params[param])


@dataclass(frozen=True, slots=True)
class Code:
    """What an exporter returns: statements (no indentation) and the imports they need.

    `plain_outputs` names the output ports whose variable holds a plain stand-in for what the node
    gives (the sklearn plugin's plain training code assigns a dict holding the fitted estimator, its
    features and target, not the plugin's model object). Only an exporter that declares it reads
    such a value (it gets the port in `NodeCode.plain_inputs` and returns code) may consume it: a
    consumer that is a call into its plugin makes the script call this node's function too."""

    lines: list[str]
    imports: list[str] = field(default_factory=list)
    plain_outputs: tuple[str, ...] = ()


#: `exporter(node) -> Code`, or None to fall back to calling the plugin's function
Exporter = Callable[[NodeCode], "Code | None"]
