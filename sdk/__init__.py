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
"""

from typing import TYPE_CHECKING

from dataflow.kernel.cache import CacheEntry, CacheSettings, CacheTier
from dataflow.kernel.context import progress, warn
from dataflow.kernel.errors import CacheError, Cancelled, NodeDefinitionError, NodeError, did_you_mean
from dataflow.kernel.estimators import EstimatorSpec
from dataflow.kernel.executor import Executor, NodeOutcome, NodeTask
from dataflow.kernel.hookspecs import hookimpl
from dataflow.kernel.schema import KINDS, ColumnSchema, TableSchema
from dataflow.kernel.serializer import Serializer
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
    Column,
    FilePath,
    FormatChoice,
    Formula,
    Help,
    Label,
    ModelChoice,
    NodeSpec,
    PortType,
    Secret,
    Step,
)
from dataflow.kernel.steps import cached_step
from dataflow.kernel.tempfiles import process_alive, temp_sibling

from .decorator import node, spec_of
from .estimators import estimator, estimators
from .files import files_fingerprint, matching_files, private_folder
from .formula import FormulaError, check_formula, evaluate_formula, formula_kind
from .schemas import column_kind, schema_differences, schema_of
from .sources import connector_for, connectors
from .testing import check_node, check_schema, run_node

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
    "Column",
    "ColumnSchema",
    "KINDS",
    "TableSchema",
    "check_schema",
    "column_kind",
    "formula_kind",
    "schema_differences",
    "schema_of",
    "Executor",
    "Figure",
    "FilePath",
    "FormatChoice",
    "Formula",
    "FormulaError",
    "Help",
    "Label",
    "Metrics",
    "Model",
    "ModelChoice",
    "NodeDefinitionError",
    "NodeError",
    "NodeOutcome",
    "NodeSpec",
    "NodeTask",
    "Params",
    "PortType",
    "Secret",
    "Serializer",
    "Series",
    "SourceConnector",
    "Step",
    "Table",
    "cached_step",
    "check_node",
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
    "estimator",
    "estimators",
    "EstimatorSpec",
    "hookimpl",
    "node",
    "progress",
    "run_node",
    "spec_of",
    "warn",
]
