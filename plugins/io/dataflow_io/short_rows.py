"""Rows with fewer fields than the header: pandas fills their missing fields with NaN without a word.

`short_rows_warning` finds them after a read, so the reader can say how many there are and on which
lines (1-based, as a text editor numbers them). pandas cannot help: its tokenizer pads a short row
with empty fields, so `4,5` and `4,5,` under `a,b,c` come back the same. The raw file has to be
looked at again, and the cost is kept where it pays:

1. Nothing is scanned when the table's last column has no missing value, since a short row always
   leaves it missing. That is one `isna` over one column (about 1 ms for 1,000,000 rows), and it is
   the usual case.
2. Otherwise `_scan_bytes` counts separators per record with numpy over the raw bytes: measured on
   a 1,000,000-row, 52 MB file that pandas read in 0.15 s, it added 0.18 s, or 0.33 s with a quoted
   field on every row. (Counting only in the rows whose last field is missing is faster when they
   are few, but much slower when they are many; not done.) A separator or newline is inside a quoted field when
   an odd number of quotes comes before it; this is true of RFC 4180 quoting (`""` is an escaped
   quote) but not of a stray quote inside an unquoted field (`5" pipe`), so the scan gives up when a
   quote does not open or close a field, and also for bare `\\r` line ends, compressed files and
   encodings where a separator byte can be part of a character (UTF-16, Shift-JIS, ...).
3. Then `_scan_text` reads the file with the `csv` module, whose quoting rules are those of pandas'
   C parser. It is exact but loops in Python (it added 0.87 s on the same file), so it is also
   what a `nrows` quick look uses: it stops after the rows that were read.

Both scans give records as (first line, number of fields, blank?), and pandas' rules are applied
to them: `skiprows` counts records, blank ones too; `header=k` counts the non-blank records after
those; blank and whitespace-only lines are not rows. The answer is checked against the table (the
same number of rows; each short row has its last field missing): when the byte scan disagrees the
text scan decides, and a row the text scan finds short that pandas did not fill is never reported.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
from collections.abc import Iterator
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Any

_SHOWN = 5  # line numbers listed in the warning
_BLOCK = 1 << 20  # bytes looked at at once by the byte scan
_STREAM_ROWS = 200_000  # a `nrows` read of at most this many rows is checked by the streaming scan
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_UNREADABLE = {".zip", ".zst", ".tar"}  # compressed in ways the standard library cannot stream simply
_LF, _CR, _QUOTE, _SPACE, _TAB = 10, 13, 34, 32, 9


def short_rows_warning(path: Path, frame: Any, *, sep: str, encoding: str, skiprows: int,
                       header: int | None, nrows: int | None) -> str | None:
    """The warning for the rows of `frame` (read from `path` with these options) that were short, or None."""
    import pandas as pd

    if frame.shape[0] == 0 or frame.shape[1] == 0:
        return None
    missing = frame.iloc[:, -1].isna().to_numpy()
    if not missing.any():
        return None  # step 1: no row can be short
    index = frame.index
    implicit = not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1)
    expected = frame.shape[1] + (index.nlevels if implicit else 0)  # pandas made the extra fields an index
    if expected < 2:
        return None
    rules = dict(expected=expected, missing=missing, skiprows=skiprows or 0, header=header)
    found = None
    if nrows is None or nrows > _STREAM_ROWS:
        records = _scan_bytes(path, sep, encoding)
        if records is not None:
            found = _short_rows_vectorised(*records, complete=nrows is None, **rules)
    if found is None:
        records = _scan_text(path, sep, encoding)
        if records is None:
            return None
        with closing(records):  # the scan usually stops before the end of the file
            found = _short_rows_streamed(records, **rules)
    count, lines = found
    if count == 0:
        return None
    shown = ", ".join(map(str, lines)) + (", ..." if count > len(lines) else "")
    than = "the header" if header is not None else "the first row"
    if count == 1:
        return (f"'{path.name}': 1 row has fewer fields than {than} (line {shown}): its missing fields "
                f"are empty; if they should not be, check the separator and quoting")
    return (f"'{path.name}': {count} rows have fewer fields than {than} (lines {shown}): their missing "
            f"fields are empty; if they should not be, check the separator and quoting")


# --- pandas' rules: which records are the table's rows --------------------------------------------

def _short_rows_vectorised(line: Any, fields: Any, blank: Any, *, expected: int, missing: Any, skiprows: int,
                           header: int | None, complete: bool) -> tuple[int, list[int]] | None:
    """(how many rows are short, the first lines) from the byte scan; None if it disagrees with the table."""
    import numpy as np

    rows = len(missing)
    kept = np.flatnonzero(~blank[skiprows:]) + skiprows
    if header is not None:
        kept = kept[header + 1:]
    if len(kept) < rows or (complete and len(kept) != rows):
        return None
    kept = kept[:rows]
    short = fields[kept] < expected
    if (short & ~missing).any():
        return None  # a row pandas did not fill: the scan misread the quoting
    where = np.flatnonzero(short)
    return len(where), line[kept[where[:_SHOWN]]].tolist()


def _short_rows_streamed(records: Iterator[tuple[int, int, bool]], *, expected: int, missing: Any,
                         skiprows: int, header: int | None) -> tuple[int, list[int]]:
    """(how many rows are short, the first lines) from the text scan, stopping after the table's last row."""
    rows, count, lines, seen, row = len(missing), 0, [], 0, 0
    for number, (line, fields, blank) in enumerate(records):
        if number < skiprows or blank:
            continue
        seen += 1
        if header is not None and seen <= header + 1:
            continue
        if row >= rows:
            break
        if fields < expected and missing[row]:  # a row pandas did not fill is not reported
            count += 1
            if len(lines) < _SHOWN:
                lines.append(line)
        row += 1
    return count, lines


# --- the scans: records as (first line, number of fields, blank?) -------------------------------

def _scan_bytes(path: Path, sep: str, encoding: str) -> tuple[Any, Any, Any] | None:
    """Three arrays (first line, fields, blank) per record, or None when the bytes need the text scan.

    The file is mapped, not read into memory, and looked at in blocks of 1 MB: every temporary
    array stays small (whole-file masks and positions took twice as long, in page faults).
    """
    import numpy as np

    if path.suffix.lower() in _OPENERS or path.suffix.lower() in _UNREADABLE or not _byte_safe(encoding):
        return None
    size = path.stat().st_size
    if not size:
        return None
    data = np.memmap(path, dtype=np.uint8, mode="r")
    byte = ord(sep)
    # per block: every line end (for line numbers); quotes; the line ends outside quotes, which end
    # records; and, at each record end and each quote, how many separators come before it
    newlines, quotes, ends, before_ends, before_quotes = [], [], [], [], []
    quotes_so_far = separators_so_far = 0
    for start in range(0, size, _BLOCK):
        block = data[start:start + _BLOCK]
        returns = np.flatnonzero(block == _CR) + start + 1
        if returns.size and (returns[-1] >= size or (data[returns] != _LF).any()):
            return None  # old Mac line ends (a bare \r)
        quote = np.flatnonzero(block == _QUOTE)
        newline = np.flatnonzero(block == _LF)
        separator = np.flatnonzero(block == byte)
        end = newline[(quotes_so_far + np.searchsorted(quote, newline)) % 2 == 0]
        before_ends.append(separators_so_far + np.searchsorted(separator, end))
        before_quotes.append(separators_so_far + np.searchsorted(separator, quote))
        newlines.append(newline + start)
        quotes.append(quote + start)
        ends.append(end + start)
        quotes_so_far += quote.size
        separators_so_far += separator.size
    newline, quote, end, before_end, before_quote = map(
        np.concatenate, (newlines, quotes, ends, before_ends, before_quotes))
    if quote.size % 2 or (quote.size and not _regular_quotes(data, quote, byte)):
        return None
    if not end.size or end[-1] != size - 1:  # a last line without a line end
        end, before_end = np.append(end, size), np.append(before_end, separators_so_far)
    start = np.concatenate(([0], end[:-1] + 1))
    fields = np.diff(before_end, prepend=0) + 1
    if quote.size:  # less the separators inside quoted fields, counted per field
        inside = before_quote[1::2] - before_quote[0::2]
        fields -= np.bincount(np.searchsorted(end, quote[0::2]), weights=inside,
                              minlength=end.size).astype(fields.dtype)
    line = np.searchsorted(newline, start) + 1
    blank = (fields == 1) & (end == start)
    maybe = np.flatnonzero((fields == 1) & (end > start))
    if maybe.size:  # a line of spaces and tabs is blank to pandas too (unless one is the separator)
        lengths = end[maybe] - start[maybe]
        offsets = np.cumsum(lengths) - lengths
        chars = data[np.repeat(start[maybe] - offsets, lengths) + np.arange(lengths.sum())]
        visible = (chars != _SPACE) & (chars != _TAB) & (chars != _CR)
        blank[maybe] = np.add.reduceat(visible, offsets, dtype=np.int64) == 0
    return line, fields, blank


def _regular_quotes(data: Any, quotes: Any, sep: int) -> bool:
    """Whether every odd quote opens a field and every even one closes it (or escapes a quote, `""`)."""
    import numpy as np

    bounds = np.array([sep, _LF, _CR, _QUOTE], dtype=np.uint8)
    opening, closing = quotes[0::2], quotes[1::2]
    bom = 3 if bytes(data[:3]) == b"\xef\xbb\xbf" else 0
    before = np.isin(data[np.maximum(opening - 1, 0)], bounds) | (opening == bom)
    after = np.isin(data[np.minimum(closing + 1, data.size - 1)], bounds) | (closing == data.size - 1)
    return bool(before.all() and after.all())


@cache
def _byte_safe(encoding: str) -> bool:
    """Whether separators, quotes and line ends are single ASCII bytes that no character contains:
    UTF-8 and the one-byte ASCII-compatible encodings (cp1252, latin-1, ...), not UTF-16 or Shift-JIS."""
    if encoding.replace("_", "-").startswith("utf-8"):
        return True
    try:
        ascii_same = bytes(range(128)).decode(encoding) == bytes(range(128)).decode("ascii")
        return ascii_same and len(bytes(range(256)).decode(encoding, errors="replace")) == 256
    except (LookupError, UnicodeDecodeError):
        return False


def _scan_text(path: Path, sep: str, encoding: str) -> Iterator[tuple[int, int, bool]] | None:
    """Records from the `csv` module, or None for a compression it cannot open."""
    suffix = path.suffix.lower()
    if suffix in _UNREADABLE:
        return None
    return _text_records(_OPENERS.get(suffix, open), path, sep, encoding)


def _text_records(opener: Any, path: Path, sep: str, encoding: str) -> Iterator[tuple[int, int, bool]]:
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as handle:
        last = [""]

        def lines() -> Iterator[str]:  # keeps the last line read: `"  "` is a row, `  ` a blank line
            for last[0] in handle:
                yield last[0]

        reader = csv.reader(lines(), delimiter=sep, quotechar='"', doublequote=True, strict=False)
        line = 1
        try:
            for row in reader:
                blank = not row or (len(row) == 1 and row[0] != "" and not last[0].strip(" \t\r\n"))
                yield line, len(row), blank
                line = reader.line_num + 1
        except csv.Error:
            return  # a field over csv's size limit: the rows after it are not checked
