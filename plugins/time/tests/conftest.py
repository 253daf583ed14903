"""Fixtures: hourly readings of two sensors (with a gap and a missing time), and order dates as text.

Each fixture builds a fresh frame; `run` checks that a node left its input as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dataflow.sdk import run_node


@pytest.fixture
def readings() -> pd.DataFrame:
    """Two sensors, a reading every 6 hours over 10 days; sensor b is silent on days 4-6; one time is
    missing. Rows are shuffled (seeded), so nodes that need time order must sort."""
    times = pd.date_range("2024-03-01", periods=40, freq="6h")
    a = pd.DataFrame({"time": times, "sensor": "a", "temperature": np.linspace(10, 20, 40), "count": np.arange(40)})
    b = pd.DataFrame({"time": times, "sensor": "b", "temperature": np.linspace(5, 8, 40), "count": np.arange(40) * 2})
    b = b[(b["time"] < "2024-03-04") | (b["time"] >= "2024-03-07")]
    table = pd.concat([a, b], ignore_index=True)
    table["sensor"] = table["sensor"].astype("str")
    table.loc[5, "time"] = pd.NaT
    return table.sample(frac=1, random_state=3).reset_index(drop=True)


@pytest.fixture
def orders() -> pd.DataFrame:
    """Order and delivery dates as text, day first, with one value that is not a date."""
    return pd.DataFrame({
        "order_id": [1, 2, 3, 4, 5],
        "ordered": pd.Series(["31/01/2024", "15/02/2024", "not a date", None, "29/02/2024"], dtype="str"),
        "delivered": pd.Series(["02/02/2024 10:30", "15/03/2024 08:00", "01/03/2024 00:00", "05/03/2024 12:00",
                                "28/02/2025 09:00"], dtype="str"),
    })


@pytest.fixture
def run() -> Callable[..., Any]:
    """`run(node, table, **params)`: the node's output table, its input checked unchanged after."""

    def call(fn: Any, table: Any, **params: Any) -> Any:
        before = table.copy(deep=True)
        (value,) = run_node(fn, {"table": table}, **params).values()
        pd.testing.assert_frame_equal(table, before)
        return value

    return call
