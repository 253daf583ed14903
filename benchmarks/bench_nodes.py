"""The benchmarks' own nodes, registered as plugin "bench" through `load_registry(extra=...)`.

This module must stay importable as `bench_nodes` from any process the benchmarks start (the
process executor's workers import node functions by module name): `harness.prepare_environment`
puts this folder on `sys.path` and `PYTHONPATH`. numpy, pandas and scikit-learn are imported
inside the nodes, so a fully cached run never pays for importing them.
"""

from __future__ import annotations

from typing import Annotated, TypedDict

from dataflow.sdk import FilePath, Metrics, Model, Params, Table, hookimpl, node

# --- trivial nodes: engine overhead --------------------------------------------------------


@node(category="Bench")
def start(*, value: int = 0) -> Params:
    """A tiny dict to start a chain or a fan."""
    return {"n": value}


@node(category="Bench")
def inc(x: Params, *, step: int = 1) -> Params:
    """Add `step` to the counter: a node that costs nothing, so the engine's own cost shows."""
    return {"n": x["n"] + step}


# --- tables: cache hits and writes ---------------------------------------------------------

REGIONS = ["north", "south", "east", "west", "central", "ne", "nw", "se"]


@node(category="Bench", cache="keep")  # kept on disk at any size: the disk-hit figures read it back
def make_table(*, rows: int = 1_000_000, seed: int = 0) -> Table:
    """A `rows` x 10 table: 6 float, 2 int, 1 datetime and 1 string column (about 10 MB per 100k rows)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data = {f"f{i}": rng.random(rows) for i in range(6)}
    data["i0"] = rng.integers(0, 1_000, rows)
    data["i1"] = np.arange(rows, dtype=np.int64)
    data["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    data["region"] = pd.Series(np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), rows)], dtype="str")
    return pd.DataFrame(data)


@node(category="Bench")
def summarize(table: Table) -> Table:
    """Group-by of the table on its int key: some downstream work while a cache write runs."""
    return table.groupby("i0").agg(f0=("f0", "sum"), f1=("f1", "mean"), n=("f2", "size")).reset_index()


# --- CPU-heavy branches: parallel executors ------------------------------------------------


@node(category="Bench", cache="none")
def heavy_groupby(*, seed: int = 0, rows: int = 5_000_000, groups: int = 200_000) -> Metrics:
    """Build `rows` random rows from `seed` and aggregate them by a key with `groups` values."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"k": rng.integers(0, groups, rows), "v": rng.random(rows), "w": rng.random(rows)})
    agg = frame.groupby("k").agg(v=("v", "sum"), w=("w", "mean"), n=("v", "size"))
    ranked = agg.sort_values("v")
    return {"groups": float(len(agg)), "v": float(ranked["v"].iloc[-1]), "w": float(agg["w"].mean())}


# --- the realistic pipeline (shared/recipes/performance/reference_pipeline.py) --------------

NUM = ["quantity", "price", "discount", "cust_mean_price", "cust_total_qty", "cust_n_orders"]


def make_csv(path: str, n: int = 1_000_000, seed: int = 0) -> None:
    """The reference pipeline's orders file: n rows, 9 columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    price = np.round(rng.lognormal(3, 1, n), 2)
    qty = rng.integers(-2, 20, n)
    disc = np.round(rng.random(n) * 0.3, 3)
    logit = 0.03 * (price - 30) - 4 * disc + 0.05 * qty + rng.normal(0, 1, n)
    pd.DataFrame({
        "order_id": np.arange(n), "customer_id": rng.integers(0, 50_000, n),
        "region": rng.choice(REGIONS, n), "product": np.char.add("sku_", rng.integers(0, 200, n).astype(str)),
        "quantity": qty, "price": price, "discount": disc,
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "churned": (logit > 0).astype(np.int8),
    }).to_csv(path, index=False)


@node(category="Bench")
def load_orders(*, path: Annotated[str, FilePath(extensions=(".csv",))] = "") -> Table:
    """Read the orders CSV."""
    import pandas as pd

    return pd.read_csv(path)


@node(category="Bench")
def filter_orders(raw: Table, *, min_qty: int = 1) -> Table:
    """Orders with at least `min_qty` items and a positive price."""
    return raw[(raw["quantity"] >= min_qty) & (raw["price"] > 0)]


@node(category="Bench")
def customer_stats(orders: Table) -> Table:
    """Mean price, total quantity and order count per customer."""
    import pandas as pd

    g = orders.groupby("customer_id")
    return pd.DataFrame({"cust_mean_price": g["price"].mean(), "cust_total_qty": g["quantity"].sum(),
                         "cust_n_orders": g.size()}).reset_index()


@node(category="Bench")
def join_stats(orders: Table, stats: Table) -> Table:
    """Each order with its customer's statistics."""
    return orders.merge(stats, on="customer_id", how="left")


@node(category="Bench")
def training_set(joined: Table, *, n_rows: int = 100_000, seed: int = 0) -> Table:
    """A sample of `n_rows` orders: numeric features, one-hot regions and the label `churned`."""
    import pandas as pd

    s = joined.sample(n=n_rows, random_state=seed)
    return pd.concat([s[NUM], pd.get_dummies(s["region"], prefix="r", dtype=float), s[["churned"]]], axis=1)


class Fitted(TypedDict):
    model: Model
    metrics: Metrics


@node(category="Bench")
def train(ts: Table, *, C: float = 1.0) -> Fitted:
    """Logistic regression on the standardised features; its training accuracy."""
    from sklearn.linear_model import LogisticRegression

    X, y = ts.drop(columns="churned"), ts["churned"].to_numpy()
    X = (X - X.mean()) / X.std()
    model = LogisticRegression(C=C, max_iter=300).fit(X, y)
    return {"model": model, "metrics": {"accuracy": float(model.score(X, y))}}


NODES = [start, inc, make_table, summarize, heavy_groupby, load_orders, filter_orders, customer_stats,
         join_stats, training_set, train]


@hookimpl
def register_nodes(register):
    for fn in NODES:
        register(fn)
