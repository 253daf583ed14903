"""The DataFlow microkernel: plugins, specs, workflows, graph, engine, cache and serializer interfaces.

No pandas and no Streamlit here: everything that knows about data comes from plugins. The
command line (`dataflow.cli`) and the app (`dataflow.ui`) use this public API:

    registry = load_registry()
    workflow = load_workflow("workflows/iris.json")
    graph = compile_workflow(workflow, registry)          # raises WorkflowError listing every problem
    with Engine.open(registry) as engine:
        result = engine.run(graph, listener=print)
"""

from .bindings import BIND, PARAM_NAME, PARAM_TYPES, binding_misfit, declared_param, is_binding
from .cache import CacheEntry, CacheSettings, CacheTier, TieredCache
from .cancel import CancelToken
from .components import component_folders, find_component, read_component
from .engine import Engine
from .errors import (
    CacheError,
    DataflowError,
    NodeDefinitionError,
    NodeError,
    Problem,
    WorkflowError,
)
from .executor import Done, Executor, Handle, NodeOutcome, NodeTask, call_node, run_task
from .graph import Graph, GraphNode
from .paths import cache_dir, private_dir
from .plugins import load_registry
from .registry import PluginRecord, Registry
from .results import NodePlan, NodeResult, RunEvent, RunResult
from .schemapass import SchemaReport, infer_schemas
from .serializer import Serializer
from .sources import SourceConnector
from .spec import NodeSpec, ParamSpec, ParamWidget, PortSpec, PortType
from .validate import compile_workflow, missing_node_types
from .widgets import CallPlace, resolve_params
from .workflow import Edge, NodeInstance, Workflow, load_workflow, save_workflow, workflow_from_dict

__all__ = [
    "BIND", "PARAM_NAME", "PARAM_TYPES", "binding_misfit", "declared_param", "is_binding",
    "SchemaReport", "infer_schemas", "CallPlace", "resolve_params",
    "CacheEntry", "CacheError", "CacheSettings", "CacheTier", "CancelToken", "DataflowError", "Done", "Edge",
    "Engine", "Executor", "Graph", "GraphNode", "Handle", "NodeDefinitionError", "NodeError",
    "NodeInstance", "NodeOutcome", "NodePlan", "NodeResult", "NodeSpec", "NodeTask", "ParamSpec", "ParamWidget",
    "run_task",
    "PluginRecord", "PortSpec", "PortType", "Problem", "Registry", "RunEvent", "RunResult", "Serializer",
    "SourceConnector", "TieredCache", "Workflow", "WorkflowError", "cache_dir", "call_node", "compile_workflow",
    "load_registry", "load_workflow", "missing_node_types", "private_dir",
    "save_workflow", "workflow_from_dict",
    # components: workflows used as nodes (`component.<name>`), for clients that look inside them
    "component_folders", "find_component", "read_component",
]
