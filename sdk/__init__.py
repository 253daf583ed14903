"""Everything a node author imports: `from dataflow.sdk import node, hookimpl, Table, Help, ...`.

from typing import Annotated, Literal
from dataflow.sdk import Bounds, Help, Table, hookimpl, node

@node(category="Transform/Rows", version=1)
def top_rows(table: Table, *, n: Annotated[int, Bounds(1, 10_000), Help("How many rows")] = 5) -> Table:
    \"\"\"Keep the first n rows.\"\"\"
    return table.head(n)

@hookimpl
def register_nodes(register):
    register(top_rows)

`estimator`, `estimators`, `EstimatorSpec` and `ModelChoice` belong to the sklearn plugin
(`dataflow_sklearn`) and are handed on from it; without dataflow-sklearn installed, importing
them raises an ImportError that says so.
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from dataflow.kernel.cache import CacheEntry, CacheSettings, CacheTier
from dataflow.kernel.context import progress, warn
from dataflow.kernel.errors import (
    CacheError,
    Cancelled,
    NodeDefinitionError,
    NodeError,
    OutputTypeError,
    did_you_mean,
)
from dataflow.kernel.executor import Done, Executor, Handle, NodeOutcome, NodeTask, run_task
from dataflow.kernel.hookspecs import hookimpl, hookspec
from dataflow.kernel.serializer import Serializer, check_output
from dataflow.kernel.sources import SourceConnector
from dataflow.kernel.spec import (
    ARRAY,
    FIGURE,
    METRICS,
    MODEL,
    PARAMS,
    SERIES,
    TABLE,
    Bounds,
    Help,
    Label,
    NodeSpec,
    PortType,
    Step,
)
from dataflow.kernel.steps import cached_step
from dataflow.kernel.tempfiles import process_alive, temp_sibling
from dataflow.kernel.widgets import ChosenVersion, ParamContext, ParamWidget

from .contributions import contributions
from .declare import node, spec_of
from .export import Code, NodeCode
from .files import files_fingerprint, matching_files, private_folder
from .formula import Formula, FormulaError, check_formula, evaluate_formula, formula_kind
from .formula.code import formula_code
from .schemas import column_kind, schema_differences, schema_of
from .sources import connector_for, connectors
from .tableschema import KINDS, ColumnSchema, TableSchema
from .testing import check_node, check_schema, run_node, using_plugins
from .widgets import Column, FilePath, FormatChoice, Secret

if TYPE_CHECKING:  # type checkers see the real classes; at run time they are port markers
    import numpy
    import pandas

    Table = pandas.DataFrame
    Series = pandas.Series
    Array = numpy.ndarray
    Model = object
    Metrics = dict
    Params = dict
    Figure = object
else:
    Table, Series, Model, Metrics, Params, Array, Figure = (
        TABLE,
        SERIES,
        MODEL,
        METRICS,
        PARAMS,
        ARRAY,
        FIGURE,
    )

__all__ = [
    "Array",
    "Bounds",
    "CacheEntry",
    "CacheError",
    "CacheSettings",
    "CacheTier",
    "Cancelled",
    "Code",
    "Column",
    "ColumnSchema",
    "KINDS",
    "TableSchema",
    "check_schema",
    "column_kind",
    "formula_kind",
    "formula_code",
    "schema_differences",
    "schema_of",
    "Executor",
    "Figure",
    "FilePath",
    "FormatChoice",
    "Formula",
    "FormulaError",
    "Handle",
    "Help",
    "Label",
    "Metrics",
    "Model",
    "NodeDefinitionError",
    "NodeCode",
    "NodeError",
    "NodeOutcome",
    "OutputTypeError",
    "check_output",
    "NodeSpec",
    "NodeTask",
    "ParamContext",
    "Params",
    "ParamWidget",
    "PortType",
    "Secret",
    "Serializer",
    "Series",
    "SourceConnector",
    "Step",
    "Table",
    "cached_step",
    "check_node",
    "ChosenVersion",
    "contributions",
    "connector_for",
    "connectors",
    "did_you_mean",
    "files_fingerprint",
    "matching_files",
    "private_folder",
    "process_alive",
    "temp_sibling",
    "check_formula",
    "evaluate_formula",
    "hookimpl",
    "hookspec",
    "node",
    "progress",
    "run_node",
    "spec_of",
    "warn",
    "run_task",
    "using_plugins",
    "Done",
]

#: public names the sklearn plugin provides: name -> its module in `dataflow_sklearn`
_FROM_SKLEARN = {"estimator": "registered", "estimators": "registered", "EstimatorSpec": "registered",
                 "ModelChoice": "choice"}
if importlib.util.find_spec("dataflow_sklearn") is not None:  # listed (for `import *`) only when they can load
    __all__ += list(_FROM_SKLEARN)


def __getattr__(name: str) -> Any:
    """`estimator`, `estimators`, `EstimatorSpec` and `ModelChoice`, handed on from the sklearn plugin."""
    module = _FROM_SKLEARN.get(name)
    if module is None:
        raise AttributeError(f"module 'dataflow.sdk' has no attribute '{name}'")
    try:
        found = importlib.import_module(f"dataflow_sklearn.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("dataflow_sklearn", f"dataflow_sklearn.{module}"):
            raise
        raise ImportError(f"dataflow.sdk.{name} comes from DataFlow's sklearn plugin, which is not installed: "
                          "`pip install dataflow-sklearn` (a pack that adds models should depend on it and "
                          f"import {name} from dataflow_sklearn)", name=name) from None
    return getattr(found, name)
