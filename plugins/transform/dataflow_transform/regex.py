"""Regular expressions from a workflow, run in linear time by RE2 (through pyarrow's string functions).

Python's `re` backtracks: `(a|aa)+$` over 34 characters takes longer than anyone waits, and
a workflow file may come from anyone. RE2 (what `pyarrow.compute.match_substring_regex` and
`replace_substring_regex` use) guarantees time linear in the text, and refuses what it cannot
do that way: backreferences (`\\1` in a pattern) and lookaround (`(?=`, `(?<=`, `(?!`, `(?<!`).
Those patterns are a NodeError naming the parameter, never a hang.

A replacement is written as for Python's `re.sub` (`\\1`, `\\g<1>`, `\\n`, `\\\\`) and
translated to RE2's rewrite syntax (`\\1` to `\\9`, `\\0` for the whole match, `\\\\`).
"""

from __future__ import annotations

from typing import Any

from dataflow.sdk import NodeError

#: Python's one-letter escapes in a replacement, as the characters they stand for.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "b": "\b"}


#: Python's Unicode classes, which RE2 reads as ASCII only (`\\w` would miss "é"): outside and
#: inside a character class. Negated classes inside brackets (`[\\W]`) stay ASCII.
_OUTSIDE = {"w": r"[\p{L}\p{N}_]", "W": r"[^\p{L}\p{N}_]", "d": r"\p{Nd}", "D": r"\P{Nd}",
            "s": r"[\s\p{Z}\x1c-\x1f\x85]", "S": r"[^\s\p{Z}\x1c-\x1f\x85]"}
_INSIDE = {"w": r"\p{L}\p{N}_", "d": r"\p{Nd}", "s": r"\s\p{Z}\x1c-\x1f\x85"}


def unicode_classes(pattern: str) -> str:
    """`pattern` with `\\w`, `\\d`, `\\s` (and their negations) spelt as the Unicode classes Python's
    `re` means by them, so that RE2 finds what `re` found."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            table = _INSIDE if in_class else _OUTSIDE
            out.append(table.get(pattern[i + 1], pattern[i:i + 2]))
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            i += 1
            for prefix in ("^]", "^", "]"):  # a leading ] is a literal in a class
                if pattern.startswith(prefix, i):
                    out.append(prefix)
                    i += len(prefix)
                    break
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def check_pattern(pattern: str, param: str = "pattern") -> None:
    """Raise a NodeError naming `param` when RE2 cannot run `pattern` (invalid, or a
    backreference or lookaround, which need backtracking)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), unicode_classes(pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = str(exc).removeprefix("Invalid regular expression: ")
        raise NodeError(f"{pattern!r} is not a valid regular expression for DataFlow's linear-time "
                        f"engine ({reason}); "
                        "backreferences such as \\1 and lookarounds such as (?=...) are not supported, "
                        "because they can take exponential time", param=param) from None


def rewrite(replacement: str, param: str = "replacement") -> str:
    """`replacement` in Python's `re.sub` syntax, as an RE2 rewrite string."""
    out: list[str] = []
    i, n = 0, len(replacement)
    while i < n:
        char = replacement[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 == n:
            raise NodeError("a replacement cannot end with a single backslash; write \\\\ for one",
                            param=param)
        after = replacement[i + 1]
        if after.isdigit() and after != "0" and not replacement[i + 2:i + 3].isdigit():
            out.append("\\" + after)
            i += 2
        elif after == "g" and replacement[i + 2:i + 3] == "<" and ">" in replacement[i + 3:]:
            end = replacement.index(">", i + 3)
            group = replacement[i + 3:end]
            if not (group.isdigit() and len(group) == 1):
                raise NodeError(f"group reference \\g<{group}> is not supported; use a group number "
                                "from \\1 to \\9", param=param)
            out.append("\\" + group)
            i = end + 1
        elif after in _ESCAPES:
            out.append(_ESCAPES[after])
            i += 2
        elif after.isascii() and (after.isalnum()):
            raise NodeError(f"\\{after} in a replacement is not supported; use \\1 to \\9 for groups, "
                            "\\\\ for a backslash", param=param)
        else:  # \\ and \ before punctuation stay a backslash (and the character)
            out.append("\\\\")
            out.append("" if after == "\\" else after)
            i += 2
    return "".join(out)


def contains(series: Any, pattern: str, case_sensitive: bool) -> Any:
    """True where a text value contains a match of `pattern`; False for missing or non-text values."""
    import pandas as pd
    import pyarrow.compute as pc

    values, _ = _strings(series)
    found = pc.match_substring_regex(values, unicode_classes(pattern), ignore_case=not case_sensitive)
    found = pc.fill_null(found, False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=series.index, name=series.name)


def replace(series: Any, pattern: str, replacement: str, case_sensitive: bool) -> Any:
    """Every match of `pattern` replaced; missing values stay missing, non-text values become missing."""
    import pandas as pd
    import pyarrow.compute as pc

    values, text = _strings(series)
    pattern = unicode_classes(pattern) if case_sensitive else "(?i)" + unicode_classes(pattern)  # no ignore_case
    result = pc.replace_substring_regex(values, pattern, rewrite(replacement))
    if text is None:  # a text column: the same dtype back
        return pd.Series(result.to_pandas(), index=series.index, name=series.name).astype(series.dtype)
    out = pd.Series(result.to_pandas(), index=series.index, name=series.name, dtype=object)
    out[~text & series.notna()] = float("nan")
    out[~text & series.isna()] = series[~text & series.isna()]
    return out


def _strings(series: Any) -> tuple[Any, Any]:
    """The column as an Arrow string array, and for an object column the mask of its text values
    (None for a string column)."""
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_string_dtype(series.dtype) and str(series.dtype) != "object":
        return pa.array(series, type=pa.large_string(), from_pandas=True), None
    text = series.map(lambda v: isinstance(v, str)).astype(bool)
    return pa.array(series.where(text, None), type=pa.large_string(), from_pandas=True), text
