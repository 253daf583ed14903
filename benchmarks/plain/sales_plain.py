"""The sales example's region summary as the plain pandas script of tests/test_examples.py
(`plain_sales_by_region`). bench_export.py runs it as a whole process from workflows/ beside the
script `dataflow export workflows/sales_report.json` writes."""

from pathlib import Path

import pandas as pd

data = Path("data")
orders = pd.read_csv(data / "sales.csv")
customers = pd.read_csv(data / "customers.csv")
orders = orders.drop_duplicates()
orders = orders.dropna(subset=["customer_id", "quantity", "unit_price"])
orders["category"] = orders["category"].fillna("Unknown")
orders["date"] = pd.to_datetime(orders["date"])
orders["customer_id"] = orders["customer_id"].astype("int64")
orders["quantity"] = orders["quantity"].astype("int64")
orders["revenue"] = orders["quantity"] * orders["unit_price"]
joined = orders.merge(customers, on="customer_id", how="inner")
summary = (joined.groupby("region")
           .agg(revenue_sum=("revenue", "sum"), order_id_count=("order_id", "count"))
           .reset_index())
