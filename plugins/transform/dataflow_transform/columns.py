"""Column nodes: keep or drop columns, rename them, add one computed by a formula."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Column, Formula, Help, NodeError, Table, evaluate_formula, node

from . import schemas
from ._common import COLUMNS, require_columns


@node(category=COLUMNS, label="Select columns", schema=schemas.select)
def select(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "The columns to keep (in this order) or to drop.")] = [],
    mode: Annotated[Literal["keep", "drop"], Help(
        "keep: only the listed columns remain, in the order listed (so this also reorders columns). "
        "drop: every column except the listed ones remains.")] = "keep",
) -> Table:
    """Keep only some columns (in the order you list them), or drop some columns."""
    require_columns(table, columns, "columns")
    if mode == "drop":
        return table.drop(columns=columns)
    if not columns:
        raise NodeError("pick at least one column to keep (or switch mode to 'drop')", param="columns")
    return table.loc[:, columns]


@node(category=COLUMNS, label="Rename columns", schema=schemas.rename)
def rename(
    table: Table,
    *,
    mapping: Annotated[dict[str, str], Help(
        'Old name -> new name for each column to rename, e.g. {"qty": "quantity"}. '
        "Columns not listed keep their names.")] = {},
) -> Table:
    """Give columns new names."""
    require_columns(table, mapping, "mapping")
    for old, new in mapping.items():
        if not new.strip():
            raise NodeError(f"the new name for {old!r} is empty", param="mapping")
    names = [mapping.get(c, c) for c in table.columns]
    seen: set[object] = set()
    for name in names:
        if name in seen:
            raise NodeError(f"after renaming, two columns would be called {name!r}; choose another name",
                            param="mapping")
        seen.add(name)
    return table.rename(columns=mapping)


@node(category=COLUMNS, label="Derive column", schema=schemas.derive)
def derive(
    table: Table,
    *,
    name: Annotated[str, Help(
        "The name of the new column. If a column of that name exists, its values are replaced.")] = "new_column",
    formula: Annotated[str, Formula(), Help(
        "How to compute each row, from other columns: price * quantity, round(price * 1.2, 2), "
        "upper(region), 'big' if quantity > 10 else 'small', year(order_date). "
        "Write column names with spaces in backticks: `unit price` * 2.")] = "",
) -> Table:
    """Add a column computed by a formula from the other columns of each row."""
    if not name.strip():
        raise NodeError("give the new column a name", param="name")
    if not formula.strip():
        raise NodeError("type a formula, e.g. price * quantity", param="formula")
    values = evaluate_formula(formula, table, param="formula")
    out = table.copy(deep=False)
    out[name] = values
    return out
