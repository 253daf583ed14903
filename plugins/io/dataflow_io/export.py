"""Plain pandas code for the io nodes, for `dataflow export` (the `register_exporters` hook).

File paths stay as written in the workflow (relative to the workflow's folder, where the script
runs). `read_csv` (and `read_file` of a CSV/TSV file) becomes the node's one `pd.read_csv` call with
the same options (pandas' defaults left out); `read_parquet` (and `read_file` of a Parquet file) its
`pd.read_parquet` call; `read_json` its `pd.read_json` call; `low_memory=False` gives what the node gets by re-reading a big file's columns of
mixed numbers and words as text. `write_file` writes as its connector does: a named index moved into
columns, an unnamed one dropped, names made text, no row index. Excel: `read_excel` (and `read_file` of
an .xlsx/.xlsm file) is `pd.read_excel` of the first or the chosen sheet with the engine the node picks
(python-calamine when installed, else openpyxl); `write_excel` (and `write_file` to .xlsx) writes each
table on its sheet with openpyxl, after the node's check that no column holds times with a time zone. The checks the nodes make before
reading (binary files, encodings, column names) only explain failures: a file the node reads, the
code reads the same way. Other formats and options fall back to calling the node.
"""

from __future__ import annotations

from pathlib import Path

from dataflow.sdk import Code, NodeCode

_WRITERS = {"csv": "{frame}.to_csv({path}, index=False, sep=',')",
            "tsv": "{frame}.to_csv({path}, index=False, sep='\\t')",
            "parquet": "{frame}.to_parquet({path}, index=False)",
            "feather": "{frame}.to_feather({path})",
            "json": "{frame}.to_json({path}, orient='records', lines=False, date_format='iso', force_ascii=False)",
            "jsonl": "{frame}.to_json({path}, orient='records', lines=True, date_format='iso', force_ascii=False)"}
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
               ".feather": "feather", ".arrow": "feather", ".ipc": "feather", ".json": "json", ".jsonl": "jsonl",
               ".ndjson": "jsonl"}
_SEPARATORS = {"\\t": "\t", "tab": "\t", "TAB": "\t"}


def _format(node: NodeCode) -> str | None:
    """The format a path and format parameter name (None: one this module does not write here)."""
    if node.bound("format") or node.bound("path") or not isinstance(node.params["path"], str):
        return None
    chosen = node.params["format"]
    if chosen != "auto":
        fits = _EXTENSIONS.get(Path(node.params["path"]).suffix.lower()) == chosen
        return chosen if fits and chosen in _WRITERS else None
    return _EXTENSIONS.get(Path(node.params["path"]).suffix.lower())


def _read_csv(node: NodeCode, options: dict[str, object]) -> Code | None:
    sep = options.get("sep", ",")
    decimal = options.get("decimal", ".")
    if not all(isinstance(o, str) and len(o) == 1 for o in (sep, decimal)) or sep == decimal:
        return None  # the node explains the mistake
    header = options.get("header", 0)
    dtype = options.get("dtype") or {}
    dates = options.get("parse_dates") or []
    if header is None and (dtype or dates):
        return None  # the node maps column_3 to pandas' 2
    # the node's options; pandas' defaults (sep ',', utf-8, the first line as header, ...) are left out
    given = {"sep": sep, "encoding": options.get("encoding", "utf-8"), "header": header,
             "skiprows": options.get("skiprows") or None, "nrows": options.get("nrows") or None, "dtype": dtype or None,
             "parse_dates": list(dates) or None, "na_values": list(options.get("na_values") or []) or None}
    defaults = {"sep": ",", "encoding": "utf-8", "header": 0}
    args = [node.literals["path"], *(f"{name}={value!r}" for name, value in given.items()
                                     if (value is not None or name == "header") and value != defaults.get(name))]
    if decimal != ".":
        args.append(f"decimal={decimal!r}")
    out = node.outputs["table"]
    lines = [f"{out} = pd.read_csv({', '.join(args)}, low_memory=False)"]
    if header is None:
        lines.append(f"{out}.columns = [f'column_{{i + 1}}' for i in range({out}.shape[1])]")
    return Code(lines, ["import pandas as pd"])


def read_csv_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in p if name != "path") or p["header_row"] < -1 or p["skip_rows"] < 0 \
            or p["max_rows"] < 0:
        return None
    import codecs

    try:
        encoding = codecs.lookup(p["encoding"] or "utf-8").name
    except LookupError:
        return None
    return _read_csv(node, {"sep": _SEPARATORS.get(p["separator"], p["separator"]),
                            "decimal": _SEPARATORS.get(p["decimal"], p["decimal"]), "encoding": encoding,
                            "header": None if p["header_row"] == -1 else p["header_row"],
                            "dtype": p["column_types"], "parse_dates": p["date_columns"], "skiprows": p["skip_rows"],
                            "nrows": p["max_rows"], "na_values": p["missing_values"]})


def read_parquet_code(node: NodeCode) -> Code:
    columns = node.literals["columns"]
    selected = "None" if node.params["columns"] == [] and not node.bound("columns") else f"list({columns}) or None"
    return Code([f"{node.outputs['table']} = pd.read_parquet({node.literals['path']}, columns={selected})"],
                ["import pandas as pd"])


#: `excel.excel_engine`'s choice, made when the script runs: python-calamine when installed, else openpyxl
_EXCEL_ENGINE = ("_excel_engine = 'calamine' if _importlib_util.find_spec('python_calamine') is not None "
                 "else 'openpyxl'")
_EXCEL_IMPORTS = ["import importlib.util as _importlib_util", "import pandas as pd"]


def _read_excel(out: str, path: str, sheet: str) -> Code:
    """`excel.read_excel_table`: one sheet (the first when `sheet` is the empty text) as a DataFrame."""
    return Code([_EXCEL_ENGINE,
                 f"{out} = pd.read_excel({path}, sheet_name={sheet} or 0, engine=_excel_engine)"], _EXCEL_IMPORTS)


def read_excel_code(node: NodeCode) -> Code | None:
    if node.bound("path") or not str(node.params["path"]).strip():
        return None
    return _read_excel(node.outputs["table"], node.literals["path"], node.literals["sheet"])


def _write_excel(path: str, sheets: dict[str, str]) -> list[str]:
    """`excel.write_excel_sheets`: each table (a variable) on its sheet, through openpyxl, after the node's checks
    of what Excel cannot hold (times with a time zone)."""
    lines = ["_sheets = {}"]
    for name, table in sheets.items():
        lines += [f"_frame = {table}", *_PLAIN_COLUMNS, f"_sheets[{name!r}] = _frame"]
    return [*lines,
            "for _name, _frame in _sheets.items():",
            "    _zoned = [str(c) for c in _frame.columns if getattr(_frame[c].dtype, 'tz', None) is not None]",
            "    if _zoned:",
            "        raise ValueError('sheet ' + repr(_name) + ': Excel cannot hold times with a time zone ('",
            "                         + ', '.join(_zoned) + '); convert them first')",
            f"with pd.ExcelWriter({path}, engine='openpyxl') as _book:",
            "    for _name, _frame in _sheets.items():",
            "        _frame.to_excel(_book, sheet_name=_name, index=False)"]


def _excel_sheets_fit(path: object, names: list[str]) -> bool:
    """Whether the node would write these sheets to this path (else it stops, and the call says why)."""
    from .excel import check_sheet_names

    if not isinstance(path, str) or not path.strip() or Path(path).suffix.lower() != ".xlsx":
        return False
    try:
        check_sheet_names(names)
    except Exception:
        return False
    return True


def write_excel_code(node: NodeCode) -> Code | None:
    if any(node.bound(name) for name in node.params):
        return None
    tables = [node.inputs[port] for port in ("table", "table_2", "table_3") if port in node.inputs]
    sheets = list(node.params["sheets"])
    if len(sheets) > len(tables):
        return None
    names = sheets + [f"Sheet{i + 1}" for i in range(len(sheets), len(tables))]
    if not _excel_sheets_fit(node.params["path"], names):
        return None
    return Code([*_write_excel(node.literals["path"], dict(zip(names, tables, strict=True))),
                 f"{node.outputs['table']} = {node.inputs['table']}"], ["import pandas as pd"])


def _excel_file(node: NodeCode, suffixes: tuple[str, ...]) -> bool:
    """Whether `read_file`/`write_file` takes this path as an Excel workbook (format `excel`, or `auto` and its
    extension)."""
    if node.bound("format") or node.bound("path") or not isinstance(node.params["path"], str):
        return False
    return node.params["format"] in ("auto", "excel") and Path(node.params["path"]).suffix.lower() in suffixes


def read_file_code(node: NodeCode) -> Code | None:
    if _excel_file(node, (".xlsx", ".xlsm")):
        return _read_excel(node.outputs["table"], node.literals["path"], "''")
    found = _format(node)
    if found == "parquet":
        return Code([f"{node.outputs['table']} = pd.read_parquet({node.literals['path']}, columns=None)"],
                    ["import pandas as pd"])
    if found not in ("csv", "tsv") or Path(node.params["path"]).suffix.lower() not in (".csv", ".tsv", ".tab"):
        return None
    return _read_csv(node, {"sep": "," if found == "csv" else "\t"})


#: `connectors.plain_columns` of `_frame`: a named index moved into columns, an unnamed one dropped, text names
_PLAIN_COLUMNS = [
    "if any(name is not None for name in _frame.index.names):  # a named index is written as columns",
    "    _frame = _frame.reset_index()",
    "elif _frame.index.nlevels > 1 or not (isinstance(_frame.index, pd.RangeIndex) and _frame.index.start == 0 "
    "and _frame.index.step == 1):",
    "    _frame = _frame.reset_index(drop=True)",
    "if not all(isinstance(c, str) for c in _frame.columns):",
    "    _frame = _frame.rename(columns=str)"]


def write_file_code(node: NodeCode) -> Code | None:
    table, out = node.inputs["table"], node.outputs["table"]
    if _excel_file(node, (".xlsx", ".xlsm")):  # the connector writes one sheet, Sheet1, and only to .xlsx
        if not _excel_sheets_fit(node.params["path"], ["Sheet1"]):
            return None
        return Code([*_write_excel(node.literals["path"], {"Sheet1": table}), f"{out} = {table}"],
                    ["import pandas as pd"])
    found = _format(node)
    if found is None or not str(node.params["path"]).strip():
        return None
    return Code([f"_frame = {table}", *_PLAIN_COLUMNS, _WRITERS[found].format(frame="_frame", path=node.literals["path"]),
                 f"{out} = {table}"], ["import pandas as pd"])


def read_json_code(node: NodeCode) -> Code | None:
    """`jsonfiles.read_json_table`: records or JSON lines, no type guessing; each date column parsed, or left
    as text when it does not parse (the node warns)."""
    if any(node.bound(name) for name in ("orient", "date_columns")):
        return None
    out, lines = node.outputs["table"], node.params["orient"] == "lines"
    code = [f"{out} = pd.read_json({node.literals['path']}, orient='records', lines={lines!r}, dtype=False, "
            "encoding='utf-8')"]
    for name in node.params["date_columns"]:
        code += ["try:", f"    {out}[{name!r}] = pd.to_datetime({out}[{name!r}])",
                 "except (TypeError, ValueError, OverflowError):", "    pass  # left as written"]
    return Code(code, ["import pandas as pd"])


def read_folder_code(node: NodeCode) -> Code | None:
    """`folders.read_folder_table` for CSV and TSV files (the format chosen, or the pattern's extension): the
    same files in the same order, each read as `read_file` reads it, the same rule for differing columns,
    text where files disagree on a column's type, and the same source column."""
    p = node.params
    if any(node.bound(name) for name in p) or not str(p["folder"]).strip():
        return None
    pattern = str(p["pattern"]).strip()
    fmt = p["format"] if p["format"] != "auto" else _EXTENSIONS.get(Path(pattern).suffix.lower())
    if fmt not in ("csv", "tsv") or not pattern or "\\" in pattern or pattern.startswith(("/", "~")) \
            or ".." in Path(pattern).parts:
        return None
    out, source, mismatched = node.outputs["table"], p["source_column"], p["mismatched"]
    read = "pd.read_csv(_path, low_memory=False)" if fmt == "csv" else "pd.read_csv(_path, sep='\\t', low_memory=False)"
    lines = [f"_root = _pathlib.Path({node.literals['folder']}).resolve()",
             "_files = []",
             f"for _match in sorted(_root.glob({pattern!r})):  # in the order of their paths",
             "    _real = _match.resolve()",
             "    if not _real.is_relative_to(_root):",
             "        raise ValueError(f'{_match} is a link to {_real}, outside the folder {_root}')",
             "    if _real.is_file() and not _match.name.startswith('.'):",
             "        _files.append(_real)",
             "if not _files:",
             f"    raise ValueError(f'no file in {{_root}} matches ' + {pattern!r})",
             "_frames, _names, _odd, _first = [], [], [], None",
             "for _path in _files:",
             f"    _frame = {read}",
             "    _columns = [str(c) for c in _frame.columns]",
             "    if _first is None:",
             "        _first = _columns",
             "    elif set(_columns) != set(_first):  # columns differ from the first file's",
             "        _odd.append(_path.relative_to(_root).as_posix())",
             *(["        continue"] if mismatched != "combine" else []),
             "    elif _columns != _first:",
             "        _frame = _frame[_first]",
             "    _frames.append(_frame)",
             "    _names.append(_path.relative_to(_root).as_posix())"]
    if mismatched == "error":
        lines += ["if _odd:",
                  "    raise ValueError(f'{len(_odd)} of {len(_files)} files do not have the columns of the first file: '",
                  "                     + ', '.join(_odd))"]
    lines += [f"{out} = pd.concat(_frames, ignore_index=True, sort=False) if len(_frames) > 1 else _frames[0]",
              "if len(_frames) > 1:  # a column of numbers in one file and text in another is text",
              f"    for _name in {out}.columns:",
              f"        _column = {out}[_name]",
              "        if _column.dtype == 'object' and pd.api.types.infer_dtype(_column, skipna=True) in "
              "('mixed', 'mixed-integer'):",
              f"            {out}[_name] = _column.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v))"
              ".astype('str')"]
    if source:
        lines += [f"if {source!r} in {out}.columns:",
                  f"    raise ValueError('a file already has a column ' + repr({source!r}))",
                  f"{out}.insert(0, {source!r}, pd.Categorical.from_codes(np.repeat(np.arange(len(_frames)), "
                  "[len(f) for f in _frames]), categories=_names))"]
    return Code(lines, ["import numpy as np", "import pandas as pd", "import pathlib as _pathlib"])


EXPORTERS = {"io.read_csv": read_csv_code, "io.read_file": read_file_code, "io.write_file": write_file_code,
             "io.read_parquet": read_parquet_code, "io.read_json": read_json_code, "io.read_folder": read_folder_code,
             "io.read_excel": read_excel_code, "io.write_excel": write_excel_code}
