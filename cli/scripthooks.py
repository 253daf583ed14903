"""The hook of `dataflow export`: the plain Python code a plugin gives for its node types.

Like the app's hooks (`dataflow.ui.hookspecs`), this belongs to a client, not to the kernel: the
root distribution declares this module in the entry-point group `dataflow.hookspecs`, so a pack
that implements `register_exporters` is never reported as misspelt. It imports nothing but pluggy and
`NodeCode`/`Code`, which live in the SDK (`dataflow.sdk.export`) so that plugins can build them.

An exporter receives a `NodeCode` (the node's parameters as Python literals, its inputs as the
script's variable names, the variable names to assign its outputs to) and returns the lines of
plain Python (pandas, scikit-learn, Plotly) that compute them, plus the imports they need. A node
type with no exporter is exported as a call into its plugin's own function, and the script's
header says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from dataflow.sdk.export import Code, Exporter, NodeCode

__all__ = ["Code", "Exporter", "NodeCode", "register_exporters"]

hookspec = pluggy.HookspecMarker("dataflow")


@hookspec
def register_exporters(register: Callable[[str, Exporter], None]) -> None:
    """Contribute plain Python code for node types, used by `dataflow export W.json -o script.py`.

    :param register: call `register(type_id, exporter)` once per node type; `exporter(node)`
    receives a `NodeCode` and returns a `Code` (statements assigning `node.outputs`' variables, and
    the imports they need), or None for the plugin's function to be called instead. Use
    `node.literals`, never text built from `node.params`, so that a value from the workflow file
    only ever reaches the script as a Python literal. An output the code gives as a plain stand-in
    for what the node gives (the sklearn plugin's trained model as a dict) is named in
    `Code.plain_outputs`; a consumer's exporter sees it in `node.plain_inputs` and returns None
    unless it reads it, and a consumer that is a call makes the producer a call too.

    :returns: nothing (ignored). Not `firstresult`: every plugin's implementation is called.

        def top_rows_code(node):
            table = node.inputs["table"]
            return Code([f"{node.outputs['table']} = {table}.head({node.literals['n']})"])

        @hookimpl
        def register_exporters(register):
            register("mypack.top_rows", top_rows_code)
    """
