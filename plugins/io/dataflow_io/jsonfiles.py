"""Reading JSON (an array of records) and JSON lines, with the line and column of a syntax error.

Values keep the types JSON gives them: "007" stays text (pandas' default would make it 7);
columns named in `date_columns` are parsed as dates afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError, warn

from .coercion import unparsed_date_warnings
from .files import check_readable
from .text import COMPRESSED, check_named_columns, encoding_advice


def read_json_table(path: str | Path, *, lines: bool = False, date_columns: Sequence[str] = ()) -> Any:
    """A JSON records file (`lines=False`) or a JSON lines file as a DataFrame."""
    import pandas as pd

    path = check_readable(path)
    try:
        compressed = path.suffix.lower() in COMPRESSED
        if lines and not compressed and _first_character(path) != "{":
            raise ValueError("each line must hold one JSON object")  # pandas would make columns of a list
        frame = pd.read_json(path, orient="records", lines=lines, dtype=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise NodeError(encoding_advice(path, "utf-8", settable=False) + ": JSON files are UTF-8", param="path") from None
    except (TypeError, ValueError) as exc:
        message = _syntax_advice(path, lines, exc)
        raise NodeError(message, param="orient" if "orient" in message else "path") from None
    check_named_columns(frame, date_columns, "date_columns")
    for name in date_columns:
        try:
            frame[name] = pd.to_datetime(frame[name])
        except (TypeError, ValueError, OverflowError):
            for message in unparsed_date_warnings(frame, [name]):
                warn(f"'{path.name}': {message}")
    return frame


def _first_character(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b" \t\r\n\xef\xbb\xbf")
    return head[:1].decode("latin-1")


def _syntax_advice(path: Path, lines: bool, exc: Exception) -> str:
    """Runs only after pandas failed: parse with the standard library to find line and column."""
    if path.suffix.lower() in COMPRESSED:
        return f"'{path.name}' could not be read as JSON {'lines' if lines else 'records'}: {exc}"
    text = path.read_text(encoding="utf-8", errors="replace")
    if lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                hint = "; is it a JSON array? then choose orient 'records'" if number == 1 and \
                    line.lstrip().startswith("[") else ""
                return f"'{path.name}' line {number}, column {error.colno}: {error.msg}{hint}"
            if not isinstance(record, dict):
                hint = "; it holds a JSON array: choose orient 'records'" if isinstance(record, list) else ""
                return (f"'{path.name}' line {number} is not a JSON object ({{\"column\": value, ...}}); "
                        f"each line must hold one record{hint}")
        return f"'{path.name}' could not be read as JSON lines: {exc}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        hint = ""
        if error.msg.startswith("Extra data"):
            hint = "; several JSON values one after another look like JSON lines: choose orient 'lines'"
        return f"'{path.name}' line {error.lineno}, column {error.colno}: {error.msg}{hint}"
    if not isinstance(data, list):
        return (f"'{path.name}' holds a JSON {type(data).__name__.replace('dict', 'object')}, not an array of "
                "records ([{\"column\": value, ...}, ...]); convert it to records")
    return f"'{path.name}' could not be read as JSON records: {exc}"
