"""The sales example (workflows/sales_report.json) as a person would write it with pandas and Plotly:
clean the orders, add the revenue, join the customers' regions, write the region summary as
Parquet, and draw the revenue per region (bars) and per month (a line with markers).

bench_export.py runs it as a whole process from workflows/ beside the script
`dataflow export workflows/sales_report.json` writes; tests/test_examples.py takes its region
summary from here, and tests/test_export_floors.py checks that its table and charts are the
workflow's.

    cd workflows && python ../benchmarks/plain/sales_plain.py
"""

from pathlib import Path

import pandas as pd
import plotly.express as px


def joined_orders(data: Path) -> pd.DataFrame:
    """The complete orders with their revenue and their customer's region."""
    orders = pd.read_csv(data / "sales.csv")
    customers = pd.read_csv(data / "customers.csv")
    orders = orders.drop_duplicates()
    orders = orders.dropna(subset=["customer_id", "quantity", "unit_price"])
    orders["category"] = orders["category"].fillna("Unknown")
    orders["date"] = pd.to_datetime(orders["date"])
    orders["customer_id"] = orders["customer_id"].astype("int64")
    orders["quantity"] = orders["quantity"].astype("int64")
    orders["revenue"] = orders["quantity"] * orders["unit_price"]
    return orders.merge(customers, on="customer_id", how="inner")


def by_region(joined: pd.DataFrame) -> pd.DataFrame:
    """Revenue and number of orders per region."""
    return (joined.groupby("region")
            .agg(revenue_sum=("revenue", "sum"), order_id_count=("order_id", "count"))
            .reset_index())


def sales_by_region(data: Path) -> pd.DataFrame:
    """The region summary the workflow writes to sales_by_region.parquet."""
    return by_region(joined_orders(data))


def main(data: Path = Path("data"), target: Path = Path("sales_by_region.parquet")) -> dict:
    """The whole report: the summary written to `target`, and the two charts."""
    joined = joined_orders(data)
    summary = by_region(joined)
    summary.to_parquet(target, index=False)
    region_chart = px.bar(summary, x="region", y="revenue_sum", title="Revenue by region (2024)",
                          labels={"revenue_sum": "revenue"})
    monthly = (joined.assign(month=joined["date"].dt.month)
               .groupby("month").agg(revenue_sum=("revenue", "sum")).reset_index())
    month_chart = px.line(monthly, x="month", y="revenue_sum", markers=True, title="Revenue per month (2024)",
                          labels={"revenue_sum": "revenue"})
    return {"summary": summary, "region_chart": region_chart, "month_chart": month_chart}


if __name__ == "__main__":
    main()
