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
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dataflow.kernel.context import warn
from dataflow.kernel.errors import NodeError

if TYPE_CHECKING:
    import pandas

__all__ = ["FUNCTIONS", "FormulaError", "check_formula", "evaluate_formula", "formula_functions"]

MAX_LENGTH = 1000       # characters of formula text
MAX_NODES = 200         # values and operations in the parsed formula
MAX_DEPTH = 100         # nesting of the parsed formula (a + b + c nests one level per +)
MAX_BRACKETS = 30       # nesting of ( [ {
MAX_EXPONENT = 64       # |exponent| of **
MAX_INT_BITS = 4096     # a power of whole numbers larger than this is refused, not computed
MAX_TEXT_GROWTH = 50    # how many times longer than its inputs a text result may become
MAX_DIGITS = 15         # round(x, digits)

NUM, TEXT, BOOL, DATE, NONE, ANY = "number", "text", "true/false", "date", "None", "any"
_KNOWN_KINDS = (NUM, TEXT, BOOL, DATE)
_UNKNOWN = object()     # the value of a column when checking without data


class FormulaError(NodeError):
    """A formula that cannot run: bad syntax, a refused construct, an unknown column, a type mistake.

    `offset` is the 0-based character offset of the offending part in the formula text (None
    when the whole formula is at fault) and `snippet` is that part, so an editor can underline it.
    """

    def __init__(self, message: str, *, offset: int | None = None, snippet: str | None = None,
                 param: str | None = None):
        self.message = message
        self.offset = offset
        self.snippet = snippet
        super().__init__(message, param=param)

    def for_param(self, param: str) -> FormulaError:
        """The same error, attributed to a node parameter (`parameter 'formula': ...`)."""
        return FormulaError(self.message, offset=self.offset, snippet=self.snippet, param=param)


# --- reading the text ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Source:
    """The formula as typed (`text`) and as parsed (`code`, with backtick names replaced).

    `positions[i]` is the offset in `text` of character `i` of `code` (one extra entry for the end).
    """

    text: str
    code: str
    aliases: dict[str, str]
    positions: tuple[int, ...]
    line_starts: tuple[int, ...]

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The (start, end) offsets of `node` in the typed text."""
        return self.original(node.lineno, node.col_offset), self.original(node.end_lineno, node.end_col_offset)

    def original(self, lineno: int | None, byte_col: int | None) -> int:
        """Map an ast position (line, UTF-8 byte column in `code`) to an offset in `text`."""
        if lineno is None or byte_col is None:
            return 0
        start = self.line_starts[min(lineno, len(self.line_starts)) - 1]
        line = self.code[start:].split("\n", 1)[0]
        chars = len(line.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
        return self.positions[min(start + chars, len(self.code))]

    def error(self, message: str, start: int | None, end: int | None = None) -> FormulaError:
        """A FormulaError pointing at text[start:end]."""
        if start is None:
            return FormulaError(message)
        end = max(end if end is not None else start + 1, start + 1)
        snippet = self.text[start:end]
        if len(snippet) > 60:
            snippet = snippet[:57] + "..."
        return FormulaError(f"{message} (at character {start + 1}: `{snippet}`)", offset=start, snippet=snippet)


def _read(text: str) -> _Source:
    """Scan the text: replace backtick names, bound bracket depth, refuse `@`; raise FormulaError."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}. "
                           "Split the work into several steps", offset=MAX_LENGTH, snippet=text[MAX_LENGTH:][:20])
    if not text.strip():
        raise FormulaError("the formula is empty")
    prefix = "_col"
    while prefix in text:  # placeholders can then never equal a name the user typed
        prefix += "_"
    code: list[str] = []
    positions: list[int] = []
    aliases: dict[str, str] = {}
    probe = _Source(text, text, {}, tuple(range(len(text) + 1)), (0,))
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = _string_end(text, i)
            code.append(text[i:end])
            positions.extend(range(i, end))
            i = end
            continue
        if ch == "`":
            close = text.find("`", i + 1)
            name = text[i + 1:close] if close != -1 else ""
            if close == -1 or "\n" in name:
                raise probe.error("this backtick is never closed; write a column name as `unit price`", i)
            if not name.strip():
                raise probe.error("empty column name between backticks", i, close + 1)
            placeholder = f"{prefix}{len(aliases)}"
            aliases[placeholder] = name
            code.append(placeholder)
            positions.extend([i] * len(placeholder))
            i = close + 1
            continue
        if ch == "@":
            raise probe.error("`@` references are not allowed: a formula can only use the table's columns", i)
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKETS:
                raise probe.error(f"brackets are nested more than {MAX_BRACKETS} deep", i)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch in "\r\n":  # a formula typed over several lines: line breaks are spaces
            ch = " "
        code.append(ch)
        positions.append(i)
        i += 1
    positions.append(n)
    joined = "".join(code)
    starts = [0] + [k + 1 for k, c in enumerate(joined) if c == "\n"]
    return _Source(text, joined, aliases, tuple(positions), tuple(starts))


def _string_end(text: str, start: int) -> int:
    """The offset just past the string literal opening at `start` (the text's end if unclosed)."""
    quote = text[start] * 3 if text.startswith(text[start] * 3, start) else text[start]
    i = start + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(quote, i):
            return i + len(quote)
        elif text[i] == "\n" and len(quote) == 1:
            return i
        else:
            i += 1
    return len(text)


def _parse(source: _Source) -> ast.expr:
    """Parse and size the formula; raise FormulaError pointing at the problem."""
    try:
        tree = ast.parse(source.code, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(source, exc) from None
    except (ValueError, RecursionError, MemoryError):  # null bytes; a parser stack overflow
        raise FormulaError("the formula cannot be read: it contains a null character or is nested too deeply") from None
    count, depth, stack = 0, 0, [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)):
            continue
        count += 1
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    if count > MAX_NODES:
        raise FormulaError(f"the formula has {count} parts; the limit is {MAX_NODES}. Split it into several steps")
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula nests {depth} levels deep; the limit is {MAX_DEPTH}")
    return tree.body


def _syntax_error(source: _Source, exc: SyntaxError) -> FormulaError:
    code = source.code
    if not exc.offset:  # Python reports errors at the end of the input without a position
        at = len(code.rstrip()) - 1
        return source.error("syntax error: the formula stops too early; something is missing at the end",
                            source.positions[max(at, 0)])
    line = max(exc.lineno or 1, 1)
    at = min(source.line_starts[min(line, len(source.line_starts)) - 1] + exc.offset - 1, len(code) - 1)
    message = f"syntax error: {exc.msg}"
    before = code[:at].rstrip()
    if before and (before[-1].isalnum() or before[-1] == "_") and (code[at].isalnum() or code[at] == "_"):
        message += "; write a column name with spaces in backticks: `unit price`"
    elif code[at] == "=" and code[at:at + 2] != "==":
        message += "; compare with == (a single = is not allowed)"
    return source.error(message, source.positions[at])


# --- values and kinds ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Val:
    """A value during evaluation: its kind, its value (scalar, Series or _UNKNOWN), whether it is
    one value for all rows, and for text how many times longer than its inputs it may be."""

    kind: str
    value: Any
    scalar: bool
    growth: float = 1.0

    @property
    def known(self) -> bool:
        return self.value is not _UNKNOWN


def _describe(kind: str) -> str:
    return {NUM: "a number", TEXT: "text", BOOL: "a true/false value", DATE: "a date", NONE: "None",
            ANY: "a column"}.get(kind, f"a value of type {kind}")


_HINTS = {
    BOOL: "; turn it into 0/1 with int(...)",
    DATE: "; take a part of it with year(), month(), day(), weekday() or hour()",
    NONE: "; to test for missing values use isnull(x), to replace them fillna(x, value)",
    TEXT: "; if it holds numbers, convert it with float(...)",
}


def _common(*kinds: str) -> str | None:
    """The kind shared by values that must agree (None is compatible with all); None if they clash."""
    found = {k for k in kinds if k not in (NONE, ANY)}
    if len(found) > 1:
        return None
    if found:
        return found.pop()
    return ANY if ANY in kinds else NONE


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _as_bool(series: Any) -> Any:
    """A plain bool Series: missing conditions become False."""
    if str(series.dtype) == "bool":
        return series
    return series.fillna(False).astype(bool)


def _series_kind(series: Any) -> str:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return BOOL
    if pd.api.types.is_numeric_dtype(dtype):
        return NUM
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATE
    if pd.api.types.is_string_dtype(dtype) or str(dtype) == "object":
        return TEXT
    return str(dtype)


def _literal_kind(value: bool | int | float | str) -> str:
    """The kind of a fixed value in `x in [...]`."""
    if isinstance(value, bool):
        return BOOL
    return NUM if isinstance(value, (int, float)) else TEXT


# --- the function table -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Function:
    """A formula function: its signature, help, argument kinds, result kind and implementation.

    Argument kinds: a kind (NUM, TEXT, DATE), "same" (these arguments share a kind, which is also
    the result when `result` is "same"), "anything", "castable" (number, text or true/false),
    "digits" (a fixed whole number) and "fixed text" (text that is the same for every row).
    The implementation receives a pandas Series first and Series or scalars after it.
    """

    signature: str
    help: str
    params: tuple[str, ...]
    result: str
    impl: Callable[..., Any]
    required: int = 1
    variadic: bool = False


def _np(name: str) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        import numpy as np

        return getattr(np, name)(x)
    return apply


def _pick(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(x: Any, y: Any) -> Any:
        import pandas as pd

        if isinstance(y, pd.Series):
            keep = _as_bool(op(x, y)) | y.isna()
        elif _is_missing(y):
            return x
        else:
            keep = _as_bool(op(x, y))
        return x.where(keep, y)
    return apply


def _fillna(x: Any, *values: Any) -> Any:
    for value in values:
        if value is not None:
            x = x.fillna(value)
    return x


def _to_text(x: Any) -> Any:
    import pandas as pd

    return x if pd.api.types.is_string_dtype(x.dtype) else x.astype("str")


def _to_number(integer: bool) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        import numpy as np
        import pandas as pd

        if pd.api.types.is_bool_dtype(x.dtype):
            return x.astype("int64" if integer else "float64")
        if not pd.api.types.is_numeric_dtype(x.dtype):
            numbers = pd.to_numeric(x, errors="coerce")
            failed = numbers.isna() & x.notna()
            if failed.any():
                example = x[failed].iloc[0]
                warn(f"{'int' if integer else 'float'}(...): {int(failed.sum())} value(s) are not numbers "
                     f"(e.g. {example!r}) and became missing")
            x = numbers
        x = x.astype("float64")
        if not integer:
            return x
        x = np.trunc(x)
        if x.isna().any() or bool((x.abs() >= 2.0 ** 63).any()):
            return x  # missing or beyond the int64 range: whole numbers kept as floats
        return x.astype("int64")
    return apply


def _str(method: str, **options: Any) -> Callable[..., Any]:
    return lambda x, *args: getattr(x.str, method)(*args, **options)


def _dt(part: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x.dt, part)


FUNCTIONS: Mapping[str, Function] = MappingProxyType({
    "abs": Function("abs(x)", "the absolute value of a number", (NUM,), NUM, lambda x: x.abs()),
    "round": Function("round(x, digits)", "x rounded to `digits` decimals (0 when left out)",
                      (NUM, "digits"), NUM, lambda x, digits=0: x.round(int(digits))),
    "floor": Function("floor(x)", "the largest whole number <= x", (NUM,), NUM, _np("floor")),
    "ceil": Function("ceil(x)", "the smallest whole number >= x", (NUM,), NUM, _np("ceil")),
    "sqrt": Function("sqrt(x)", "the square root (missing for negative x)", (NUM,), NUM, _np("sqrt")),
    "log": Function("log(x)", "the natural logarithm", (NUM,), NUM, _np("log")),
    "log10": Function("log10(x)", "the base-10 logarithm", (NUM,), NUM, _np("log10")),
    "exp": Function("exp(x)", "e to the power x", (NUM,), NUM, _np("exp")),
    "min": Function("min(a, b)", "the smaller of two values, row by row (ignores a missing one)",
                    ("same", "same"), "same", _pick(operator.le), required=2),
    "max": Function("max(a, b)", "the larger of two values, row by row (ignores a missing one)",
                    ("same", "same"), "same", _pick(operator.ge), required=2),
    "isnull": Function("isnull(x)", "true where x is missing", ("anything",), BOOL, lambda x: x.isna()),
    "notnull": Function("notnull(x)", "true where x is not missing", ("anything",), BOOL, lambda x: x.notna()),
    "fillna": Function("fillna(x, value)", "x with its missing values replaced by value",
                       ("same", "same"), "same", _fillna, required=2),
    "coalesce": Function("coalesce(a, b, ...)", "the first value that is not missing, row by row",
                         ("same",), "same", _fillna, variadic=True),
    "len": Function("len(s)", "the number of characters of a text", (TEXT,), NUM, lambda x: x.str.len()),
    "lower": Function("lower(s)", "the text in lower case", (TEXT,), TEXT, _str("lower")),
    "upper": Function("upper(s)", "the text in upper case", (TEXT,), TEXT, _str("upper")),
    "strip": Function("strip(s)", "the text without leading and trailing spaces", (TEXT,), TEXT, _str("strip")),
    "contains": Function("contains(s, 'part')", "true where the text contains the part (exact, case-sensitive)",
                         (TEXT, "fixed text"), BOOL, _str("contains", regex=False, na=False), required=2),
    "startswith": Function("startswith(s, 'part')", "true where the text starts with the part",
                           (TEXT, "fixed text"), BOOL, _str("startswith", na=False), required=2),
    "endswith": Function("endswith(s, 'part')", "true where the text ends with the part",
                         (TEXT, "fixed text"), BOOL, _str("endswith", na=False), required=2),
    "replace": Function("replace(s, 'old', 'new')", "the text with every `old` replaced by `new` (exact text)",
                        (TEXT, "fixed text", "fixed text"), TEXT, _str("replace", regex=False), required=3),
    "year": Function("year(d)", "the year of a date", (DATE,), NUM, _dt("year")),
    "month": Function("month(d)", "the month of a date (1-12)", (DATE,), NUM, _dt("month")),
    "day": Function("day(d)", "the day of the month (1-31)", (DATE,), NUM, _dt("day")),
    "weekday": Function("weekday(d)", "the day of the week, Monday = 0 ... Sunday = 6", (DATE,), NUM,
                        _dt("day_of_week")),
    "hour": Function("hour(d)", "the hour of a date-time (0-23)", (DATE,), NUM, _dt("hour")),
    "str": Function("str(x)", "x as text", ("anything",), TEXT, _to_text),
    "int": Function("int(x)", "x as a whole number (cut towards zero; text that is not a number becomes missing)",
                    ("castable",), NUM, _to_number(integer=True)),
    "float": Function("float(x)", "x as a number (text that is not a number becomes missing)",
                      ("castable",), NUM, _to_number(integer=False)),
})


def formula_functions() -> dict[str, str]:
    """Signature -> one-line help of every formula function, for an editor's help panel."""
    return {f.signature: f.help for f in FUNCTIONS.values()}


# --- the interpreter ----------------------------------------------------------------------

_ARITHMETIC: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_COMPARISONS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne), ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
}
_REFUSED: dict[type, str] = {
    ast.Attribute: "reading an attribute (`x.name`)", ast.Subscript: "indexing (`x[...]`)",
    ast.Lambda: "lambda functions", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.Starred: "starred values (`*x`)", ast.NamedExpr: "assignments (`:=`)",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Dict: "dictionaries ({...})",
    ast.Set: "sets ({...})", ast.List: "a list outside `x in [...]`", ast.Tuple: "a tuple outside `x in (...)`",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
    ast.MatMult: "the `@` operator", ast.BitXor: "the `^` operator (for powers use **)",
    ast.LShift: "the `<<` operator", ast.RShift: "the `>>` operator",
    ast.Is: "`is` (to test for missing values use isnull(x))", ast.IsNot: "`is not` (use notnull(x))",
}


def _refusal(thing: ast.AST) -> str:
    return f"{_REFUSED.get(type(thing), type(thing).__name__)} cannot be used in a formula"


class _Interpreter:
    """Walks a parsed formula. Without pandas (`pd is None`) it only checks: columns are unknown
    values, and only arithmetic on constants is computed (so constant exponents are checked)."""

    def __init__(self, source: _Source, lookup: Callable[[ast.Name, str], _Val], pd: Any = None,
                 index: Any = None):
        self.source = source
        self.lookup = lookup
        self.pd = pd
        self.index = index

    def fail(self, node: ast.AST, message: str) -> FormulaError:
        return self.source.error(message, *self.source.span(node))

    def snippet(self, node: ast.AST) -> str:
        start, end = self.source.span(node)
        text = self.source.text[start:end]
        return text if len(text) <= 40 else text[:37] + "..."

    def run(self, node: ast.AST) -> _Val:
        handler = self._HANDLERS.get(type(node))
        if handler is None:
            raise self.fail(node, _refusal(node))
        return handler(self, node)

    def compute(self, node: ast.AST, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one vectorised (or scalar) operation, turning library errors into FormulaErrors."""
        try:
            if self.pd is None:
                return self.bounded(node, fn(*args))
            import numpy as np

            with np.errstate(all="ignore"):
                return self.bounded(node, fn(*args))
        except FormulaError:
            raise
        except ZeroDivisionError:
            raise self.fail(node, "division by zero") from None
        except OverflowError:
            raise self.fail(node, "a number is too large") from None
        except (TypeError, ValueError, ArithmeticError, NotImplementedError) as exc:
            raise self.fail(node, f"cannot compute this: {exc}") from None

    def bounded(self, node: ast.AST, value: Any) -> Any:
        """A whole number outside the int64 range becomes a float (or an error when even that overflows),
        so no Python integer of unbounded size ever exists."""
        if isinstance(value, int) and not isinstance(value, bool) and not -(2 ** 63) <= value < 2 ** 63:
            try:
                return float(value)
            except OverflowError:
                raise self.fail(node, "a number is too large") from None
        return value

    def series(self, value: Any) -> Any:
        """`value` as a Series over the table's rows (a scalar is broadcast)."""
        if isinstance(value, self.pd.Series):
            return value
        return self.pd.Series(float("nan") if value is None else value, index=self.index)

    # constants and names

    def _constant(self, node: ast.Constant) -> _Val:
        value = node.value
        if isinstance(value, bool):
            return _Val(BOOL, value, True)
        if isinstance(value, (int, float)):
            return _Val(NUM, self.bounded(node, value), True)
        if isinstance(value, str):
            return _Val(TEXT, value, True)
        if value is None:
            return _Val(NONE, None, True)
        raise self.fail(node, f"{type(value).__name__} literals are not allowed in a formula")

    def _name(self, node: ast.Name) -> _Val:
        name = self.source.aliases.get(node.id, node.id)
        return self.lookup(node, name)

    # operators

    def _binop(self, node: ast.BinOp) -> _Val:
        op = type(node.op)
        if op in (ast.BitAnd, ast.BitOr):
            return self._logic(node, [node.left, node.right], op is ast.BitAnd)
        if op not in _ARITHMETIC:
            raise self.fail(node, _refusal(node.op))
        symbol, fn = _ARITHMETIC[op]
        left, right = self.run(node.left), self.run(node.right)
        kind, growth = self._arithmetic_kind(node, symbol, left, right)
        if op is ast.Pow:
            self._check_power(node, left, right)
            fn = self._power
        scalar = left.scalar and right.scalar
        if not (left.known and right.known):
            return _Val(kind, _UNKNOWN, scalar, growth)
        return _Val(kind, self.compute(node, fn, left.value, right.value), scalar, growth)

    def _arithmetic_kind(self, node: ast.BinOp, symbol: str, left: _Val, right: _Val) -> tuple[str, float]:
        sides = ((left, node.left), (right, node.right))
        if TEXT in (left.kind, right.kind):
            if symbol == "+" and {left.kind, right.kind} <= {TEXT, ANY}:
                growth = left.growth + right.growth
                if growth > MAX_TEXT_GROWTH:
                    raise self.fail(node, f"this joins more than {MAX_TEXT_GROWTH} texts; split it into steps")
                return TEXT, growth
            if symbol == "+":
                other = next(sub for val, sub in sides if val.kind != TEXT)
                kind = left.kind if left.kind != TEXT else right.kind
                raise self.fail(node, f"`+` with text joins two texts, but `{self.snippet(other)}` is "
                                      f"{_describe(kind)}; convert it with str(...)")
            culprit = next(sub for val, sub in sides if val.kind == TEXT)
            raise self.fail(node, f"`{symbol}` needs numbers, but `{self.snippet(culprit)}` is text "
                                  "(text can only be joined with +); if it holds numbers, convert it with float(...)")
        for val, sub in sides:
            if val.kind not in (NUM, ANY):
                raise self.fail(node, f"`{symbol}` needs numbers, but `{self.snippet(sub)}` is "
                                      f"{_describe(val.kind)}{_HINTS.get(val.kind, '')}")
        return (NUM if NUM in (left.kind, right.kind) else ANY), 1.0

    def _check_power(self, node: ast.BinOp, base: _Val, exponent: _Val) -> None:
        value = exponent.value
        if not exponent.known:
            return
        if exponent.scalar:
            largest = abs(value) if not _is_missing(value) else 0
        else:
            largest = self.compute(node, lambda s: s.abs().max(), value)
            largest = 0 if _is_missing(largest) else largest
        if largest > MAX_EXPONENT:
            raise self.fail(node, f"the exponent is {largest:g}; exponents are limited to {MAX_EXPONENT} "
                                  f"in absolute value")
        if (base.known and base.scalar and isinstance(base.value, int) and isinstance(value, int)
                and abs(base.value).bit_length() * abs(value) > MAX_INT_BITS):
            raise self.fail(node, "the result of this power is too large")

    @staticmethod
    def _power(base: Any, exponent: Any) -> Any:
        negative = exponent < 0
        if hasattr(negative, "any"):
            negative = bool(negative.fillna(False).any()) if hasattr(negative, "fillna") else bool(negative.any())
        if negative and hasattr(base, "dtype") and base.dtype.kind in "iu":
            base = base.astype("float64")  # numpy refuses integers to negative integer powers
        elif negative and isinstance(base, int) and hasattr(exponent, "dtype"):
            base = float(base)
        return base ** exponent

    def _unary(self, node: ast.UnaryOp) -> _Val:
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return self._negate(node)
        operand = self.run(node.operand)
        if operand.kind not in (NUM, ANY):
            symbol = "-" if isinstance(node.op, ast.USub) else "+"
            raise self.fail(node, f"`{symbol}` needs a number, but `{self.snippet(node.operand)}` is "
                                  f"{_describe(operand.kind)}{_HINTS.get(operand.kind, '')}")
        if not operand.known:
            return _Val(operand.kind, _UNKNOWN, operand.scalar)
        fn = operator.neg if isinstance(node.op, ast.USub) else operator.pos
        return _Val(NUM, self.compute(node, fn, operand.value), operand.scalar)

    def _condition(self, node: ast.AST, symbol: str) -> _Val:
        val = self.run(node)
        if val.kind not in (BOOL, ANY):
            hint = ""
            if symbol in ("&", "|"):
                hint = f"; put comparisons in parentheses: (a > 1) {symbol} (b < 2)"
            elif symbol in ("not", "~"):
                hint = "; for a negative number use -x"
            role = (f"`{symbol}` combines true/false conditions" if symbol != "if"
                    else "the condition of `... if ... else ...` must be true/false")
            raise self.fail(node, f"{role}, but `{self.snippet(node)}` is {_describe(val.kind)}{hint}")
        return val

    def _boolop(self, node: ast.BoolOp) -> _Val:
        return self._logic(node, node.values, isinstance(node.op, ast.And))

    def _logic(self, node: ast.AST, operands: list[ast.expr], conjunction: bool) -> _Val:
        symbol = ("and" if conjunction else "or") if isinstance(node, ast.BoolOp) else ("&" if conjunction else "|")
        vals = [self._condition(sub, symbol) for sub in operands]
        scalar = all(v.scalar for v in vals)
        if self.pd is None or not all(v.known for v in vals):
            return _Val(BOOL, _UNKNOWN, scalar)
        parts = [_as_bool(v.value) if not v.scalar else bool(v.value) for v in vals]
        combine = operator.and_ if conjunction else operator.or_
        return _Val(BOOL, self.compute(node, lambda: reduce(combine, parts)), scalar)

    def _negate(self, node: ast.UnaryOp) -> _Val:
        val = self._condition(node.operand, "not" if isinstance(node.op, ast.Not) else "~")
        if self.pd is None or not val.known:
            return _Val(BOOL, _UNKNOWN, val.scalar)
        return _Val(BOOL, (not val.value) if val.scalar else ~_as_bool(val.value), val.scalar)

    # comparisons

    def _compare(self, node: ast.Compare) -> _Val:
        for op in node.ops:
            if type(op) not in _COMPARISONS and not isinstance(op, (ast.In, ast.NotIn)):
                raise self.fail(node, _refusal(op))
        if isinstance(node.ops[0], (ast.In, ast.NotIn)) and len(node.ops) == 1:
            return self._membership(node, node.left, self.run(node.left), node.comparators[0],
                                    isinstance(node.ops[0], ast.NotIn))
        if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            raise self.fail(node, "`in` cannot be chained with other comparisons; join them with `and`")
        operands = [node.left, *node.comparators]
        vals = [self.run(sub) for sub in operands]
        parts = [self._comparison(node, op, operands[i], vals[i], operands[i + 1], vals[i + 1])
                 for i, op in enumerate(node.ops)]
        if len(parts) == 1:
            return parts[0]
        scalar = all(p.scalar for p in parts)
        if self.pd is None or not all(p.known for p in parts):
            return _Val(BOOL, _UNKNOWN, scalar)
        return _Val(BOOL, reduce(operator.and_, [p.value for p in parts]), scalar)

    def _comparison(self, node: ast.Compare, op: ast.cmpop, left_node: ast.expr, left: _Val,
                    right_node: ast.expr, right: _Val) -> _Val:
        symbol, fn = _COMPARISONS[type(op)]
        kinds = {left.kind, right.kind}
        if NONE in kinds:
            raise self.fail(node, f"comparing with None with `{symbol}` is never true; use isnull(x) or notnull(x)")
        if ANY not in kinds and len(kinds) > 1 and not self._date_text(left, right):
            raise self.fail(node, f"cannot compare {_describe(left.kind)} with {_describe(right.kind)}: "
                                  f"`{self.snippet(left_node)}` is {_describe(left.kind)}, "
                                  f"`{self.snippet(right_node)}` is {_describe(right.kind)}"
                                  + ("; put the number in quotes to compare text, or convert the text with "
                                     "float(...)" if kinds == {NUM, TEXT} else ""))
        for val, sub in ((left, left_node), (right, right_node)):
            if val.kind not in (*_KNOWN_KINDS, ANY):
                raise self.fail(sub, f"`{self.snippet(sub)}` is {_describe(val.kind)}, which formulas cannot compare")
        scalar = left.scalar and right.scalar
        if self.pd is None or not (left.known and right.known):
            return _Val(BOOL, _UNKNOWN, scalar)
        a, b = left.value, right.value
        if left.kind == DATE and right.kind == TEXT:
            b = self._timestamp(right_node, b, a)
        elif right.kind == DATE and left.kind == TEXT:
            a = self._timestamp(left_node, a, b)
        return _Val(BOOL, self.compute(node, self._masked, fn, a, b), scalar)

    @staticmethod
    def _date_text(left: _Val, right: _Val) -> bool:
        """A date compared with fixed text: the text is read as a date ('2024-03-31')."""
        return (left.kind, right.kind) in ((DATE, TEXT), (TEXT, DATE)) and (
            right.scalar if right.kind == TEXT else left.scalar)

    def _timestamp(self, node: ast.AST, text: Any, dates: Any) -> Any:
        try:
            stamp = self.pd.Timestamp(text)
        except (ValueError, TypeError):
            stamp = self.pd.NaT
        if stamp is self.pd.NaT:
            raise self.fail(node, f"{text!r} is not a date; write dates like '2024-03-31' or '2024-03-31 14:00'")
        tz = getattr(getattr(dates, "dtype", None), "tz", None)
        if tz is not None and stamp.tz is None:
            stamp = stamp.tz_localize(tz)
        return stamp

    def _masked(self, fn: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
        """fn(a, b) where a missing value on either side gives False."""
        pd = self.pd
        if not isinstance(a, pd.Series) and not isinstance(b, pd.Series):
            return False if _is_missing(a) or _is_missing(b) else bool(fn(a, b))
        result = _as_bool(fn(a, b))
        for side in (a, b):
            if isinstance(side, pd.Series):
                result = result & side.notna()
            elif _is_missing(side):
                result = result & False
        return result

    def _membership(self, node: ast.Compare, left_node: ast.expr, left: _Val, list_node: ast.expr,
                    negate: bool) -> _Val:
        word = "not in" if negate else "in"
        if not isinstance(list_node, (ast.List, ast.Tuple)):
            raise self.fail(list_node, f"`{word}` needs a list of fixed values, e.g. region {word} ['north', 'south']")
        values = [self._literal(elt, word) for elt in list_node.elts]
        for value, elt in zip(values, list_node.elts, strict=True):
            kind = _literal_kind(value)
            if left.kind == DATE and kind == TEXT:
                continue
            if left.kind not in (kind, ANY):
                raise self.fail(elt, f"`{self.snippet(left_node)}` is {_describe(left.kind)}, but the list holds "
                                     f"{_describe(kind)} `{self.snippet(elt)}`")
        if left.kind not in (*_KNOWN_KINDS, ANY):
            raise self.fail(left_node, f"`{self.snippet(left_node)}` is {_describe(left.kind)}, which `in` cannot test")
        if self.pd is None or not left.known:
            return _Val(BOOL, _UNKNOWN, left.scalar)
        if left.kind == DATE:
            values = [self._timestamp(e, v, left.value) if isinstance(v, str) else v
                      for v, e in zip(values, list_node.elts, strict=True)]
        if left.scalar:
            found = not _is_missing(left.value) and left.value in values
            return _Val(BOOL, (not found and not _is_missing(left.value)) if negate else found, True)

        def test(series: Any) -> Any:
            found = _as_bool(series.isin(values))
            return (~found if negate else found) & series.notna()
        return _Val(BOOL, self.compute(node, test, left.value), False)

    def _literal(self, node: ast.expr, word: str) -> Any:
        """A fixed value inside `x in [...]`: a constant or a signed number."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._literal(node.operand, word)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner if isinstance(node.op, ast.USub) else inner
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            return node.value
        raise self.fail(node, f"the list after `{word}` may only hold fixed numbers, texts, True or False")

    # a if cond else b

    def _ifexp(self, node: ast.IfExp) -> _Val:
        cond = self._condition(node.test, "if")
        yes, no = self.run(node.body), self.run(node.orelse)
        kind = _common(yes.kind, no.kind)
        if kind is None:
            raise self.fail(node, f"both results of `... if ... else ...` must be the same kind: "
                                  f"`{self.snippet(node.body)}` is {_describe(yes.kind)}, "
                                  f"`{self.snippet(node.orelse)}` is {_describe(no.kind)}")
        scalar = cond.scalar and yes.scalar and no.scalar
        growth = max(yes.growth, no.growth)
        if self.pd is None or not (cond.known and yes.known and no.known):
            return _Val(kind, _UNKNOWN, scalar, growth)
        if cond.scalar:
            return _Val(kind, yes.value if cond.value else no.value, yes.scalar if cond.value else no.scalar, growth)
        return _Val(kind, self.compute(node, self._choose, _as_bool(cond.value), yes.value, no.value), False, growth)

    def _choose(self, cond: Any, yes: Any, no: Any) -> Any:
        pd = self.pd
        if isinstance(yes, pd.Series):
            return yes.where(cond, no)
        if isinstance(no, pd.Series):
            return no.where(~cond, yes)
        if yes is None:
            return self.series(no).where(~cond, None)
        return self.series(yes).where(cond, no)

    # function calls

    def _call(self, node: ast.Call) -> _Val:
        names = ", ".join(FUNCTIONS)
        if isinstance(node.func, ast.Attribute):
            raise self.fail(node.func, f"calling a method (`.{node.func.attr}(...)`) cannot be used in a formula; "
                                       f"the functions are: {names}")
        if type(node.func) in _REFUSED:
            raise self.fail(node.func, _refusal(node.func))
        if not isinstance(node.func, ast.Name) or node.func.id in self.source.aliases:
            raise self.fail(node.func, f"only formula functions can be called, not `{self.snippet(node.func)}`; "
                                       f"the functions are: {names}")
        name = node.func.id
        fn = FUNCTIONS.get(name)
        if fn is None:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise self.fail(node.func, f"`{name}` is not a formula function{hint}; the functions are: {names}")
        if node.keywords:
            raise self.fail(node.keywords[0], f"keyword arguments are not allowed; write {fn.signature}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, _refusal(arg))
        count, most = len(node.args), (10 if fn.variadic else len(fn.params))
        if not fn.required <= count <= most:
            wanted = f"{fn.required} to {most}" if fn.required != most else str(most)
            raise self.fail(node, f"{fn.signature} takes {wanted} value{'s' if most > 1 else ''}, got {count}")
        vals = [self.run(arg) for arg in node.args]
        kind, growth = self._check_call(node, name, fn, vals)
        scalar = all(v.scalar for v in vals)
        if self.pd is None or not all(v.known for v in vals):
            return _Val(kind, _UNKNOWN, scalar, growth)
        return _Val(kind, self._apply(node, fn, vals, scalar), scalar, growth)

    def _check_call(self, node: ast.Call, name: str, fn: Function, vals: list[_Val]) -> tuple[str, float]:
        params = fn.params if not fn.variadic else fn.params * len(vals)
        same: list[str] = []
        for param, val, arg in zip(params, vals, node.args, strict=False):
            what = f"`{self.snippet(arg)}` is {_describe(val.kind)}"
            if param == "same":
                same.append(val.kind)
                if val.kind not in (*_KNOWN_KINDS, NONE, ANY):
                    raise self.fail(arg, f"{name}(...) cannot use {what}")
            elif param == "anything":
                if name == "str" and val.kind == NONE:
                    raise self.fail(arg, "str(None) is always missing; write a text in quotes instead")
            elif param == "castable":
                if val.kind not in (NUM, TEXT, BOOL, ANY):
                    raise self.fail(arg, f"{name}(...) converts numbers, text or true/false, but {what}")
            elif param == "digits":
                self._check_digits(arg, val)
            elif param == "fixed text":
                if val.kind not in (TEXT, ANY) or not val.scalar:
                    raise self.fail(arg, f"{fn.signature}: this must be a fixed text in quotes, but {what}"
                                    + ("" if val.scalar else " that changes from row to row"))
            elif val.kind not in (param, ANY):
                raise self.fail(arg, f"{fn.signature} needs {_describe(param)}, but {what}"
                                     f"{_HINTS.get(val.kind, '') if val.kind != param else ''}")
        kind = fn.result
        if kind == "same":
            common = _common(*same)
            if common is None:
                raise self.fail(node, f"the values of {name}(...) must be the same kind, but they are "
                                      + ", ".join(_describe(k) for k in same))
            kind = common
        growth = max((v.growth for v in vals), default=1.0) if kind == TEXT else 1.0
        if name == "replace":
            growth = self._replace_growth(node, vals)
        return kind, growth

    def _check_digits(self, arg: ast.expr, val: _Val) -> None:
        if val.kind not in (NUM, ANY) or not val.scalar:
            raise self.fail(arg, "the number of digits must be a fixed whole number, e.g. round(price, 2)")
        value = val.value
        if val.known and (not abs(value) <= MAX_DIGITS or value != int(value)):
            raise self.fail(arg, f"the number of digits must be a whole number between -{MAX_DIGITS} and {MAX_DIGITS}")

    def _replace_growth(self, node: ast.Call, vals: list[_Val]) -> float:
        text, old, new = vals
        if not (old.known and new.known):
            return text.growth
        if old.value == "":
            raise self.fail(node.args[1], "the text to replace is empty; write the text to look for")
        growth = text.growth * max(1.0, len(new.value) / len(old.value))
        if growth > MAX_TEXT_GROWTH:
            raise self.fail(node, f"this could make text {growth:g} times longer than it is; "
                                  f"the limit is {MAX_TEXT_GROWTH}")
        return growth

    def _apply(self, node: ast.Call, fn: Function, vals: list[_Val], scalar: bool) -> Any:
        args = [v.value for v in vals]
        if scalar:  # one value: run the same vectorised code on a one-row Series
            result = self.compute(node, fn.impl, self.pd.Series([args[0]]), *args[1:]).iloc[0]
            return result.item() if hasattr(result, "item") and not isinstance(result, str) else result
        if args[0] is None:  # missing for every row, with the dtype of the column it meets
            reference = next(a for a in args if isinstance(a, self.pd.Series))
            args[0] = reference.where(self.pd.Series(False, index=self.index))
        else:
            args[0] = self.series(args[0])
        return self.compute(node, fn.impl, *args)

    _HANDLERS: dict[type, Callable[[Any, Any], _Val]] = {
        ast.Constant: _constant, ast.Name: _name, ast.BinOp: _binop, ast.UnaryOp: _unary,
        ast.BoolOp: _boolop, ast.Compare: _compare, ast.IfExp: _ifexp, ast.Call: _call,
    }


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
        source = _read(text)
        tree = _parse(source)
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
        source = _read(text)
        tree = _parse(source)
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
