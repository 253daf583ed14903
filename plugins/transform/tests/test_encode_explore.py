"""bin, one_hot, describe, value_counts, correlation: equal to pandas cut/qcut/get_dummies/describe/corr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow.sdk import NodeError, run_node
from dataflow_transform.encode import bin, one_hot
from dataflow_transform.explore import correlation, describe, value_counts


def test_equal_width_and_quantile_bins_match_cut_and_qcut(run, orders):
    out = run(bin, orders, column="price", bins=4)
    expected = pd.cut(orders["price"], 4, include_lowest=True)
    pd.testing.assert_series_equal(out["price_bin"].astype(str), expected.astype(str), check_names=False)
    out = run(bin, orders, column="price", method="quantile", bins=5, output="price_band")
    counts = out["price_band"].value_counts()
    assert len(counts) == 5 and counts.max() - counts.min() <= 2  # about as many rows in each
    pd.testing.assert_series_equal(out["price_band"].astype(str), pd.qcut(orders["price"], 5).astype(str),
                                   check_names=False)


def test_bins_from_edges_with_labels_are_an_ordered_category(run):
    table = pd.DataFrame({"age": [3, 17, 18, 40, 64, 90, np.nan, 130]})
    out = run(bin, table, column="age", edges=[0, 17, 64, 120], labels=["child", "adult", "senior"])
    assert out["age_bin"].tolist()[:6] == ["child", "child", "adult", "adult", "adult", "senior"]
    assert out["age_bin"].cat.ordered and out["age_bin"].isna().sum() == 2


def test_bin_mistakes(sales):
    with pytest.raises(NodeError, match="3 bins need 3 labels, got 2") as caught:
        run_node(bin, {"table": sales}, column="quantity", bins=3, labels=["low", "high"])
    assert caught.value.param == "labels"
    with pytest.raises(NodeError, match="edges must increase"):
        run_node(bin, {"table": sales}, column="quantity", edges=[0, 10, 5])
    with pytest.raises(NodeError, match="bins need numbers"):
        run_node(bin, {"table": sales}, column="region")
    with pytest.raises(NodeError, match="try fewer bins"):
        run_node(bin, {"table": pd.DataFrame({"x": [1, 1, 1, 1, 2]})}, column="x", method="quantile", bins=4)


def test_one_hot_matches_get_dummies(run, sales):
    out = run(one_hot, sales, columns=["channel", "region"], drop_first=True)
    pd.testing.assert_frame_equal(out, pd.get_dummies(sales, columns=["channel", "region"], drop_first=True))
    everything = run(one_hot, sales)
    pd.testing.assert_frame_equal(everything, pd.get_dummies(sales, columns=["region", "product", "channel"]))
    assert everything.loc[4, ["region_east", "region_north", "region_south", "region_west"]].sum() == 0


def test_one_hot_refuses_a_column_with_too_many_values(orders):
    with pytest.raises(NodeError, match="has 2000 distinct values") as caught:
        run_node(one_hot, {"table": orders}, columns=["order_id"])
    assert caught.value.param == "columns"


def test_describe_gives_one_row_per_column_matching_pandas(run, orders):
    out = run(describe, orders)
    assert list(out.columns) == ["column", "type", "count", "missing", "mean", "std", "min", "25%", "50%", "75%",
                                 "max", "unique", "top"]
    assert out["column"].tolist() == list(orders.columns)
    stats = out.set_index("column")
    numbers = orders[["order_id", "customer_id", "quantity", "price", "discount"]].describe().T
    for stat in ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]:
        pd.testing.assert_series_equal(stats.loc[numbers.index, stat].astype(float), numbers[stat],
                                       check_names=False)
    assert stats.loc["price", "missing"] == 60 and stats.loc["region", "missing"] == 40
    assert stats.loc["region", "unique"] == 4 and stats.loc["region", "type"] == "text"
    assert stats.loc["region", "top"] == orders["region"].value_counts().index[0]
    assert stats.loc["returned", "top"] == "False" and pd.isna(stats.loc["region", "mean"])


def test_value_counts_most_frequent_first_with_missing_values_counted(run, sales):
    out = run(value_counts, sales, columns=["region"])
    pd.testing.assert_frame_equal(out, sales.value_counts(subset=["region"], dropna=False).reset_index())
    assert out.iloc[0].tolist() == ["north", 4] and out["region"].isna().sum() == 1
    top = run(value_counts, sales, columns=["product", "channel"], normalize=True, top=2)
    assert list(top.columns) == ["product", "channel", "proportion"] and len(top) == 2
    assert top["proportion"].iloc[0] == pytest.approx(3 / 12)


def test_value_counts_needs_a_column(sales):
    with pytest.raises(NodeError, match="pick the column"):
        run_node(value_counts, {"table": sales})


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_correlation_matches_pandas_and_starts_with_a_column_column(run, orders, method):
    out = run(correlation, orders, method=method)
    numbers = ["order_id", "customer_id", "quantity", "price", "discount"]
    expected = orders[numbers].corr(method=method)
    assert list(out.columns) == ["column", *numbers]
    assert out["column"].tolist() == numbers
    np.testing.assert_allclose(out[numbers].to_numpy(), expected.to_numpy())


def test_correlation_of_chosen_columns_and_its_mistakes(run, orders, sales):
    out = run(correlation, orders, columns=["price", "returned"])
    assert out.loc[0, "returned"] == pytest.approx(orders["price"].corr(orders["returned"].astype(float)))
    with pytest.raises(NodeError, match="'region' holds text values"):
        run_node(correlation, {"table": orders}, columns=["price", "region"])
    with pytest.raises(NodeError, match="at least two number columns, found 1"):
        run_node(correlation, {"table": sales[["region", "quantity"]]})
