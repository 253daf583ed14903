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
  properties form draws a widget for.
- **Checking**: compile a workflow against the registry (`WorkflowError` lists every
  `Problem`), the node types no plugin provides, and the schema pass's report.
- **Running**: the engine, a run's events, results and per-node plan, stopping a run, and a
  cached node's entry (its outputs).
- **Errors and folders**: the kernel's root error; the cache and private folders (never granted).
- **Installing packs**: pip's dry run and the install itself, for the Plugins page (they live
  with the command line, `dataflow.cli.install`, and come through here all the same).
"""

from __future__ import annotations

from dataflow.cli.install import InstallPlan, apply_install, plan_install  # the only install import
from dataflow.kernel import (
    BIND,
    PARAM_NAME,
    PARAM_TYPES,
    CacheEntry,
    CancelToken,
    Column,
    DataflowError,
    Edge,
    Engine,
    FilePath,
    FormatChoice,
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
    Secret,
    Workflow,
    WorkflowError,
    binding_misfit,
    cache_dir,
    compile_workflow,
    declared_param,
    format_choices,
    is_binding,
    load_registry,
    load_workflow,
    missing_node_types,
    private_dir,
    save_workflow,
    workflow_from_dict,
)
from dataflow.kernel.plugins import collect_contributions
from dataflow.kernel.tempfiles import sweep, temp_sibling

__all__ = [
    # plugins
    "Registry", "collect_contributions", "load_registry",
    # workflows
    "Edge", "NodeInstance", "Workflow", "load_workflow", "save_workflow", "workflow_from_dict",
    "BIND", "PARAM_NAME", "PARAM_TYPES", "binding_misfit", "declared_param", "is_binding",
    # node specs and parameter kinds
    "Column", "FilePath", "FormatChoice", "NodeSpec", "ParamSpec", "Secret",
    "format_choices",
    # checking
    "Graph", "Problem", "SchemaReport", "WorkflowError", "compile_workflow", "missing_node_types",
    # running
    "CacheEntry", "CancelToken", "Engine", "NodePlan", "NodeResult", "RunEvent", "RunResult",
    # errors and folders
    "DataflowError", "cache_dir", "private_dir", "sweep", "temp_sibling",
    # installing packs
    "InstallPlan", "apply_install", "plan_install",
]
