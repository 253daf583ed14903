"""The transform plugin's exporters: their plain pandas code gives what the node gives, on tables with
missing values, text, categories and dates; a formula the translation does not cover falls back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_transform import columns, combine, dates, missing, reshape, rows
from dataflow_transform.export import EXPORTERS

from dataflow.sdk import formula_code
from tests.exporting import exported, same_as_node


@pytest.fixture
def sales() -> pd.DataFrame:
    return pd.DataFrame({
        "region": pd.array(["north", "south", None, "north", "east", "south"], dtype="str"),
        "size": pd.Categorical(["s", "m", "s", None, "l", "m"]),
        "quantity": [1, 5, 3, 5, 2, 5],
        "unit price": [2.5, np.nan, 1.0, 4.0, np.nan, 3.0],
        "flag": pd.array([True, None, False, True, None, False], dtype="boolean"),
        "date": pd.to_datetime(["2024-01-03", None, "2024-02-01", "2024-02-10", "2024-03-05", "2024-03-06"]),
    }, index=[10, 11, 12, 13, 14, 15])


FILTERS = ["quantity > 2", "`unit price` != 1.0", "region == 'north' or quantity >= 5",
           "region in ['north', 'east']", "region not in ['north']", "not (quantity < 3) and notnull(`unit price`)",
           "isnull(region) | (quantity == 5)", "~flag", "flag & (quantity != 5)",
           "(quantity * `unit price`) > 4", "-quantity < -2", "date > '2024-02-01'",
           "(`unit price` if quantity > 2 else quantity) > 2"]


@pytest.mark.parametrize("formula", FILTERS)
def test_filter_code_keeps_the_rows_the_node_keeps(sales, formula):
    same_as_node(rows.filter, EXPORTERS["transform.filter"], {"table": sales}, formula=formula)


DERIVED = ["quantity * `unit price`", "quantity / 2 + 1", "region + '-' + region", "abs(-quantity)",
           "quantity > 2", "`unit price` if quantity > 2 else 0", "0 if isnull(`unit price`) else quantity",
           "region == 'south'", "-`unit price`"]


@pytest.mark.parametrize("formula", DERIVED)
def test_derive_code_adds_the_column_the_node_adds(sales, formula):
    same_as_node(columns.derive, EXPORTERS["transform.derive"], {"table": sales}, name="new", formula=formula)


@pytest.mark.parametrize("formula", ["flag", "quantity ** 2", "round(`unit price`, 1)", "upper(region)", "1 < quantity < 4",
                                     "quantity // 2", "1 + 2", "__import__('os')", "quantity.real"])
def test_a_formula_without_an_exact_translation_falls_back(sales, formula):
    assert exported(rows.filter, EXPORTERS["transform.filter"], {"table": sales}, formula=formula) is None
    if formula != "flag":  # a derived column may be a column as it is
        assert exported(columns.derive, EXPORTERS["transform.derive"], {"table": sales}, name="x",
                        formula=formula) is None


def test_a_formula_reaches_the_code_only_as_column_names_and_literals():
    code, condition = formula_code("`a'); import os #` > 'x\\'); os.system(1) #'", "t")
    assert condition and code == ("((t[\"a'); import os #\"] > \"x'); os.system(1) #\") "
                                  "& t[\"a'); import os #\"].notna()).astype(bool)")


@pytest.mark.parametrize("params", [{"columns": ["quantity", "region"]}, {"columns": ["size"], "mode": "drop"}])
def test_select_code(sales, params):
    same_as_node(columns.select, EXPORTERS["transform.select"], {"table": sales}, **params)


def test_rename_code(sales):
    same_as_node(columns.rename, EXPORTERS["transform.rename"], {"table": sales}, mapping={"quantity": "qty"})


@pytest.mark.parametrize("params", [{"columns": ["unit price"]}, {"columns": ["region", "quantity"], "order": "descending",
                                                                  "nulls": "first"}])
def test_sort_code(sales, params):
    same_as_node(rows.sort, EXPORTERS["transform.sort"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{}, {"mode": "tail", "rows": 2}, {"mode": "random", "rows": 4, "seed": 3},
                                    {"mode": "random", "rows": 40}, {"fraction": 0.5, "mode": "random", "seed": 1}])
def test_sample_code(sales, params):
    same_as_node(rows.sample, EXPORTERS["transform.sample"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{}, {"columns": ["quantity"]}, {"columns": ["quantity"], "keep": "none"},
                                    {"columns": ["region"], "keep": "last"}])
def test_dedupe_code(sales, params):
    same_as_node(rows.dedupe, EXPORTERS["transform.dedupe"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{}, {"columns": ["unit price"]}, {"columns": ["region", "flag"], "how": "all"}])
def test_drop_missing_code(sales, params):
    same_as_node(missing.drop_missing, EXPORTERS["transform.drop_missing"], {"table": sales}, **params)


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_fill_missing_code_for_neighbouring_rows(sales, method):
    same_as_node(missing.fill_missing, EXPORTERS["transform.fill_missing"], {"table": sales},
                 columns=["unit price", "size", "flag"], method=method)


def test_fill_missing_with_a_value_falls_back(sales):
    assert exported(missing.fill_missing, EXPORTERS["transform.fill_missing"], {"table": sales},
                    columns=["region"], value="unknown") is None


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame({"region": ["north", "south", "west"], "manager": ["ann", "bob", "cy"],
                         "quantity": [10, 20, 30]})


@pytest.mark.parametrize("params", [{"on": ["region"]}, {"on": ["region"], "how": "left", "suffixes": ["_a", "_b"]},
                                    {"left_on": ["region"], "right_on": ["region"], "how": "outer"}, {}])
def test_join_code(sales, customers, params):
    same_as_node(combine.join, EXPORTERS["transform.join"], {"left": sales, "right": customers}, **params)


@pytest.mark.parametrize("params", [
    {"by": ["region"], "aggregations": ["quantity:sum", "unit price:mean", "size:count", "date:max"]},
    {"by": ["size", "region"], "aggregations": ["quantity:nunique", "unit price:first", "quantity:std"]},
    {"by": ["region"]}, {"aggregations": ["quantity:median", "unit price:last"]}, {}])
def test_groupby_code(sales, params):
    same_as_node(reshape.groupby, EXPORTERS["transform.groupby"], {"table": sales}, **params)


@pytest.mark.parametrize("column, parts", [
    ("date", ["year", "month", "day", "weekday", "hour", "quarter", "week"]), ("text", ["month", "week"]),
    ("mixed", ["day", "hour"])])
def test_date_parts_code(sales, column, parts):
    sales["text"] = ["2024-01-03", None, "2024-02-01", "2024-02-10", "2024-03-05", "2024-12-30"]
    sales["mixed"] = ["2024-01-03", "2024-01-04 10:30", None, "2024-02-10", "2024-03-05", "2024-03-06T08:00"]
    same_as_node(dates.date_parts, EXPORTERS["transform.date_parts"], {"table": sales}, column=column, parts=parts)


@pytest.mark.parametrize("column", ["region", "size", "quantity"])
def test_date_parts_code_stops_where_the_node_stops(sales, column):
    from dataflow.sdk import NodeError

    with pytest.raises(NodeError):
        dates.date_parts(sales, column=column, parts=["year"])
    with pytest.raises(ValueError, match="not dates|neither"):
        exported(dates.date_parts, EXPORTERS["transform.date_parts"], {"table": sales}, column=column, parts=["year"])
