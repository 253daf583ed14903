"""Write the example shop's data next to this script: sales.csv (orders) and customers.csv.

    python workflows/data/make_sales_data.py

Run once; the CSV files are committed, so the workflows and tests never depend on this script.
Seeded: running it again writes the same files byte for byte. The orders file has what real
exports have: 40 rows exported twice (exact duplicates) and a few missing customer ids,
quantities, prices and categories, for `workflows/sales_report.json` to clean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240101
ORDERS = 3000
CUSTOMERS = 200
DUPLICATES = 40

# product -> (category, list price)
PRODUCTS = {
    "Ballpoint pens (12)": ("Office Supplies", 4.50),
    "Copy paper A4": ("Office Supplies", 6.99),
    "Stapler": ("Office Supplies", 12.90),
    "Sticky notes": ("Office Supplies", 3.25),
    "Binder": ("Office Supplies", 5.40),
    "Office chair": ("Furniture", 189.00),
    "Standing desk": ("Furniture", 429.00),
    "Bookcase": ("Furniture", 149.00),
    "Desk lamp": ("Furniture", 39.90),
    "Laptop": ("Technology", 899.00),
    "Monitor 27in": ("Technology", 279.00),
    "Wireless mouse": ("Technology", 24.90),
    "Keyboard": ("Technology", 49.00),
    "Headset": ("Technology", 79.00),
    "Printer": ("Technology", 229.00),
}
FIRST = ["Ada", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Yara", "Zoe"]
LAST = ["Smith", "Garcia", "Müller", "Rossi", "Dubois", "Kowalski", "Nguyen", "Okafor", "Silva", "Jensen",
        "Novak", "Haddad", "Tanaka", "Kim", "Larsen", "Costa", "Weber", "Ivanova", "Patel", "Moreau"]
REGIONS = ["North", "South", "East", "West"]
SEGMENTS = ["Consumer", "Corporate", "Small Business"]


def customers(rng: np.random.Generator) -> pd.DataFrame:
    ids = np.arange(1001, 1001 + CUSTOMERS)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in ids]
    return pd.DataFrame({
        "customer_id": ids,
        "name": names,
        "region": rng.choice(REGIONS, CUSTOMERS, p=[0.3, 0.2, 0.3, 0.2]),
        "segment": rng.choice(SEGMENTS, CUSTOMERS, p=[0.5, 0.3, 0.2]),
    })


def orders(rng: np.random.Generator, customer_ids: np.ndarray) -> pd.DataFrame:
    names = list(PRODUCTS)
    # more orders towards the end of the year (a visible trend on the monthly chart)
    day_weights = np.linspace(1.0, 1.8, 366)
    days = rng.choice(366, ORDERS, p=day_weights / day_weights.sum())
    product = rng.choice(names, ORDERS)
    list_price = np.array([PRODUCTS[p][1] for p in product])
    discount = rng.choice([0.0, 0.0, 0.0, 0.05, 0.10, 0.15], ORDERS)
    frame = pd.DataFrame({
        "order_id": np.arange(100001, 100001 + ORDERS),
        "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(days), "D")).strftime("%Y-%m-%d"),
        "customer_id": rng.choice(customer_ids, ORDERS).astype("float64"),
        "product": product,
        "category": [PRODUCTS[p][0] for p in product],
        "quantity": rng.integers(1, 6, ORDERS).astype("float64") * np.where(list_price < 20, 4, 1),
        "unit_price": np.round(list_price * (1 - discount), 2),
    })
    # a few holes, as in a real export (customer_id and quantity are then read as numbers with NaN)
    for column, count in (("customer_id", 12), ("quantity", 15), ("unit_price", 9), ("category", 20)):
        frame.loc[rng.choice(ORDERS, count, replace=False), column] = np.nan
    # some rows exported twice, inserted right after the original
    twice = np.sort(rng.choice(ORDERS, DUPLICATES, replace=False))
    frame = pd.concat([frame, frame.iloc[twice]]).sort_index(kind="stable").reset_index(drop=True)
    return frame


def main() -> None:
    rng = np.random.default_rng(SEED)
    people = customers(rng)
    sales = orders(rng, people["customer_id"].to_numpy())
    people.to_csv(HERE / "customers.csv", index=False)
    # customer_id and quantity are whole numbers: write them without ".0"
    sales.to_csv(HERE / "sales.csv", index=False, float_format="%.10g")
    print(f"wrote {len(sales)} orders and {len(people)} customers to {HERE}")


if __name__ == "__main__":
    main()
