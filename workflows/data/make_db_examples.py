"""Write the database examples' data from sales.csv and customers.csv, next to this script:
monthly/sales-2024-MM.csv (the orders of each month, one file a month) and shop.sqlite (the
tables `orders` and `customers`).

    python workflows/data/make_db_examples.py

Run once; the files are committed, so the workflows and tests never depend on this script.
Running it again writes the same CSV files byte for byte (the SQLite file holds the same rows).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    orders = pd.read_csv(HERE / "sales.csv")
    customers = pd.read_csv(HERE / "customers.csv")
    monthly = HERE / "monthly"
    monthly.mkdir(exist_ok=True)
    for month, rows in orders.groupby(orders["date"].str[:7]):
        rows.to_csv(monthly / f"sales-{month}.csv", index=False)
    database = HERE / "shop.sqlite"
    database.unlink(missing_ok=True)
    with sqlite3.connect(database) as connection:
        orders.to_sql("orders", connection, index=False)
        customers.to_sql("customers", connection, index=False)
        connection.execute("VACUUM")
    connection.close()


if __name__ == "__main__":
    main()
