"""Reading Excel workbooks through whichever engine is installed: python-calamine, else openpyxl.

Neither is a dependency of dataflow-io (`pip install dataflow-io[excel]` brings openpyxl): without
one, the `excel` source is not registered and `io.read_excel` says what to install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError

from .files import check_readable
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
