"""A formula as plain pandas code, for `dataflow export`: built from the parsed tree, never from the text.

`formula_code(text, table)` walks the same checked tree the interpreter runs and writes each
construct as the pandas expression the interpreter computes, with its rules for missing values
spelt out (a comparison with a missing value is False, also for `!=`; `and`/`or`/`not` treat a
missing condition as False). Column names and constants reach the code through `repr` only.

Only constructs whose pandas form gives exactly the interpreter's result are translated:
column names, numbers, texts and True/False; `+ - * /` and unary minus; one comparison
(`== != < <= > >=`) with a column on at least one side; `in`/`not in` a list, with a column on the
left; `and`, `or`, `not`, `&`, `|`, `~` over conditions; `a if cond else b`; and the functions
`isnull`, `notnull` and `abs` of a column or an expression over columns. Anything else (chained comparisons, powers, `//`, `%`,
the other functions, None) gives None: the exported script then calls the node itself.
The interpreter reads a category column as its values (the categories' type): the caller writes
that conversion of the columns returned, before the expression (the transform plugin's exporters do).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

#: the comparisons written as themselves
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class _Untranslatable(Exception):
    """This construct has no exact plain pandas form here."""


@dataclass(frozen=True, slots=True)
class _Expr:
    code: str
    series: bool  # a Series over the table's rows (else a Python scalar)
    condition: bool = False  # a plain bool Series with missing values already False
    column: bool = False  # a column of the table, as it is


def formula_code(text: str, table: str) -> tuple[str, bool, list[str]] | None:
    """`(expression, is_condition, columns)`: the formula as a pandas expression (pandas as `pd`) over
    the DataFrame held by the variable `table`, giving a Series aligned with its rows; `is_condition` is True when that
    Series is a plain bool mask; `columns` are the columns it reads, in order (the interpreter reads
    a category column as its values: convert those in `table` first). None when the formula does not
    check or uses a construct that is not translated (the caller then falls back to running the node).

        formula_code("quantity * unit_price", "sales")
        # ("sales['quantity'] * sales['unit_price']", False, ["quantity", "unit_price"])
    """
    from . import _parsed, check_formula

    if not isinstance(text, str) or check_formula(text) is not None:
        return None
    source, tree = _parsed(text)
    writer = _Writer(source, table)
    try:
        result = writer.run(tree)
    except (_Untranslatable, RecursionError):
        return None
    if not result.series:
        return None  # a constant formula: rare, and its broadcast dtype is the interpreter's business
    return _bare(result.code), result.condition, list(dict.fromkeys(writer.columns))


def _bare(code: str) -> str:
    return code[1:-1] if code.startswith("(") and code.endswith(")") and _balanced(code[1:-1]) else code


def _balanced(code: str) -> bool:
    depth = 0
    for char in code:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


class _Writer:
    def __init__(self, source: object, table: str) -> None:
        self.source = source
        self.table = table
        self.columns: list[str] = []

    def run(self, node: ast.AST) -> _Expr:
        handler = getattr(self, f"_{type(node).__name__.lower()}", None)
        if handler is None:
            raise _Untranslatable(type(node).__name__)
        return handler(node)

    def _constant(self, node: ast.Constant) -> _Expr:
        if isinstance(node.value, (bool, int, float, str)) and not (
                isinstance(node.value, int) and not -(2 ** 63) <= node.value < 2 ** 63):
            return _Expr(repr(node.value), False)
        raise _Untranslatable("constant")

    def _name(self, node: ast.Name) -> _Expr:
        aliases = self.source.aliases  # type: ignore[attr-defined]
        if node.id in aliases:
            name = aliases[node.id]
        else:
            start, end = self.source.span(node)  # type: ignore[attr-defined]
            if self.source.text[start:end] != node.id:  # type: ignore[attr-defined]
                raise _Untranslatable("look-alike name")
            name = node.id
        self.columns.append(name)
        return _Expr(f"{self.table}[{name!r}]", True, column=True)

    def _binop(self, node: ast.BinOp) -> _Expr:
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return self._logic([node.left, node.right], "&" if isinstance(node.op, ast.BitAnd) else "|")
        symbol = _ARITHMETIC.get(type(node.op))
        if symbol is None:
            raise _Untranslatable("operator")
        left, right = self.run(node.left), self.run(node.right)
        if not (left.series or right.series) or left.condition or right.condition:
            raise _Untranslatable("constant arithmetic or arithmetic on conditions")
        return _Expr(f"({left.code} {symbol} {right.code})", True)

    def _unaryop(self, node: ast.UnaryOp) -> _Expr:
        if isinstance(node.op, (ast.Not, ast.Invert)):
            operand = self._condition(node.operand)
            return _Expr(f"~{operand.code}", True, condition=True)
        operand = self.run(node.operand)
        if isinstance(node.op, ast.USub) and operand.series and not operand.condition:
            return _Expr(f"(-{operand.code})", True)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
            return _Expr(f"({-node.operand.value!r})", False)
        raise _Untranslatable("unary operator")

    def _boolop(self, node: ast.BoolOp) -> _Expr:
        return self._logic(node.values, "&" if isinstance(node.op, ast.And) else "|")

    def _logic(self, operands: list[ast.expr], symbol: str) -> _Expr:
        parts = [self._condition(sub) for sub in operands]
        return _Expr("(" + f" {symbol} ".join(p.code for p in parts) + ")", True, condition=True)

    def _condition(self, node: ast.AST) -> _Expr:
        """A condition as a plain bool Series (a missing value is False), as the interpreter's `_as_bool`."""
        value = self.run(node)
        if value.condition:
            return value
        if value.column:
            return _Expr(f"{value.code}.fillna(False).astype(bool)", True, condition=True)
        raise _Untranslatable("condition")

    def _compare(self, node: ast.Compare) -> _Expr:
        if len(node.ops) != 1:
            raise _Untranslatable("chained comparison")
        op, right_node = node.ops[0], node.comparators[0]
        left = self.run(node.left)
        if isinstance(op, (ast.In, ast.NotIn)):
            return self._membership(left, right_node, isinstance(op, ast.NotIn))
        symbol = _COMPARE.get(type(op))
        right = self.run(right_node)
        if symbol is None or not (left.series or right.series):
            raise _Untranslatable("comparison")
        # the interpreter: the comparison as a plain bool, False wherever either side is missing
        masks = "".join(f" & {side.code}.notna()" for side in (left, right) if side.series)
        return _Expr(f"(({left.code} {symbol} {right.code}){masks}).astype(bool)", True, condition=True)

    def _membership(self, left: _Expr, values: ast.expr, negate: bool) -> _Expr:
        if not left.series or not isinstance(values, (ast.List, ast.Tuple)):
            raise _Untranslatable("membership")
        items = [self._fixed(elt) for elt in values.elts]
        listed = repr(items)
        if any(isinstance(item, str) for item in items):  # on a date column, texts are read as dates
            listed = (f"([pd.Timestamp(v, tz={left.code}.dt.tz) for v in {listed}] "
                      f"if pd.api.types.is_datetime64_any_dtype({left.code}.dtype) else {listed})")
        test = f"{left.code}.isin({listed})"
        return _Expr(f"({'~' if negate else ''}{test} & {left.code}.notna())", True, condition=True)

    def _fixed(self, node: ast.expr) -> object:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._fixed(node.operand)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner if isinstance(node.op, ast.USub) else inner
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            return node.value
        raise _Untranslatable("list item")

    def _ifexp(self, node: ast.IfExp) -> _Expr:
        cond = self._condition(node.test)
        yes, no = self.run(node.body), self.run(node.orelse)
        if yes.series:
            return _Expr(f"{yes.code}.where({cond.code}, {no.code})", True, condition=yes.condition and no.condition)
        if no.series:
            return _Expr(f"{no.code}.where(~{cond.code}, {yes.code})", True, condition=yes.condition and no.condition)
        raise _Untranslatable("if-else of two constants")

    def _call(self, node: ast.Call) -> _Expr:
        if not isinstance(node.func, ast.Name) or node.keywords or len(node.args) != 1:
            raise _Untranslatable("call")
        method = {"isnull": "isna", "notnull": "notna", "abs": "abs"}.get(node.func.id)
        if method is None or node.func.id in self.source.aliases:  # type: ignore[attr-defined]
            raise _Untranslatable("function")
        arg = self.run(node.args[0])
        if not arg.series:
            raise _Untranslatable("function of a constant")
        return _Expr(f"{arg.code}.{method}()", True, condition=method != "abs")
