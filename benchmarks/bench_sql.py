"""sql.query on the 1M-row pipeline (filter -> customer statistics -> join back) vs a plain DuckDB
script and vs the plain pandas script.

    python benchmarks/bench_sql.py              # 7 interleaved samples
    python benchmarks/bench_sql.py --repeats 9

The orders table is the reference pipeline's (shared/recipes/performance/reference_pipeline.py:
1M rows, 50,000 customers), made in memory once. The work, as one query:

    WITH o AS (SELECT * FROM a WHERE quantity >= 1 AND price > 0),
         s AS (SELECT customer_id, avg(price) ..., sum(quantity) ..., count(*) ... FROM o GROUP BY customer_id)
    SELECT o.*, s.* EXCLUDE (customer_id) FROM o LEFT JOIN s USING (customer_id) ORDER BY order_id

- subject: `sql.query` called as the engine calls it (its locked sandbox, 2 threads, time limit);
- floor: the same query on a plain `duckdb.connect()` with the table registered, `.df()`;
- info: the plain pandas script (boolean mask, groupby/agg, merge).
All three in this process, interleaved; checked once to give the same table. Target: <= 1.2x
the plain DuckDB script (the issue's).
"""

from __future__ import annotations

import time
from pathlib import Path

QUERY = """WITH o AS (SELECT * FROM a WHERE quantity >= 1 AND price > 0),
     s AS (SELECT customer_id, avg(price) AS cust_mean_price, sum(quantity) AS cust_total_qty,
                  count(*) AS cust_n_orders FROM o GROUP BY customer_id)
SELECT o.*, s.cust_mean_price, s.cust_total_qty, s.cust_n_orders
FROM o LEFT JOIN s USING (customer_id) ORDER BY order_id"""


def orders(n: int = 1_000_000, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "order_id": np.arange(n), "customer_id": rng.integers(0, 50_000, n),
        "region": rng.choice(["north", "south", "east", "west", "central", "ne", "nw", "se"], n),
        "quantity": rng.integers(-2, 20, n), "price": np.round(rng.lognormal(3, 1, n), 2),
        "discount": np.round(rng.random(n) * 0.3, 3)})


def plain_pandas(raw):
    import pandas as pd

    o = raw[(raw["quantity"] >= 1) & (raw["price"] > 0)]
    g = o.groupby("customer_id")
    stats = pd.DataFrame({"cust_mean_price": g["price"].mean(), "cust_total_qty": g["quantity"].sum(),
                          "cust_n_orders": g.size()}).reset_index()
    return o.merge(stats, on="customer_id", how="left")


def run(repeats: int) -> list:
    import duckdb
    from dataflow_sql.query import query
    from harness import Figure, interleave, report

    table = orders()

    def node() -> object:
        return query(table, query=QUERY)

    def plain() -> object:
        connection = duckdb.connect()
        try:
            connection.register("a", table)
            return connection.execute(QUERY).df()
        finally:
            connection.close()

    def timed(fn):
        def sample() -> float:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started
        return sample

    ours, floor, pandas_out = node(), plain(), plain_pandas(table)
    assert ours.shape == floor.shape == pandas_out.shape, (ours.shape, floor.shape, pandas_out.shape)
    assert ours["cust_total_qty"].sum() == floor["cust_total_qty"].sum() == pandas_out["cust_total_qty"].sum()
    samples = interleave({"node": timed(node), "duckdb": timed(plain), "pandas": timed(lambda: plain_pandas(table))},
                         repeats)
    figures = [
        Figure("sql.query, 1M-row filter -> customer stats -> join", samples["node"], samples["duckdb"],
               "plain DuckDB script", unit="ms", target_on="ratio", target=1.2),
        Figure("sql.query vs the plain pandas script", samples["node"], samples["pandas"], "plain pandas script",
               unit="ms"),
    ]
    report(figures)
    return figures


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import harness

    harness.main(run)
