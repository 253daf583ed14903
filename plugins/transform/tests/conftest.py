"""Fixtures: small realistic tables (sales with dates and gaps, customers) and a larger random one.

Each fixture builds a fresh frame, so a test that (wrongly) mutated its input could not affect
another test; `unchanged` asserts that a node left its input as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dataflow.sdk import run_node

SALES = [
    # order_id, customer_id, region, product, quantity, unit price, order_date, channel
    (1001, 1, "north", "widget", 3, 9.99, "2024-01-03 09:15", "web"),
    (1002, 2, "south", "gadget", 1, 24.50, "2024-01-04 14:02", "store"),
    (1003, 1, "north", "gizmo", 10, 4.25, "2024-01-15 11:40", "web"),
    (1004, 3, "east", "widget", 2, 9.99, "2024-02-01 16:30", "phone"),
    (1005, 4, None, "gadget", 5, np.nan, "2024-02-11 08:05", "web"),
    (1006, 2, "south", "widget", 7, 8.99, "2024-02-28 19:45", "store"),
    (1007, 5, "west", "gizmo", 1, 4.50, None, "web"),
    (1008, 6, "north", "gadget", 4, 23.00, "2024-03-09 10:10", "store"),
    (1009, 3, "east", "gizmo", 12, 4.25, "2024-03-21 13:00", "web"),
    (1010, 1, "north", "widget", 3, 9.99, "2024-03-30 17:20", "phone"),
    (1011, 4, "west", "gadget", 2, 25.00, "2024-04-02 12:00", "web"),
    (1012, 5, "south", "widget", 6, np.nan, "2024-04-18 09:00", "store"),
]


@pytest.fixture
def sales() -> pd.DataFrame:
    """12 orders: a missing region, two missing prices, a missing date, a column name with a space."""
    df = pd.DataFrame(SALES, columns=["order_id", "customer_id", "region", "product", "quantity", "unit price",
                                      "order_date", "channel"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


@pytest.fixture
def customers() -> pd.DataFrame:
    """6 customers (one, id 7, has no orders; customer 6 is unknown here); signup dates kept as text."""
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 7],
        "name": ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson"],
        "city": ["London", "Manchester", None, "Austin", "Boston", "Berkeley"],
        "signup": ["2023-05-01", "2023-07-19", "2023-11-30", None, "2024-01-08", "2024-02-14"],
        "segment": ["retail", "business", "business", "retail", None, "retail"],
    })


@pytest.fixture
def orders() -> pd.DataFrame:
    """2,000 random orders (seeded) with gaps in every kind of column, for comparisons with pandas."""
    rng = np.random.default_rng(7)
    n = 2_000
    df = pd.DataFrame({
        "order_id": np.arange(n),
        "customer_id": rng.integers(0, 150, n),
        "region": pd.Series(rng.choice(["north", "south", "east", "west"], n), dtype="str"),
        "quantity": rng.integers(1, 20, n),
        "price": np.round(rng.lognormal(3, 1, n), 2),
        "discount": np.round(rng.random(n) * 0.3, 3),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
        "returned": rng.random(n) < 0.1,
    })
    df.loc[rng.choice(n, 60, replace=False), "price"] = np.nan
    df.loc[rng.choice(n, 40, replace=False), "region"] = np.nan
    df.loc[rng.choice(n, 20, replace=False), "order_date"] = pd.NaT
    return df


@pytest.fixture
def run() -> Callable[..., Any]:
    """`run(node, table, **params)`: the node's single output, with its input checked unchanged after."""

    def call(fn: Any, inputs: Any, **params: Any) -> Any:
        inputs = inputs if isinstance(inputs, dict) else {"table": inputs}
        before = {name: frame.copy(deep=True) for name, frame in inputs.items()}
        outputs = run_node(fn, inputs, **params)
        for name, frame in inputs.items():
            pd.testing.assert_frame_equal(frame, before[name])  # nodes never mutate their inputs
        (value,) = outputs.values()
        return value

    return call
