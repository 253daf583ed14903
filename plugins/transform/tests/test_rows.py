"""filter, sort, sample, dedupe, fill_missing, drop_missing: equal to plain pandas on real tables."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.kernel.executor import call_node
from dataflow.sdk import NodeError, run_node, spec_of
from dataflow_transform.missing import drop_missing, fill_missing
from dataflow_transform.rows import dedupe, filter, sample, sort


def test_filter_keeps_the_rows_where_the_condition_holds(run, orders):
    out = run(filter, orders, formula="quantity >= 5 and region in ['north', 'east'] and not returned")
    expected = orders[(orders["quantity"] >= 5) & orders["region"].isin(["north", "east"]) & ~orders["returned"]]
    pd.testing.assert_frame_equal(out, expected)


def test_filter_drops_rows_whose_condition_involves_a_missing_value(run, sales):
    out = run(filter, sales, formula="`unit price` < 10 or region == 'west'")
    expected = sales[(sales["unit price"] < 10) | (sales["region"] == "west")]
    pd.testing.assert_frame_equal(out, expected)
    assert 1005 not in out["order_id"].tolist()  # price and region both missing


def test_filter_on_dates_compares_with_a_date_written_as_text(run, orders):
    out = run(filter, orders, formula="order_date >= '2024-07-01' and month(order_date) != 12")
    expected = orders[(orders["order_date"] >= "2024-07-01") & (orders["order_date"].dt.month != 12)]
    pd.testing.assert_frame_equal(out, expected)


def test_filter_refuses_a_formula_that_is_not_a_condition(sales):
    with pytest.raises(NodeError, match="true or false for each row, but it gives number values") as caught:
        run_node(filter, {"table": sales}, formula="quantity * 2")
    assert caught.value.param == "formula"
    with pytest.raises(NodeError, match="type a condition"):
        run_node(filter, {"table": sales})


def test_filter_refuses_code_and_names_the_offending_part(sales):
    with pytest.raises(NodeError) as caught:
        run_node(filter, {"table": sales}, formula="quantity.__class__ == 1")
    assert caught.value.param == "formula" and caught.value.offset == 0
    assert "attribute" in str(caught.value)


def test_sort_orders_rows_like_pandas_with_missing_values_first_or_last(run, orders):
    out = run(sort, orders, columns=["region", "price"], order="descending", nulls="first")
    expected = orders.sort_values(["region", "price"], ascending=False, na_position="first", kind="stable")
    pd.testing.assert_frame_equal(out, expected)
    out = run(sort, orders, columns=["order_date"])
    pd.testing.assert_frame_equal(out, orders.sort_values("order_date", kind="stable"))
    assert out["order_date"].iloc[-1] is pd.NaT


def test_sort_needs_a_column(sales):
    with pytest.raises(NodeError, match="at least one column to sort by"):
        run_node(sort, {"table": sales})


def test_sample_head_tail_and_reproducible_random_rows(run, orders):
    pd.testing.assert_frame_equal(run(sample, orders, rows=7), orders.head(7))
    pd.testing.assert_frame_equal(run(sample, orders, mode="tail", rows=3), orders.tail(3))
    picked = run(sample, orders, mode="random", rows=100, seed=42)
    pd.testing.assert_frame_equal(picked, orders.sample(n=100, random_state=42))
    pd.testing.assert_frame_equal(picked, run(sample, orders, mode="random", rows=100, seed=42))
    assert not picked.equals(run(sample, orders, mode="random", rows=100, seed=43))


def test_sample_by_fraction(run, orders):
    out = run(sample, orders, mode="random", fraction=0.1, seed=1)
    pd.testing.assert_frame_equal(out, orders.sample(frac=0.1, random_state=1))
    assert len(run(sample, orders, mode="head", fraction=0.25)) == 500


def test_sample_more_random_rows_than_exist_returns_all_and_warns(sales):
    outcome = call_node(spec_of(sample), {"table": sales}, {"mode": "random", "rows": 50, "fraction": None,
                                                             "seed": 0})
    assert len(outcome.outputs["table"]) == len(sales)
    assert "asked for 50 random rows but the table has 12" in outcome.warnings[0]



@pytest.mark.parametrize("mode", ["head", "tail", "random"])
def test_sample_refuses_a_negative_row_count_naming_rows(sales, mode):
    with pytest.raises(ValueError, match="parameter 'rows': -1 is below the minimum 0"):
        run_node(sample, {"table": sales}, mode=mode, rows=-1)  # the check a workflow gets before running
    with pytest.raises(NodeError, match="rows must be 0 or more, got -1") as error:
        sample(sales, mode=mode, rows=-1)  # a plain call, e.g. in a notebook, skips that check
    assert error.value.param == "rows"


@pytest.mark.parametrize("fraction", [1.5, -0.1])
@pytest.mark.parametrize("mode", ["head", "random"])
def test_sample_refuses_a_fraction_outside_0_to_1_naming_fraction(sales, mode, fraction):
    with pytest.raises(ValueError, match=f"parameter 'fraction': {fraction} is (above the maximum 1|below the "
                                         "minimum 0)"):
        run_node(sample, {"table": sales}, mode=mode, fraction=fraction)
    with pytest.raises(NodeError, match=f"fraction must be between 0 and 1 .*got {fraction}") as error:
        sample(sales, mode=mode, fraction=fraction)
    assert error.value.param == "fraction"


def test_dedupe_keeps_first_last_or_none(run, sales):
    pd.testing.assert_frame_equal(run(dedupe, sales, columns=["customer_id"]),
                                  sales.drop_duplicates(subset=["customer_id"]))
    pd.testing.assert_frame_equal(run(dedupe, sales, columns=["customer_id", "product"], keep="last"),
                                  sales.drop_duplicates(subset=["customer_id", "product"], keep="last"))
    none = run(dedupe, sales, columns=["customer_id"], keep="none")
    assert none["customer_id"].tolist() == [6]
    doubled = pd.concat([sales, sales.head(3)], ignore_index=True)
    pd.testing.assert_frame_equal(run(dedupe, doubled), doubled.drop_duplicates())



def test_dedupe_names_an_unknown_column_and_suggests_the_nearest(sales):
    with pytest.raises(NodeError, match=r"column 'regoin' is not in the input table \(did you mean 'region'\?\); "
                                        "its columns are: 'order_id'") as error:
        run_node(dedupe, {"table": sales}, columns=["customer_id", "regoin"])
    assert error.value.param == "columns"


# --- missing values ---------------------------------------------------------------------------

def test_fill_missing_with_a_value_converted_to_each_column_type(run, sales):
    out = run(fill_missing, sales, columns=["region"], value="unknown")
    pd.testing.assert_frame_equal(out, sales.fillna({"region": "unknown"}))
    out = run(fill_missing, sales, columns=["unit price"], value="0")
    pd.testing.assert_frame_equal(out, sales.fillna({"unit price": 0}))
    out = run(fill_missing, sales, columns=["order_date"], value="2024-01-01")
    assert out["order_date"].iloc[6] == pd.Timestamp("2024-01-01")


def test_fill_missing_refuses_a_value_of_the_wrong_type(sales):
    with pytest.raises(NodeError, match="'unit price' holds number values, and 'n/a' is not one") as caught:
        run_node(fill_missing, {"table": sales}, columns=["unit price"], value="n/a")
    assert caught.value.param == "value"


def test_fill_missing_with_mean_and_median_touches_number_columns_only(run, orders):
    out = run(fill_missing, orders, method="mean")
    expected = orders.fillna({"price": orders["price"].mean()})
    pd.testing.assert_frame_equal(out, expected)
    assert out["region"].isna().sum() == 40  # text columns are left alone
    out = run(fill_missing, orders, columns=["price"], method="median")
    pd.testing.assert_series_equal(out["price"], orders["price"].fillna(orders["price"].median()))
    with pytest.raises(NodeError, match="mean needs number columns, but 'region' holds text"):
        run_node(fill_missing, {"table": orders}, columns=["region"], method="mean")


def test_fill_missing_with_mode_forward_and_backward(run, sales):
    out = run(fill_missing, sales, columns=["region"], method="mode")
    pd.testing.assert_series_equal(out["region"], sales["region"].fillna("north"))
    out = run(fill_missing, sales, columns=["unit price", "order_date"], method="forward")
    pd.testing.assert_frame_equal(out[["unit price", "order_date"]], sales[["unit price", "order_date"]].ffill())
    out = run(fill_missing, sales, method="backward")
    pd.testing.assert_frame_equal(out, sales.bfill())


def test_fill_missing_mean_of_a_nullable_whole_number_column_becomes_a_number_column(run):
    table = pd.DataFrame({"n": pd.array([1, 2, None], dtype="Int64")})
    out = run(fill_missing, table, method="mean")
    assert out["n"].tolist() == [1.0, 2.0, 1.5]


def test_drop_missing_any_or_all_over_chosen_columns(run, sales):
    pd.testing.assert_frame_equal(run(drop_missing, sales), sales.dropna())
    pd.testing.assert_frame_equal(run(drop_missing, sales, columns=["region", "unit price"], how="all"),
                                  sales.dropna(subset=["region", "unit price"], how="all"))
    with pytest.raises(NodeError, match="did you mean 'region'"):
        run_node(drop_missing, {"table": sales}, columns=["Region "])
