"""Reading delimited text (CSV, TSV) with pandas' C parser, and turning its failures into advice.

The happy path is one `pd.read_csv` call plus a few microseconds: a stat, an 8 KB peek for
binary content, a sampled check for columns that became text by mixing numbers and words
(`coercion.py`) and a look for gaps in the last column, the sign of rows with fewer fields than
the header (`short_rows.py`, which scans the file again only when there are gaps). Everything
slower (finding the byte that is not valid in the encoding, trying other encodings, locating the
column a type did not fit) runs only after a read has failed. After reading a file of
LARGE_FILE_BYTES or more, the parser's freed scratch memory is given back (`heap.py`).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError, warn

from .coercion import mixed_type_warnings, unparsed_date_warnings
from .files import check_readable
from .heap import release_free_heap
from .names import did_you_mean
from .short_rows import short_rows_warning

_PEEK_BYTES = 8192
COMPRESSED = {".gz", ".bz2", ".zip", ".xz", ".zst", ".tar"}
_BOMS = {b"\xff\xfe\x00\x00": "utf-32", b"\x00\x00\xfe\xff": "utf-32", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
_MAGIC = {b"PAR1": "a Parquet file (use io.read_parquet, or format 'parquet')",
          b"ARROW1": "an Arrow/Feather file (use format 'feather')",
          b"PK\x03\x04": "a zip archive, such as an Excel .xlsx workbook (use io.read_excel)",
          b"\x1f\x8b": "a gzip-compressed file (name it .csv.gz so it is decompressed)",
          b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook or another Office file (save it as .xlsx or .csv)"}
# Encodings tried, in order, when the chosen one fails: the commonest ones for spreadsheets' CSV exports.
_CANDIDATES = ("utf-8", "cp1252", "latin-1")
#: from this file size on, the parser's freed memory is given back after the read (see heap.py)
LARGE_FILE_BYTES = 64 << 20


def read_delimited(path: str | Path, *, sep: str = ",", decimal: str = ".", encoding: str = "utf-8",
                   header: int | None = 0, dtype: dict[str, str] | None = None,
                   parse_dates: list[str] | None = None, skiprows: int = 0, nrows: int | None = None,
                   na_values: list[str] | None = None, check_types: bool = True) -> Any:
    """Read a delimited text file into a DataFrame; every user mistake becomes a `NodeError`.

    `header=None` means the file has no header row: columns are named column_1, column_2, ...
    With `check_types`, columns read as text although they hold numbers are reported with `warn`.
    """
    import pandas as pd

    path = check_readable(path)
    sep = _one_character(sep, "separator")
    decimal = _one_character(decimal, "decimal")
    encoding = _known_encoding(encoding)
    if sep == decimal:
        raise NodeError(f"the separator and the decimal mark are both {sep!r}; use e.g. separator ';' with "
                        "decimal ','", param="decimal")
    dtype = _checked_types(dtype or {})
    _refuse_binary(path, encoding)
    parse_dates = list(parse_dates or [])
    options: dict[str, Any] = dict(
        sep=sep, encoding=encoding, header=header, skiprows=skiprows or None, nrows=nrows or None,
        dtype={_pandas_name(k, header): v for k, v in dtype.items()} or None,
        parse_dates=[_pandas_name(n, header) for n in parse_dates] or None,
        na_values=list(na_values) if na_values else None)
    if decimal != ".":
        options["decimal"] = decimal
    _quiet_mixed_chunks()
    try:
        frame = pd.read_csv(path, **options)
        frame = _consistent_text(path, frame, options)
    except UnicodeDecodeError:
        raise NodeError(encoding_advice(path, encoding), param="encoding") from None
    except pd.errors.EmptyDataError:
        raise NodeError(f"'{path.name}' holds no columns (only blank lines, or every line was skipped); "
                        "check the file and rows to skip", param="path") from None
    except pd.errors.ParserError as exc:
        param = "header_row" if "header=" in str(exc) else "path"
        raise NodeError(_parser_advice(path, exc, sep), param=param) from None
    except (TypeError, ValueError) as exc:
        raise _option_error(path, exc, options) from None
    if path.stat().st_size >= LARGE_FILE_BYTES:
        release_free_heap()
    frame = _named(frame, header)
    check_named_columns(frame, dtype, "column_types")
    check_named_columns(frame, parse_dates, "date_columns")
    short = short_rows_warning(path, frame, sep=sep, encoding=encoding, skiprows=skiprows, header=header,
                               nrows=nrows or None)
    if short:
        warn(short)
    if check_types:
        for message in mixed_type_warnings(frame, decimal=decimal, skip=set(dtype)):
            warn(f"'{path.name}': {message}")
        for message in unparsed_date_warnings(frame, parse_dates):
            warn(f"'{path.name}': {message}")
    return frame


def _quiet_mixed_chunks() -> None:
    """pandas' DtypeWarning for columns typed differently in two chunks of a big file: handled by
    `_consistent_text` and reported better by `mixed_type_warnings`, so not printed (only when it
    is raised on behalf of this module). Added on every read: test runners and `catch_warnings`
    blocks reset the filters, and adding an existing filter again only moves it to the front."""
    import warnings

    from pandas.errors import DtypeWarning

    warnings.filterwarnings("ignore", category=DtypeWarning, module=__name__)


def _consistent_text(path: Path, frame: Any, options: dict[str, Any]) -> Any:
    """Re-read as text the columns that a big file's chunks typed differently.

    pandas parses a big file in chunks; a column of numbers with a word in a later chunk comes
    back as Python objects of mixed kinds (floats, then strings), while in a small file the same
    column is text. Reading those columns again as `str` gives the small-file answer, exactly
    as written in the file. Only done when such a column exists (object dtype holding text and
    something else, not asked for; booleans with gaps are object dtype too and stay as they are).
    """
    import pandas as pd
    from pandas.api.types import infer_dtype

    asked = set(options.get("dtype") or {})
    mixed = [c for c, dtype in zip(frame.columns, frame.dtypes, strict=True) if dtype == "object" and c not in asked
             and infer_dtype(frame[c], skipna=True) in ("mixed", "mixed-integer")]
    if not mixed:
        return frame
    again = pd.read_csv(path, **{**options, "usecols": mixed, "parse_dates": None,
                                 "dtype": dict.fromkeys(mixed, "str")})
    frame = frame.copy(deep=False)
    for column in mixed:
        frame[column] = again[column]
    return frame


def _pandas_name(name: str, header: int | None) -> str | int:
    """Without a header row pandas numbers the columns: our `column_3` is its 2."""
    match = re.fullmatch(r"column_(\d+)", name) if header is None else None
    return int(match[1]) - 1 if match and int(match[1]) > 0 else name


def _named(frame: Any, header: int | None) -> Any:
    if header is None:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    return frame


def _one_character(value: str, param: str) -> str:
    text = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(value, value)
    if len(text) != 1:
        raise NodeError(f"{value!r} is not a single character; use e.g. ',' ';' '|' or '\\t' for a tab",
                        param=param)
    return text


def _known_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise NodeError(f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'cp1252', 'latin-1' or 'utf-16'",
                        param="encoding") from None


def _checked_types(dtype: dict[str, str]) -> dict[str, str]:
    from pandas.api.types import pandas_dtype

    for column, name in dtype.items():
        try:
            pandas_dtype(name)
        except (TypeError, ValueError):
            raise NodeError(f"column '{column}': unknown type {name!r}; use e.g. int64, Int64 (with missing "
                            "values), float64, str, bool, category or datetime64[ns]", param="column_types") from None
    return dtype


def _refuse_binary(path: Path, encoding: str) -> None:
    """A NodeError when the file's first bytes show it is not text in a byte-based encoding."""
    if path.suffix.lower() in COMPRESSED:
        return  # pandas decompresses these by extension
    with open(path, "rb") as handle:
        head = handle.read(_PEEK_BYTES)
    wide = encoding.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))
    for bom, name in _BOMS.items():
        if head.startswith(bom) and not wide:
            raise NodeError(f"'{path.name}' is {name.upper()} text (it starts with a byte-order mark); "
                            f"try encoding='{name}'", param="encoding")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise NodeError(f"'{path.name}' is not text but {what}", param="path")
    zero = head.find(b"\x00")
    if zero >= 0 and not wide:
        raise NodeError(f"'{path.name}' looks like a binary file, not delimited text (a NUL byte at offset "
                        f"{zero}); pick a CSV/TSV text file or the reader for its format", param="path")


def encoding_advice(path: Path, encoding: str, *, settable: bool = True) -> str:
    """Where the first undecodable byte is (line, column) and which encoding reads the whole file.

    With `settable=False` (formats that must be UTF-8) the advice is to re-save the file instead.
    """
    if path.suffix.lower() in COMPRESSED:
        return f"'{path.name}' does not decompress to valid {encoding} text; set the encoding it was written in"
    where = ""
    bad = _first_bad_byte(path, encoding)
    if bad is not None:
        offset, byte, line, column = bad
        where = f": byte 0x{byte:02x} on line {line}, column {column} cannot be decoded"
    suggestion = next((c for c in _CANDIDATES if c != encoding and _first_bad_byte(path, c) is None), None)
    if not settable:
        looks = f" (it reads as {suggestion})" if suggestion else ""
        advice = f"re-save it as {encoding}{looks}"
    elif suggestion:
        advice = f"try encoding='{suggestion}'"
    else:
        advice = "find out the file's encoding and set it"
    return f"'{path.name}' is not valid {encoding} text{where}; {advice}"


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, int, int, int] | None:
    """(offset, byte, line, column) of the first byte `encoding` cannot decode, or None if all decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, line, line_start = 0, 1, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                position = max(0, exc.start)
                before = chunk[:position]
                newlines = before.count(b"\n")
                if newlines:
                    line_start = offset + before.rfind(b"\n") + 1
                line += newlines
                bad = offset + position
                return bad, chunk[position] if position < len(chunk) else 0, line, bad - line_start + 1
            newlines = chunk.count(b"\n")
            if newlines:
                line += newlines
                line_start = offset + chunk.rfind(b"\n") + 1
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset, 0, line, offset - line_start + 1
    return None


def _parser_advice(path: Path, exc: Exception, sep: str) -> str:
    detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
    shown = "\\t" if sep == "\t" else sep
    if "Expected" in detail and "fields" in detail:
        return (f"'{path.name}' has a row with a different number of fields than the first: {detail}; "
                f"check the separator ('{shown}'), quoting, or that the header row is right")
    return f"'{path.name}' could not be parsed: {detail}; check the separator ('{shown}') and quoting"


def _option_error(path: Path, exc: Exception, options: dict[str, Any]) -> NodeError:
    """A read_csv failure caused by an option: say which option, and for a type which column."""
    import pandas as pd

    text = str(exc)
    if "parse_dates" in text:
        header = _named(pd.read_csv(path, **{**options, "nrows": 0, "parse_dates": None, "dtype": None}),
                        options["header"])
        check_named_columns(header, [n if isinstance(n, str) else f"column_{n + 1}" for n in options["parse_dates"]],
                            "date_columns")
        return NodeError(f"'{path.name}': {text.replace(chr(39) + 'parse_dates' + chr(39), 'date columns')}",
                         param="date_columns")
    if "header" in text:
        return NodeError(f"'{path.name}': {text}; check header row and rows to skip", param="header_row")
    if options.get("dtype"):
        column = _failing_type_column(path, options)
        shown = column if isinstance(column, str) else f"column_{column + 1}" if column is not None else None
        where = f"column '{shown}' cannot be read as {options['dtype'][column]}" if shown else \
            "a column does not fit its type in column types"
        return NodeError(f"'{path.name}': {where} ({text}); fix the type or clean the column",
                         param="column_types")
    return NodeError(f"'{path.name}' could not be read: {text}", param="path")


def _failing_type_column(path: Path, options: dict[str, Any]) -> str | int | None:
    """Runs only after a failure: read each typed column alone to find the one that failed."""
    import pandas as pd

    for column, dtype in options["dtype"].items():
        try:
            pd.read_csv(path, **{**options, "dtype": {column: dtype}, "parse_dates": None,
                                 "usecols": lambda name, c=column: name == c})
        except (TypeError, ValueError, OverflowError):
            return column
        except Exception:  # noqa: BLE001 - an unrelated failure: keep looking
            continue
    return None


def check_named_columns(frame: Any, names: Any, param: str) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        shown = ", ".join(map(str, frame.columns[:20]))
        raise NodeError(f"no column '{missing[0]}' in the file{did_you_mean(missing[0], frame.columns)}; "
                        f"columns: {shown}", param=param)
