"""Reading a formula's text: limits, backtick names, parsing, errors that point at the text."""


from __future__ import annotations

import ast
from dataclasses import dataclass

from dataflow.kernel.errors import NodeError

MAX_LENGTH = 1000       # characters of formula text
MAX_NODES = 200         # values and operations in the parsed formula
MAX_DEPTH = 100         # nesting of the parsed formula (a + b + c nests one level per +)
MAX_BRACKETS = 30       # nesting of ( [ {
MAX_EXPONENT = 64       # |exponent| of **
MAX_INT_BITS = 4096     # a power of whole numbers larger than this is refused, not computed
MAX_TEXT_GROWTH = 50    # how many times longer than its inputs a text result may become
MAX_DIGITS = 15         # round(x, digits)


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
