"""select, rename, derive, cast: results equal plain pandas; mistakes name the parameter and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow.sdk import NodeError, run_node
from dataflow_transform.cast import cast
from dataflow_transform.columns import derive, rename, select


def test_select_keeps_the_listed_columns_in_the_listed_order(run, sales):
    out = run(select, sales, columns=["unit price", "region", "order_id"])
    pd.testing.assert_frame_equal(out, sales[["unit price", "region", "order_id"]])


def test_select_drop_mode_removes_only_the_listed_columns(run, sales):
    out = run(select, sales, columns=["channel", "product"], mode="drop")
    pd.testing.assert_frame_equal(out, sales.drop(columns=["channel", "product"]))


def test_an_unknown_column_names_the_parameter_suggests_the_closest_and_lists_the_columns(sales):
    with pytest.raises(NodeError) as caught:
        run_node(select, {"table": sales}, columns=["order_id", "regoin"])
    message = str(caught.value)
    assert caught.value.param == "columns"
    assert "'regoin'" in message and "did you mean 'region'?" in message
    assert "'unit price'" in message and "'channel'" in message


def test_select_refuses_an_empty_keep_list_and_a_column_listed_twice(sales):
    with pytest.raises(NodeError, match="at least one column"):
        run_node(select, {"table": sales}, columns=[])
    with pytest.raises(NodeError, match="listed twice"):
        run_node(select, {"table": sales}, columns=["region", "region"])


def test_rename_renames_listed_columns_and_keeps_the_others(run, sales):
    out = run(rename, sales, mapping={"unit price": "price", "channel": "sold_via"})
    pd.testing.assert_frame_equal(out, sales.rename(columns={"unit price": "price", "channel": "sold_via"}))


def test_rename_refuses_a_name_clash_and_an_unknown_column(sales):
    with pytest.raises(NodeError, match="two columns would be called 'region'"):
        run_node(rename, {"table": sales}, mapping={"channel": "region"})
    with pytest.raises(NodeError, match="did you mean 'quantity'") as caught:
        run_node(rename, {"table": sales}, mapping={"quantiy": "qty"})
    assert caught.value.param == "mapping"


def test_derive_adds_a_column_computed_like_pandas(run, sales):
    out = run(derive, sales, name="total", formula="round(`unit price` * quantity, 2)")
    expected = sales.assign(total=(sales["unit price"] * sales["quantity"]).round(2))
    pd.testing.assert_frame_equal(out, expected)


def test_derive_with_a_condition_and_text(run, sales):
    out = run(derive, sales, name="size", formula="'big' if quantity >= 5 else 'small'")
    assert list(out["size"]) == ["big" if q >= 5 else "small" for q in sales["quantity"]]


def test_derive_replaces_an_existing_column_in_place(run, sales):
    out = run(derive, sales, name="region", formula="upper(region)")
    assert list(out.columns) == list(sales.columns)
    pd.testing.assert_series_equal(out["region"], sales["region"].str.upper())


def test_derive_formula_errors_name_the_formula_parameter_and_the_column(sales):
    with pytest.raises(NodeError) as caught:
        run_node(derive, {"table": sales}, name="x", formula="quantiy * 2")
    assert caught.value.param == "formula"
    assert "did you mean `quantity`" in str(caught.value)
    with pytest.raises(NodeError, match="needs numbers"):
        run_node(derive, {"table": sales}, name="x", formula="region * 2")
    with pytest.raises(NodeError, match="type a formula"):
        run_node(derive, {"table": sales}, name="x", formula="  ")


# --- cast -------------------------------------------------------------------------------------

def test_cast_text_dates_and_ids_like_pandas(run, customers):
    out = run(cast, customers, types={"signup": "date", "customer_id": "str", "segment": "category"})
    assert out["signup"].tolist()[:2] == [pd.Timestamp("2023-05-01"), pd.Timestamp("2023-07-19")]
    assert pd.isna(out["signup"].iloc[3])
    pd.testing.assert_series_equal(out["signup"], pd.to_datetime(customers["signup"]))
    pd.testing.assert_series_equal(out["customer_id"], customers["customer_id"].astype("str"))
    pd.testing.assert_series_equal(out["segment"], customers["segment"].astype("category"))


def test_cast_text_to_numbers_keeps_missing_values_and_uses_whole_numbers_when_possible(run):
    table = pd.DataFrame({"a": pd.Series(["1", " 2", None, "40"], dtype="str"), "b": ["1.5", "2", "3", "4"]})
    out = run(cast, table, types={"a": "int", "b": "float"})
    assert str(out["a"].dtype) == "Int64" and out["a"].tolist()[:2] == [1, 2] and out["a"].isna().sum() == 1
    pd.testing.assert_series_equal(out["b"], pd.to_numeric(table["b"]).astype("float64"))
    whole = run(cast, pd.DataFrame({"n": ["3", "4"]}), types={"n": "integer"})
    assert str(whole["n"].dtype) == "int64"


def test_a_failed_cast_names_the_column_an_example_value_and_the_errors_option(customers):
    table = customers.assign(score=["10", "12", "n/a", "7", "9", "11"])
    with pytest.raises(NodeError) as caught:
        run_node(cast, {"table": table}, types={"score": "int"})
    message = str(caught.value)
    assert caught.value.param == "types"
    assert "'score'" in message and "'n/a' (row 2)" in message and "'null'" in message


def test_errors_null_turns_bad_values_into_missing_ones_and_warns(customers):
    from dataflow.kernel.executor import call_node
    from dataflow.sdk import spec_of

    table = customers.assign(score=["10", "12", "n/a", "7", "9.5", "11"])
    outcome = call_node(spec_of(cast), {"table": table}, {"types": {"score": "int"}, "errors": "null"})
    out = outcome.outputs["table"]
    assert out["score"].tolist()[:2] == [10, 12] and out["score"].isna().sum() == 2
    assert "2 value(s)" in outcome.warnings[0] and "'score'" in outcome.warnings[0]


def test_cast_to_bool_reads_common_words_and_zero_one():
    table = pd.DataFrame({"w": ["yes", "No", "TRUE", "f", None], "n": [1, 0, 1, 0, 1]})
    out = run_node(cast, {"table": table}, types={"w": "bool", "n": "bool"})["table"]
    assert out["w"].tolist()[:4] == [True, False, True, False] and pd.isna(out["w"].iloc[4])
    assert out["n"].dtype == bool and out["n"].tolist() == [True, False, True, False, True]


def test_cast_refuses_an_unknown_type_and_dates_from_numbers(sales):
    with pytest.raises(NodeError, match="unknown type 'decimal'; use one of int, float, str, bool, date"):
        run_node(cast, {"table": sales}, types={"quantity": "decimal"})
    with pytest.raises(NodeError, match="holds number values, which cannot become date"):
        run_node(cast, {"table": sales}, types={"quantity": "date"})


def test_cast_float_to_int_refuses_fractions_instead_of_cutting_them():
    table = pd.DataFrame({"x": [1.0, 2.5, np.nan]})
    with pytest.raises(NodeError, match=r"2\.5"):
        run_node(cast, {"table": table}, types={"x": "int"})
