"""The interpreter: one walk over the parsed tree, checking kinds, with or without data."""


from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from .functions import FUNCTIONS, Function
from .kinds import (
    _HINTS,
    _KNOWN_KINDS,
    _UNKNOWN,
    ANY,
    BOOL,
    DATE,
    NONE,
    NUM,
    TEXT,
    _as_bool,
    _common,
    _describe,
    _is_missing,
    _literal_kind,
    _Val,
)
from .text import MAX_DIGITS, MAX_EXPONENT, MAX_INT_BITS, MAX_TEXT_GROWTH, FormulaError, _Source

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
        if node.id in self.source.aliases:
            return self.lookup(node, self.source.aliases[node.id])
        start, end = self.source.span(node)
        typed = self.source.text[start:end]
        if typed != node.id:  # Python's parser NFKC-normalises names: `µ` becomes `μ`, `ﬁle` becomes `file`
            raise self.source.error(f"`{typed}` has look-alike characters that read as `{node.id}`, so which column "
                                    f"is meant is unclear; write the column's exact name in backticks: `{node.id}` "
                                    f"or `{typed}`", start, end)
        return self.lookup(node, node.id)

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
