"""groupby, pivot, melt: equal to pandas; aggregation specs are easy to type and checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow.cli.values import parse_text_value
from dataflow.kernel.executor import call_node
from dataflow.sdk import NodeError, run_node, spec_of
from dataflow_transform.reshape import groupby, melt, pivot


def test_groupby_computes_every_function_like_pandas_named_aggregation(run, orders):
    functions = ["sum", "mean", "median", "min", "max", "count", "nunique", "std", "first", "last"]
    out = run(groupby, orders, by=["region"], aggregations=[f"price:{f}" for f in functions] + ["returned:mean"])
    expected = orders.groupby("region", dropna=False).agg(
        **{f"price_{f}": ("price", f) for f in functions}, returned_mean=("returned", "mean")).reset_index()
    pd.testing.assert_frame_equal(out, expected)
    assert out["region"].isna().sum() == 1  # rows without a region form their own group


def test_groupby_on_two_columns_and_text_min_max(run, sales):
    out = run(groupby, sales, by=["region", "channel"], aggregations=["quantity:sum", "product:max", "order_date:min"])
    expected = sales.groupby(["region", "channel"], dropna=False).agg(
        quantity_sum=("quantity", "sum"), product_max=("product", "max"), order_date_min=("order_date", "min"),
    ).reset_index()
    pd.testing.assert_frame_equal(out, expected)


def test_groupby_without_aggregations_counts_rows_and_without_keys_summarises_the_table(run, sales):
    counts = run(groupby, sales, by=["product"])
    assert counts.set_index("product")["count"].to_dict() == {"gadget": 4, "gizmo": 3, "widget": 5}
    whole = run(groupby, sales, aggregations=["quantity:sum", "unit price:mean"])
    assert whole.to_dict("records") == [{"quantity_sum": 56, "unit price_mean": pytest.approx(12.446)}]


def test_aggregations_typed_on_the_command_line_are_read_as_a_list():
    spec = spec_of(groupby).param_index["aggregations"]
    assert parse_text_value(spec, "price:sum, qty:count") == ["price:sum", "qty:count"]


def test_groupby_mistakes_are_explained(sales):
    cases = {
        "price-sum": "write column:function",
        "quantity:total": "unknown function 'total'; use one of sum, mean",
        "quantty:sum": "did you mean 'quantity'",
        "region:mean": "mean needs numbers, but 'region' holds text",
    }
    for item, message in cases.items():
        with pytest.raises(NodeError, match=message) as caught:
            run_node(groupby, {"table": sales}, by=["product"], aggregations=[item])
        assert caught.value.param == "aggregations"
    with pytest.raises(NodeError, match="did you mean 'product'") as caught:
        run_node(groupby, {"table": sales}, by=["prodcut"])
    assert caught.value.param == "by"


def test_pivot_spreads_values_into_columns_like_pivot_table(run, orders):
    table = orders.assign(quarter=orders["order_date"].dt.quarter.fillna(0).astype(int))
    out = run(pivot, table, index=["region"], columns="quarter", values="price", aggregation="mean")
    expected = pd.pivot_table(table, index=["region"], columns="quarter", values="price", aggfunc="mean")
    expected.columns = [str(c) for c in expected.columns]
    pd.testing.assert_frame_equal(out, expected.reset_index())
    assert list(out.columns) == ["region", "0", "1", "2", "3", "4"]


def test_pivot_fills_empty_cells_and_counts(run, sales):
    out = run(pivot, sales, index=["region"], columns="channel", values="order_id", aggregation="count", fill=0)
    assert out.set_index("region").loc["south"].to_dict() == {"phone": 0, "store": 3, "web": 0}
    expected = pd.pivot_table(sales, index=["region"], columns="channel", values="order_id", aggfunc="count",
                              fill_value=0).reset_index()
    expected.columns.name = None
    pd.testing.assert_frame_equal(out, expected)


def test_pivot_refuses_a_column_with_too_many_values_and_text_sums(orders, sales):
    with pytest.raises(NodeError, match="2000 distinct values") as caught:
        run_node(pivot, {"table": orders}, index=["region"], columns="order_id", values="price")
    assert caught.value.param == "columns"
    with pytest.raises(NodeError, match="sum needs numbers"):
        run_node(pivot, {"table": sales}, index=["region"], columns="channel", values="product")
    with pytest.raises(NodeError, match="at least one column"):
        run_node(pivot, {"table": sales}, columns="channel", values="quantity")


def test_melt_gathers_columns_into_rows_like_pandas(run, sales):
    out = run(melt, sales, id_columns=["order_id"], value_columns=["quantity", "unit price"],
              variable_name="measure", value_name="amount")
    expected = sales.melt(id_vars=["order_id"], value_vars=["quantity", "unit price"], var_name="measure",
                          value_name="amount")
    pd.testing.assert_frame_equal(out, expected)
    assert len(out) == 24


def test_melt_of_numbers_and_text_writes_text_and_warns(sales):
    outcome = call_node(spec_of(melt), {"table": sales}, {"id_columns": ["order_id"],
                        "value_columns": ["quantity", "region"], "variable_name": "variable", "value_name": "value"})
    values = outcome.outputs["table"]["value"]
    assert values.tolist()[:2] == ["3", "1"] and values.isna().sum() == 1
    assert "number and text" in outcome.warnings[0]


def test_melt_refuses_a_value_name_that_is_a_column(sales):
    with pytest.raises(NodeError, match="already has a column 'quantity'") as caught:
        run_node(melt, {"table": sales}, id_columns=["order_id"], value_name="quantity")
    assert caught.value.param == "value_name"


def test_wide_to_long_and_back(run):
    wide = pd.DataFrame({"store": ["a", "b"], "jan": [1.0, 2.0], "feb": [3.0, np.nan]})
    long = run(melt, wide, id_columns=["store"], variable_name="month", value_name="sales")
    back = run(pivot, long, index=["store"], columns="month", values="sales", aggregation="sum")
    assert back.set_index("store").to_dict() == {"feb": {"a": 3.0, "b": 0.0}, "jan": {"a": 1.0, "b": 2.0}}
