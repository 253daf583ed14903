"""The one door from the app to the kernel: every kernel name the UI uses, and nothing else.

Every other module of `ui/` imports kernel things from here (`from .kernel_api import Workflow`),
never from `dataflow.kernel` (`tests/ui/test_kernel_api.py` fails when one does). So this file
is the whole list of what the app needs from the kernel, and a change to the kernel's API shows
up here first. The groups, in the order a session meets them:

- **Plugins**: load the installed plugins into a `Registry`; collect the app's own hook
  (`register_viewers`, declared in `hookspecs.py`).
- **Workflows**: the workflow model and its file (load, save, from the canvas's dict), and its
  workflow parameters (declared, bound with `{"$param": NAME}`, which bindings fit).
- **Node specs and parameter kinds**: what a node declares, and the parameter annotations the
  properties form draws a widget for (the SDK's widgets, and its `TableSchema` for pickers).
- **Checking**: compile a workflow against the registry (`WorkflowError` lists every
  `Problem`), the node types no plugin provides, and the schema pass's report.
- **Running**: the engine, a run's events, results and per-node plan, stopping a run, a
  cached node's entry (its outputs), and calling one node on a value (`call_node`: the output
  panel's Profile view runs the installed `transform.profile` node on the table it shows).
- **Errors and folders**: the kernel's root error; the cache and private folders (never granted).
- **Installing packs**: pip's dry run and the install itself, for the Plugins page (they live
  with the command line, `dataflow.cli.install`, and come through here all the same).
- **Version history**: the versions a save keeps beside a workflow file, and what changed
  between two versions (with the command line too: `dataflow.cli.versions`, `.workflow_diff`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from dataflow.cli.install import InstallPlan, apply_install, plan_install  # the only install import
from dataflow.cli.report import build_report, chosen
from dataflow.cli.script import export_script
from dataflow.cli.versions import Version, find_version, list_versions, read_version, save_keeping_history
from dataflow.cli.workflow_diff import diff_workflows
from dataflow.kernel import (
    BIND,
    PARAM_NAME,
    PARAM_TYPES,
    CacheEntry,
    CancelToken,
    DataflowError,
    Edge,
    Engine,
    Graph,
    NodeInstance,
    NodePlan,
    NodeResult,
    NodeSpec,
    ParamSpec,
    Problem,
    Registry,
    RunEvent,
    RunResult,
    SchemaReport,
    Workflow,
    WorkflowError,
    binding_misfit,
    cache_dir,
    call_node,
    compile_workflow,
    is_binding,
    load_registry,
    load_workflow,
    missing_node_types,
    private_dir,
    workflow_from_dict,
)
from dataflow.kernel import declared_param as _declared_param
from dataflow.kernel.components import NAME as COMPONENT_NAME
from dataflow.kernel.components import component_folders as component_folder_list
from dataflow.kernel.components import component_spec, components_in, find_component, read_component
from dataflow.kernel.loops import LOOP, loop_node_spec
from dataflow.kernel.plugins import collect_contributions
from dataflow.kernel.tempfiles import sweep, temp_sibling
from dataflow.sdk.sources import format_choices
from dataflow.sdk.tableschema import TableSchema
from dataflow.sdk.widgets import Column, FilePath, FormatChoice, Secret

#: the form field a workflow parameter of these types gets (the kernel checks its value as text)
WORKFLOW_PARAM_WIDGETS = {"column": Column, "path": FilePath}


def declared_param(name: str, declaration: Any) -> ParamSpec:
    """The spec of a workflow parameter's declaration (`ValueError` says what is wrong), with the
    picker of a column or path parameter."""
    spec = _declared_param(name, declaration)
    widget = WORKFLOW_PARAM_WIDGETS.get(declaration.get("type"))
    return dataclasses.replace(spec, widget=widget()) if widget else spec

__all__ = [
    # plugins
    "Registry", "collect_contributions", "load_registry",
    # workflows
    "Edge", "NodeInstance", "Workflow", "load_workflow", "workflow_from_dict",
    "BIND", "PARAM_NAME", "PARAM_TYPES", "binding_misfit", "declared_param", "is_binding",
    # node specs and parameter kinds
    "Column", "FilePath", "FormatChoice", "NodeSpec", "ParamSpec", "Secret", "TableSchema",
    # components: workflows used as nodes (`component.<name>`)
    "COMPONENT_NAME", "component_folder_list", "component_spec", "components_in", "find_component", "read_component",
    "format_choices",
    # loops: a node run once per file, group or value (`"loop"` in the node)
    "LOOP", "loop_node_spec",
    # checking
    "Graph", "Problem", "SchemaReport", "WorkflowError", "compile_workflow", "missing_node_types",
    # running
    "CacheEntry", "CancelToken", "Engine", "NodePlan", "NodeResult", "RunEvent", "RunResult", "call_node",
    # errors and folders
    "DataflowError", "cache_dir", "private_dir", "sweep", "temp_sibling",
    # installing packs
    "InstallPlan", "apply_install", "plan_install",
    # version history
    "Version", "diff_workflows", "find_version", "list_versions", "read_version", "save_keeping_history",
    # one-file reports (`dataflow report`, `dataflow.cli.report`)
    "build_report", "chosen",
    # export to a plain Python script (`dataflow export`, `dataflow.cli.script`)
    "export_script",
]
