"""Reading Excel workbooks through whichever engine is installed: python-calamine, else openpyxl;
writing them (one table per sheet) through openpyxl.

Neither is a dependency of dataflow-io (`pip install dataflow-io[excel]` brings openpyxl): without
one, the `excel` source is not registered and `io.read_excel` says what to install; without
openpyxl the `excel` format cannot write and `io.write_excel` says what to install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError

from .files import atomic_write, check_readable
from .names import did_you_mean

# (module to look for, pandas engine name), fastest first
ENGINES = (("python_calamine", "calamine"), ("openpyxl", "openpyxl"))
INSTALL_HINT = "pip install openpyxl (or pip install python-calamine, which is faster)"


def excel_engine() -> str | None:
    """The pandas engine name of the first installed Excel reader, or None."""
    for module, engine in ENGINES:
        if importlib.util.find_spec(module) is not None:
            return engine
    return None


def read_excel_table(path: str | Path, sheet: str = "") -> Any:
    """One sheet of a workbook as a DataFrame (the first sheet when `sheet` is empty)."""
    import pandas as pd

    engine = excel_engine()
    if engine is None:
        raise NodeError(f"reading Excel files needs an Excel engine, and none is installed: {INSTALL_HINT}",
                        param="path")
    path = check_readable(path)
    try:
        book = pd.ExcelFile(path, engine=engine)
    except Exception as exc:  # each engine raises its own errors for a file that is not a workbook
        raise NodeError(f"'{path.name}' is not a readable Excel workbook (damaged, or another format?): "
                        f"{type(exc).__name__}: {exc}", param="path") from None
    with book:
        names = [str(name) for name in book.sheet_names]
        if sheet and sheet not in names:
            raise NodeError(f"no sheet '{sheet}' in '{path.name}'{did_you_mean(sheet, names)}; sheets: "
                            f"{', '.join(names)}", param="sheet")
        return pd.read_excel(book, sheet_name=sheet or book.sheet_names[0])


WRITE_HINT = "pip install openpyxl"
#: characters Excel refuses in a sheet's name, and its longest name
_SHEET_FORBIDDEN = set("[]:*?/\\")
SHEET_NAME_MAX = 31


def can_write_excel() -> bool:
    return importlib.util.find_spec("openpyxl") is not None


def check_sheet_names(names: list[str], param: str = "sheets") -> list[str]:
    """The names, once Excel would accept each and none repeats (Excel compares them ignoring case)."""
    seen: set[str] = set()
    for name in names:
        bad = sorted(_SHEET_FORBIDDEN & set(name))
        if not name.strip() or len(name) > SHEET_NAME_MAX or bad or name.startswith("'") or name.endswith("'"):
            reason = (f"holds {' '.join(bad)}" if bad else f"is longer than {SHEET_NAME_MAX} characters"
                      if len(name) > SHEET_NAME_MAX else "is empty or starts or ends with a quote")
            raise NodeError(f"the sheet name '{name}' {reason}; Excel refuses it", param=param)
        if name.lower() in seen:
            raise NodeError(f"two sheets are named '{name}'; give each table its own sheet name", param=param)
        seen.add(name.lower())
    return names


def write_excel_sheets(path: str | Path, sheets: dict[str, Any], *, param: str = "path") -> None:
    """Write each table on its own sheet of one .xlsx workbook, atomically (a failed write leaves
    the old file); a table Excel cannot hold is a NodeError naming its sheet."""
    import pandas as pd

    if not can_write_excel():
        raise NodeError(f"writing Excel files needs openpyxl, which is not installed: {WRITE_HINT}", param=param)
    if Path(path).suffix.lower() != ".xlsx":
        raise NodeError(f"'{Path(path).name}' does not end in .xlsx; Excel workbooks are written as .xlsx "
                        "(never .xlsm, which may hold macros)", param=param)
    check_sheet_names(list(sheets))
    for name, frame in sheets.items():
        zoned = [str(c) for c in frame.columns if getattr(frame[c].dtype, "tz", None) is not None]
        if zoned:
            raise NodeError(f"sheet '{name}': Excel cannot hold times with a time zone ({', '.join(zoned)}); "
                            "convert them first (remove or convert the time zone)", param=param)

    def write(temporary: Path) -> None:
        with pd.ExcelWriter(temporary, engine="openpyxl") as book:
            for name, frame in sheets.items():
                frame.to_excel(book, sheet_name=name, index=False)

    atomic_write(Path(path), write, param=param)
