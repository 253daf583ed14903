"""Plain pandas code for the time nodes, for `dataflow export` (the `register_exporters` hook).

Only `parse_dates` so far: the node's one `pd.to_datetime` call with the same format and UTC
setting; with errors = fail the code stops, as the node does, when a value does not match. The
time-series nodes (resample, rolling, lag_lead: grouping with category keys, row positions kept)
and the other date nodes stay calls.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from .schemas import check_format


def parse_dates_code(node: NodeCode) -> Code | None:
    p, lit = node.params, node.literals
    if any(node.bound(name) for name in ("format", "errors", "utc", "output")) or not p["column"]:
        return None
    try:
        fmt = check_format(p["format"])
    except Exception:  # noqa: BLE001 - the node reports the malformed format
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    lines = [f"_text = {table}[{lit['column']}]",
             "_text = _text.astype('str') if isinstance(_text.dtype, pd.CategoricalDtype) else _text",
             f"_dates = pd.to_datetime(_text, format={fmt or 'ISO8601'!r}, errors='coerce', utc={p['utc']!r})"]
    if p["errors"] == "fail":
        lines += ["_failed = _dates.isna() & _text.notna() & (_text.astype('str').str.strip() != '')",
                  "if _failed.any():",
                  f"    raise ValueError(f'{{int(_failed.sum()):,}} value(s) in column ' + repr({lit['column']}) + "
                  f"' do not match the format ' + {fmt or 'ISO 8601'!r} + f', e.g. {{_text[_failed].head(3).tolist()}}')"]
    name = lit["output"] if p["output"] else lit["column"]
    lines += [f"{out} = {table}.copy(deep=False)", f"{out}[{name}] = _dates"]
    return Code(lines, ["import pandas as pd"])


EXPORTERS = {"time.parse_dates": parse_dates_code}
