"""The column profile: equal to plain pandas on every row up to max_rows, a stated sample above it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataflow.sdk import check_schema, run_node
from dataflow_transform.profile import COLUMNS, profile, profile_table


def _by_column(out: pd.DataFrame) -> dict[str, dict]:
    return {row["column"]: row for row in out.to_dict("records")}


def test_the_profile_of_every_column_equals_plain_pandas(run, orders):
    out = run(profile, orders)
    assert list(out.columns) == [name for name, _ in COLUMNS] and out["column"].tolist() == list(orders.columns)
    rows = _by_column(out)
    for name in orders.columns:
        assert rows[name]["missing_pct"] == orders[name].isna().mean() * 100, name
        assert rows[name]["distinct"] == orders[name].nunique(), name
        assert (rows[name]["rows_profiled"], rows[name]["rows_total"]) == (2000, 2000)
    assert [rows[c]["kind"] for c in ("order_id", "region", "order_date", "returned")] == [
        "number", "text", "date", "true/false"]
    assert rows["price"]["min"] == f"{orders['price'].min():.6g}" and rows["quantity"]["max"] == "19"
    assert rows["order_date"]["min"] == str(orders["order_date"].min())
    assert rows["region"]["min"] == rows["region"]["max"] == ""
    top = orders["region"].value_counts()
    assert rows["region"]["top_values"].startswith(f"{top.index[0]} ({100 * top.iloc[0] / top.sum():.0f}%), ")
    assert rows["order_id"]["top_values"] == "(every value distinct)"


def test_the_distribution_is_a_histogram_for_numbers_and_bars_of_the_top_values_otherwise(run):
    table = pd.DataFrame({"x": [0.0] * 8 + [10.0] * 4, "word": ["a"] * 6 + ["b"] * 3 + ["c"] * 3})
    rows = _by_column(run(profile, table, bins=5))
    assert rows["x"]["distribution"] == "█   ▄"
    assert rows["word"]["distribution"] == "█▄▄"


def test_above_max_rows_a_seeded_sample_is_profiled_and_said_while_missing_min_and_max_stay_exact():
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"value": rng.normal(size=5_000), "code": rng.integers(0, 4_000, 5_000)})
    table.loc[::10, "value"] = np.nan
    outputs = run_node(profile, {"table": table}, max_rows=1_000, seed=4)
    rows = _by_column(outputs["table"])
    assert (rows["code"]["rows_profiled"], rows["code"]["rows_total"]) == (1_000, 5_000)
    assert rows["value"]["missing_pct"] == 10.0
    assert rows["value"]["max"] == f"{table['value'].max():.6g}" and rows["code"]["min"] == str(table["code"].min())
    assert rows["code"]["distinct"] < table["code"].nunique()
    (warning,) = outputs.warnings
    assert "random sample of 1,000 of 5,000 rows (seed 4)" in warning
    again = run_node(profile, {"table": table}, max_rows=1_000, seed=4)["table"]
    pd.testing.assert_frame_equal(again, outputs["table"])


def test_a_category_column_counts_only_the_values_its_rows_hold_and_an_empty_one_profiles():
    table = pd.DataFrame({"size": pd.Categorical(["s", "s", "m"], categories=["s", "m", "l", "xl"])})
    rows = _by_column(profile_table(table))
    assert rows["size"]["distinct"] == 2 and rows["size"]["top_values"] == "s (67%), m (33%)"
    empty = _by_column(profile_table(table.iloc[0:0]))
    assert (empty["size"]["distinct"], empty["size"]["top_values"], empty["size"]["rows_total"]) == (0, "", 0)


def test_empty_and_all_missing_columns_and_zoned_dates_profile_without_error():
    table = pd.DataFrame({"nothing": [np.nan, np.nan], "when": pd.to_datetime(["2024-03-31 01:00", "2024-03-31 04:00"])
                          .tz_localize("Europe/Paris")})
    rows = _by_column(profile_table(table))
    assert rows["nothing"]["missing_pct"] == 100.0 and rows["nothing"]["distinct"] == 0
    assert rows["nothing"]["distribution"] == rows["nothing"]["top_values"] == rows["nothing"]["min"] == ""
    assert rows["when"]["min"] == "2024-03-31 01:00:00+01:00" and rows["when"]["max"] == "2024-03-31 04:00:00+02:00"
    empty = profile_table(table.head(0))
    assert empty["column"].tolist() == ["nothing", "when"] and (empty["rows_total"] == 0).all()


def test_the_declared_schema_is_the_real_one(orders):
    check_schema(profile, {"table": orders})
