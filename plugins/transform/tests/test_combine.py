"""join and concat: equal to pandas merge/concat; missing or mismatched keys are clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.kernel.executor import call_node
from dataflow.sdk import NodeError, run_node, spec_of
from dataflow_transform.combine import concat, join


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_join_matches_pandas_merge_for_every_kind_of_join(run, sales, customers, how):
    out = run(join, {"left": sales, "right": customers}, on=["customer_id"], how=how)
    expected = sales.merge(customers, on=["customer_id"], how=how, suffixes=("_left", "_right"))
    pd.testing.assert_frame_equal(out, expected)


def test_inner_join_keeps_only_customers_with_orders_and_left_join_keeps_every_order(run, sales, customers):
    inner = run(join, {"left": sales, "right": customers}, on=["customer_id"])
    assert 6 not in inner["customer_id"].tolist() and 7 not in inner["customer_id"].tolist()
    left = run(join, {"left": sales, "right": customers}, on=["customer_id"], how="left")
    assert len(left) == len(sales) and pd.isna(left.loc[left["customer_id"] == 6, "name"]).all()


def test_join_on_differently_named_keys_with_suffixes_for_shared_columns(run, sales, customers):
    right = customers.rename(columns={"customer_id": "id", "city": "region"})
    out = run(join, {"left": sales, "right": right}, left_on=["customer_id"], right_on=["id"],
              suffixes=["_order", "_customer"])
    expected = sales.merge(right, left_on=["customer_id"], right_on=["id"], suffixes=("_order", "_customer"))
    pd.testing.assert_frame_equal(out, expected)
    assert {"region_order", "region_customer"} <= set(out.columns)


def test_join_without_keys_uses_the_shared_columns_and_says_so(sales, customers):
    outcome = call_node(spec_of(join), {"left": sales, "right": customers},
                        {"how": "inner", "on": [], "left_on": [], "right_on": [], "suffixes": ["_l", "_r"]})
    pd.testing.assert_frame_equal(outcome.outputs["table"], sales.merge(customers, on=["customer_id"]))
    assert "'customer_id'" in outcome.warnings[0]


def test_a_missing_key_names_the_side_the_parameter_and_a_suggestion(sales, customers):
    with pytest.raises(NodeError) as caught:
        run_node(join, {"left": sales, "right": customers}, left_on=["customer_id"], right_on=["customerid"])
    message = str(caught.value)
    assert caught.value.param == "right_on"
    assert "not in the right table" in message and "did you mean 'customer_id'?" in message
    with pytest.raises(NodeError, match="not in the left table"):
        run_node(join, {"left": sales.drop(columns="customer_id"), "right": customers}, on=["customer_id"])


def test_keys_of_different_types_are_refused_before_joining(sales, customers):
    text_ids = customers.astype({"customer_id": "str"})
    with pytest.raises(NodeError) as caught:
        run_node(join, {"left": sales, "right": text_ids}, on=["customer_id"])
    assert "number values in the left table" in str(caught.value)
    assert "text values in the right table" in str(caught.value)
    assert "transform.cast" in str(caught.value)


def test_join_parameter_mistakes(sales, customers):
    tables = {"left": sales, "right": customers}
    with pytest.raises(NodeError, match="either on"):
        run_node(join, tables, on=["customer_id"], left_on=["customer_id"], right_on=["customer_id"])
    with pytest.raises(NodeError, match="pair each left key"):
        run_node(join, tables, left_on=["customer_id", "region"], right_on=["customer_id"])
    with pytest.raises(NodeError, match="two different endings"):
        run_node(join, tables, on=["customer_id"], suffixes=["_x"])
    with pytest.raises(NodeError, match="share no column name"):
        run_node(join, {"left": sales[["order_id"]], "right": customers[["name"]]})


def test_concat_stacks_rows_with_union_or_intersection_of_columns(run, sales, customers):
    top, bottom = sales.head(5), sales.tail(4).drop(columns=["channel"])
    out = run(concat, {"top": top, "bottom": bottom})
    pd.testing.assert_frame_equal(out, pd.concat([top, bottom], ignore_index=True))
    assert out["channel"].isna().sum() == 4
    out = run(concat, {"top": top, "bottom": bottom}, columns="intersection")
    pd.testing.assert_frame_equal(out, pd.concat([top, bottom], join="inner", ignore_index=True))
    assert "channel" not in out.columns


def test_concat_can_record_where_each_row_came_from(run, sales):
    out = run(concat, {"top": sales.head(2), "bottom": sales.tail(3)}, source_column="part")
    assert out["part"].tolist() == ["top", "top", "bottom", "bottom", "bottom"]
    with pytest.raises(NodeError, match="already have a column 'region'"):
        run_node(concat, {"top": sales, "bottom": sales}, source_column="region")


def test_concat_of_a_number_and_a_text_column_writes_text_and_warns(sales):
    bottom = sales.head(2).astype({"quantity": "str"})
    outcome = call_node(spec_of(concat), {"top": sales.head(2), "bottom": bottom},
                        {"columns": "union", "source_column": ""})
    assert outcome.outputs["table"]["quantity"].tolist() == ["3", "1", "3", "1"]
    assert "'quantity' holds number values in the top table and text values" in outcome.warnings[0]
