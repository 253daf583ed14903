"""The DataFlow microkernel: plugins, specs, workflows, graph, engine, cache and serializer interfaces.

No pandas and no Streamlit here: everything that knows about data comes from plugins. The CLI
and the app use this public API:

    registry = load_registry()
    workflow = load_workflow("workflows/iris.json")
    graph = compile_workflow(workflow, registry)          # raises WorkflowError listing every problem
    with Engine.open(registry) as engine:
        result = engine.run(graph, listener=print)
"""

from .cache import CacheEntry, CacheSettings, CacheTier, TieredCache
from .engine import CancelToken, Engine, NodePlan, NodeResult, RunEvent, RunResult
from .errors import (
    CacheError,
    DataflowError,
    NodeDefinitionError,
    NodeError,
    NodeExecutionError,
    PluginLoadError,
    Problem,
    WorkflowError,
)
from .executor import Executor, NodeOutcome, NodeTask, call_node
from .graph import Graph, GraphNode
from .install import InstallError, InstallPlan, apply_install, plan_install
from .paths import cache_dir, private_dir
from .plugins import load_registry
from .registry import PluginRecord, Registry
from .schema import KINDS, ColumnSchema, TableSchema
from .schemapass import SchemaReport, infer_schemas
from .serializer import Serializer
from .sources import SourceConnector, format_choices
from .spec import (
    Column,
    FilePath,
    FormatChoice,
    NodeSpec,
    ParamSpec,
    ParamWidget,
    PortSpec,
    PortType,
    Secret,
)
from .validate import compile_workflow, missing_node_types
from .workflow import Edge, NodeInstance, Workflow, load_workflow, save_workflow, workflow_from_dict

__all__ = [
    "KINDS", "ColumnSchema", "SchemaReport", "TableSchema", "infer_schemas",
    "CacheEntry", "CacheError", "CacheSettings", "CacheTier", "CancelToken", "Column", "DataflowError", "Edge", "Engine",
    "Executor", "FilePath", "FormatChoice", "Graph", "GraphNode", "InstallError", "InstallPlan", "NodeDefinitionError", "NodeError", "NodeExecutionError", "NodeInstance",
    "NodeOutcome", "NodePlan", "NodeResult", "NodeSpec", "NodeTask", "ParamSpec", "ParamWidget", "PluginLoadError",
    "PluginRecord", "PortSpec", "PortType", "Problem", "Registry", "RunEvent", "RunResult", "Secret", "Serializer",
    "SourceConnector", "TieredCache", "Workflow", "WorkflowError", "apply_install", "cache_dir", "call_node", "compile_workflow",
    "format_choices", "load_registry", "load_workflow", "missing_node_types", "plan_install", "private_dir",
    "save_workflow", "workflow_from_dict",
]
