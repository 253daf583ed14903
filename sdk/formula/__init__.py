"""Safe formulas over the columns of a table: `price * qty > 100 and region in ['north', 'east']`.

Formulas are typed by users and travel inside shared workflow files, so they are data, never
code. `eval`, `DataFrame.query`/`eval`, `pd.eval`, simpleeval and asteval were all shown to run
code or write files from a formula (recipes/safety.md), so this module is its own interpreter:

1. The text is scanned once: its length is bounded, backtick-quoted column names
   (`` `unit price` ``) become placeholder names, bracket depth is bounded and `@` references
   are refused. It is then parsed with `ast.parse(mode="eval")`, and the tree is sized
   (nodes, depth) before anything runs.
2. An interpreter walks the tree and knows a fixed set of node types: constants, column names,
   arithmetic, comparisons (`in` only with a literal list), boolean logic, `a if cond else b`
   and calls of the functions in `FUNCTIONS`. Anything else (attributes, subscripts, lambdas,
   comprehensions, keyword arguments, ...) is refused, so no Python object is reachable.
3. Every operation checks the kinds of its operands (number, text, true/false, date, None)
   before it runs: text is never repeated, powers and text growth are bounded. A check without
   data (`check_formula`) runs the same walk with unknown column values and no pandas, so the
   app can show errors while the user types.
4. With data, the same walk runs vectorised on pandas Series; a scalar result is broadcast.

Missing values: a comparison or `in` involving a missing value is False (also for `!=`);
`and`, `or`, `not`, `&`, `|`, `~` treat a missing condition as False; arithmetic and functions
propagate missing values as pandas does.
"""


from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataflow.kernel.widgets import ParamContext, ParamWidget

from ..tableschema import BOOLEAN, DATETIME, INTEGER, NUMBER, OTHER, TEXT, TableSchema
from .functions import FUNCTIONS, formula_functions
from .interpreter import _Interpreter
from .kinds import _UNKNOWN, ANY, BOOL, DATE, NUM, _series_kind, _Val
from .kinds import TEXT as _TEXT
from .text import FormulaError, _parse, _read, _Source

if TYPE_CHECKING:
    import pandas

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "check_formula", "evaluate_formula", "formula_functions", "formula_kind"]


# --- columns and the public API -----------------------------------------------------------

def _formula_name(column: str) -> str:
    """How to write a column in a formula: bare when it is a plain name, else in backticks."""
    return column if column.isidentifier() and column not in FUNCTIONS else f"`{column}`"


def _unknown_column(source: _Source, node: ast.Name, name: str, columns: list[str]) -> FormulaError:
    if name in FUNCTIONS and node.id == name:
        message = f"`{name}` is a function: call it with parentheses, e.g. {FUNCTIONS[name].signature}"
        return source.error(message, *source.span(node))
    lowered = {c.lower(): c for c in columns}
    close = [lowered[name.lower()]] if name.lower() in lowered else difflib.get_close_matches(name, columns, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    shown = ", ".join(_formula_name(c) for c in columns[:12])
    more = f" and {len(columns) - 12} more" if len(columns) > 12 else ""
    listing = f"; the columns are: {shown}{more}" if columns else "; the table has no columns"
    return source.error(f"unknown column `{name}`{hint}{listing}", *source.span(node))


def check_formula(text: str, columns: Iterable[str] | None = None) -> FormulaError | None:
    """Check a formula without data; return the first problem as a FormulaError, or None when fine.

    Checks syntax, the allowed constructs, the limits, the kinds of constants, and when `columns`
    is given that every name is one of them. Column types are unknown here, so a kind mistake that
    involves a column (`region * 2` with a text column) is found by `evaluate_formula`. Never
    imports pandas, so the app can call it on every keystroke.

        check_formula("price * 2 >", ["price"]).offset   # 10: the formula stops after `>`
    """
    try:
        source, tree = _parsed(text)
        known = None if columns is None else [c for c in columns if isinstance(c, str)]
        available = None if known is None else set(known)

        def lookup(node: ast.Name, name: str) -> _Val:
            if available is not None and name not in available:
                raise _unknown_column(source, node, name, known)
            return _Val(ANY, _UNKNOWN, False)

        _Interpreter(source, lookup).run(tree)
    except FormulaError as error:
        return error
    return None


def evaluate_formula(text: str, table: pandas.DataFrame, *, param: str | None = None) -> pandas.Series:
    """Evaluate a formula on a table, vectorised; return a Series aligned with the table's rows.

    A scalar result (`1 + 2`) is broadcast to every row. Every kind and limit is checked on the
    column types before any data is touched. Raises FormulaError (a NodeError: shown to the user
    without a traceback) for any problem; `param` names the node parameter in its message.

        evaluate_formula("price * qty", sales)             # a number per row
        evaluate_formula("`unit price` > 10 and region in ['north', 'east']", sales)
    """
    try:
        source, tree = _parsed(text)
        import pandas as pd

        names = [c for c in table.columns if isinstance(c, str)]
        available = set(names)
        columns: dict[str, _Val] = {}

        def column(node: ast.Name, name: str) -> _Val:
            if name not in columns:
                if name not in available:
                    raise _unknown_column(source, node, name, names)
                values = table[name]
                if isinstance(values, pd.DataFrame):
                    raise source.error(f"the table has {values.shape[1]} columns named `{name}`; rename them first",
                                       *source.span(node))
                if isinstance(values.dtype, pd.CategoricalDtype):
                    values = values.astype(values.cat.categories.dtype)
                columns[name] = _Val(_series_kind(values), values, False)
            return columns[name]

        def kind_only(node: ast.Name, name: str) -> _Val:
            return _Val(column(node, name).kind, _UNKNOWN, False)

        _Interpreter(source, kind_only).run(tree)
        result = _Interpreter(source, column, pd, table.index).run(tree)
    except FormulaError as error:
        raise (error.for_param(param) if param else error) from None
    if isinstance(result.value, pd.Series):
        return result.value
    return pd.Series(float("nan") if result.value is None else result.value, index=table.index)


#: a schema kind as the interpreter sees a column of it (a category column: unknown, as its values
#: may be numbers or text); and the interpreter's result kinds as schema kinds
_FROM_SCHEMA = {NUMBER: NUM, INTEGER: NUM, TEXT: _TEXT, BOOLEAN: BOOL, DATETIME: DATE}
_TO_SCHEMA = {NUM: NUMBER, _TEXT: TEXT, BOOL: BOOLEAN, DATE: DATETIME}


def _parsed(text: str) -> tuple[_Source, ast.expr]:
    """The scanned text and its checked tree: a workflow's formula is read once by validation, the
    schema pass and the run (the interpreter never changes a tree). FormulaErrors are not kept."""
    if not isinstance(text, str):
        _read(text)  # raises the FormulaError that says a formula must be text
    return _parsed_text(text)


@functools.lru_cache(maxsize=4096)
def _parsed_text(text: str) -> tuple[_Source, ast.expr]:
    source = _read(text)
    return source, _parse(source)


def formula_kind(text: str, schema: TableSchema) -> str:
    """The schema kind of a formula's result over a table of `schema`, without data: `number`,
    `text`, `boolean`, `datetime`, or `other` when it cannot be told. Raises FormulaError when a
    name is not a column of the schema or the kinds do not fit (`region * 2` on a text column).

        formula_kind("price * qty", TableSchema.of(("price", "number"), ("qty", "integer")))  # "number"
    """
    if not isinstance(text, str):
        _read(text)  # raises the FormulaError that says a formula must be text
    try:
        return _formula_kind(text, schema)
    except TypeError:  # a category value that cannot be hashed: work it out without the memo
        return _formula_kind.__wrapped__(text, schema)


@functools.lru_cache(maxsize=4096)
def _formula_kind(text: str, schema: TableSchema) -> str:
    source, tree = _parsed(text)
    names = schema.names

    def lookup(node: ast.Name, name: str) -> _Val:
        column = schema.get(name)
        if column is None:
            raise _unknown_column(source, node, name, names)
        kind = _FROM_SCHEMA.get(column.kind, ANY) if schema.exact else ANY
        return _Val(kind, _UNKNOWN, False)

    result = _Interpreter(source, lookup).run(tree)
    return _TO_SCHEMA.get(result.kind, OTHER)


@dataclass(frozen=True, slots=True)
class Formula(ParamWidget):
    """The parameter is a formula over column names, checked by the safe formula interpreter:
    its syntax when the workflow is compiled, its columns and kinds once the input's columns are known."""

    def check(self, value: Any, context: ParamContext) -> list[tuple[str, str]]:
        """What `compile_workflow` reports for a formula before any data exists."""
        error = check_formula(value) if isinstance(value, str) and value else None
        return [(context.param.name, str(error))] if error is not None else []

    def check_schema(self, value: Any, schema: Any) -> str | None:
        """What the schema pass reports for a formula over the first table input, once its columns are known."""
        if not isinstance(value, str) or not value.strip() or not isinstance(schema, TableSchema):
            return None
        try:
            formula_kind(value, schema)
        except FormulaError as error:
            return str(error)
        return None
