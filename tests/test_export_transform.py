"""The transform plugin's exporters: their plain pandas code gives what the node gives, on tables with
missing values, text, categories and dates; a formula the translation does not cover falls back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_transform import (
    cast,
    columns,
    combine,
    dates,
    encode,
    explore,
    missing,
    profile,
    reshape,
    rows,
    strings,
)
from dataflow_transform.export import EXPORTERS

from dataflow.sdk import NodeError, formula_code, run_node
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
           "(`unit price` if quantity > 2 else quantity) > 2", "size >= 'm'", "size in ['s', 'l']",
           "date in ['2024-02-01', '2024-03-05 00:00']", "date not in ['2024-02-01']"]


@pytest.mark.parametrize("formula", FILTERS)
def test_filter_code_keeps_the_rows_the_node_keeps(sales, formula):
    same_as_node(rows.filter, EXPORTERS["transform.filter"], {"table": sales}, formula=formula)


DERIVED = ["size", "size + '!'", "quantity * `unit price`", "quantity / 2 + 1", "region + '-' + region", "abs(-quantity)",
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
    code, condition, _ = formula_code("`a'); import os #` > 'x\\'); os.system(1) #'", "t")
    assert condition and code == ("((t[\"a'); import os #\"] > \"x'); os.system(1) #\") "
                                  "& t[\"a'); import os #\"].notna()).astype(bool)")
    code, _, _ = formula_code("a in ['x\\'); import os #']", "t")
    assert "[\"x'); import os #\"]" in code


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


@pytest.mark.parametrize("params", [
    {"columns": ["region", "size"], "value": "unknown"}, {"columns": ["unit price", "quantity"], "value": "2"},
    {"columns": ["unit price"], "value": "2.5"}, {"columns": ["flag"], "value": "Yes"},
    {"columns": ["date"], "value": "2024-05-01"}, {"method": "mode"}, {"method": "mean"},
    {"method": "median", "columns": ["unit price"]}, {"method": "mode", "columns": ["size", "flag", "region"]},
    {"method": "forward"}])
def test_fill_missing_code_fills_as_the_node_fills(sales, params):
    same_as_node(missing.fill_missing, EXPORTERS["transform.fill_missing"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{"columns": ["unit price"], "value": "many"}, {"columns": ["flag"], "value": "2"},
                                    {"method": "mean", "columns": ["region"]}])
def test_fill_missing_code_stops_where_the_node_stops(sales, params):
    from dataflow.sdk import NodeError

    with pytest.raises(NodeError):
        missing.fill_missing(sales, **params)
    with pytest.raises(ValueError, match="holds|needs"):
        exported(missing.fill_missing, EXPORTERS["transform.fill_missing"], {"table": sales}, **params)


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


@pytest.mark.parametrize("params", [{}, {"columns": "intersection"}, {"source_column": "part"}])
def test_concat_code_stacks_as_the_node_does(sales, customers, params):
    same_as_node(combine.concat, EXPORTERS["transform.concat"], {"top": sales, "bottom": customers}, **params)
    renamed = customers.rename(columns={"manager": "size"})  # a category column meets a text column
    same_as_node(combine.concat, EXPORTERS["transform.concat"], {"top": sales, "bottom": renamed}, **params)


@pytest.mark.parametrize("params", [{"id_columns": ["region"]}, {"id_columns": ["region"], "value_columns": ["quantity",
                                    "unit price"], "variable_name": "what", "value_name": "amount"},
                                    {"value_columns": ["quantity", "size"]}])
def test_melt_code(sales, params):
    same_as_node(reshape.melt, EXPORTERS["transform.melt"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{"columns": ["region"]}, {"columns": ["region", "size"], "normalize": True},
                                    {"columns": ["quantity"], "top": 1}])
def test_value_counts_code(sales, params):
    from dataflow_transform import explore

    same_as_node(explore.value_counts, EXPORTERS["transform.value_counts"], {"table": sales}, **params)


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame({"id": ["1", " 2", None, "4"], "qty": [1.0, 2.0, np.nan, 4.0], "n": [1, 2, 3, 4],
                         "price": ["2.5", "x", "3", None], "when": ["2024-01-02", "2024-01-03 10:00", None, "oops"],
                         "day": ["2024-01-02", "2024-02-03", None, "2024-03-04"], "flag": [True, False, True, False],
                         "size": pd.Categorical(["5", "6", None, "7"])})


@pytest.mark.parametrize("types, errors", [
    ({"id": "int", "qty": "integer", "n": "int", "flag": "int", "size": "int"}, "raise"),
    ({"price": "float", "when": "date"}, "null"), ({"day": "date", "n": "str", "qty": "category"}, "raise"),
    ({"price": "number", "n": "float", "size": "text"}, "null"), ({"qty": "int", "flag": "float"}, "raise")])
def test_cast_code_converts_as_the_node_converts(raw, types, errors):
    same_as_node(cast.cast, EXPORTERS["transform.cast"], {"table": raw}, types=types, errors=errors)


@pytest.mark.parametrize("types", [{"price": "float"}, {"when": "date"}, {"flag": "date"}, {"qty": "float", "id": "int",
                                                                                          "price": "int"}])
def test_cast_code_stops_where_the_node_stops(raw, types):
    from dataflow.sdk import NodeError

    with pytest.raises(NodeError):
        cast.cast(raw, types=types)
    with pytest.raises(ValueError, match="cannot"):
        exported(cast.cast, EXPORTERS["transform.cast"], {"table": raw}, types=types)


@pytest.mark.parametrize("types, errors", [
    ({"flag": "bool", "qty": "boolean"}, "null"), ({"words": "bool", "n": "bool"}, "null"),
    ({"words": "bool"}, "null"), ({"ones": "bool", "flag": "bool", "coded": "bool"}, "raise")])
def test_cast_to_bool_converts_as_the_node_converts(raw, types, errors):
    table = raw.assign(words=[" Yes", "off", None, "T"], ones=[1, 0, 1, 0],
                       coded=pd.Categorical(["y", "n", "n", None]))
    same_as_node(cast.cast, EXPORTERS["transform.cast"], {"table": table}, types=types, errors=errors)


def test_cast_to_bool_stops_where_the_node_stops(raw):
    with pytest.raises(ValueError):
        exported(cast.cast, EXPORTERS["transform.cast"], {"table": raw}, types={"n": "bool"}, errors="raise")
    with pytest.raises(NodeError):
        run_node(cast.cast, {"table": raw}, types={"n": "bool"}, errors="raise")


# --- reshape, text, encode, explore ---------------------------------------------------------

@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame({
        "name": pd.array(["Ada Lovelace", "Alan  Turing", None, "Grace B. Hopper", " Ada Byron ", "Edsger"],
                         dtype="str"),
        "team": pd.Categorical(["math", "cs", "cs", None, "math", "cs"]),
        "tags": ["a,b", "b", None, "a,b,c", "c", "a,,b"],
        "age": [36, 41, np.nan, 85, 17, 72],
        "score": [1.5, -2.0, 3.25, np.nan, 0.0, 2.0],
        "month": ["jan", "feb", "jan", "feb", "mar", "jan"],
        "ok": [True, False, True, True, False, True],
    }, index=[3, 5, 7, 9, 11, 13])


@pytest.mark.parametrize("params", [
    {"index": ["team"], "columns": "month", "values": "score"},
    {"index": ["team", "ok"], "columns": "month", "values": "age", "aggregation": "mean", "fill": 0.0},
    {"index": ["month"], "columns": "team", "values": "name", "aggregation": "count", "fill": 0.0},
    {"index": ["month"], "columns": "ok", "values": "score", "aggregation": "max", "fill": -1.5},
    {"index": ["team"], "columns": "month", "values": "name", "aggregation": "first"}])
def test_pivot_code(people, params):
    same_as_node(reshape.pivot, EXPORTERS["transform.pivot"], {"table": people}, **params)


@pytest.mark.parametrize("params", [
    {"column": "name", "separator": " "}, {"column": "name", "separator": " ", "max_splits": 1,
                                           "names": ["first", "rest"], "keep_original": False},
    {"column": "tags", "separator": ","}, {"column": "team", "separator": "a", "names": ["x", "y", "z"]},
    {"column": "month", "separator": "-"}])
def test_split_column_code(people, params):
    same_as_node(strings.split_column, EXPORTERS["transform.split_column"], {"table": people}, **params)


def test_split_column_code_stops_where_the_node_stops(people):
    with pytest.raises(ValueError, match="more parts"):
        exported(strings.split_column, EXPORTERS["transform.split_column"], {"table": people}, column="tags",
                 separator=",", names=["one", "two"])


@pytest.mark.parametrize("params", [
    {"column": "name"}, {"column": "team", "operation": "upper", "output": "TEAM"},
    {"column": "name", "operation": "strip"}, {"column": "name", "operation": "strip", "pattern": " Ad"},
    {"column": "name", "operation": "replace", "pattern": "a", "replacement": "4"},
    {"column": "name", "operation": "replace", "pattern": "ADA", "replacement": "x\\1\\", "case_sensitive": False},
    {"column": "name", "operation": "replace", "pattern": ".", "replacement": "", "case_sensitive": False},
    {"column": "tags", "operation": "contains", "pattern": "b"},
    {"column": "name", "operation": "contains", "pattern": "ada", "case_sensitive": False, "output": "is_ada"}])
def test_text_code(people, params):
    same_as_node(strings.text, EXPORTERS["transform.text"], {"table": people}, **params)


@pytest.mark.parametrize("params", [
    {"operation": "contains", "pattern": r"\d+"}, {"operation": "contains", "pattern": r"^\w+ [a-z]", "case_sensitive": False},
    {"operation": "replace", "pattern": r"(\w+) (\w+)", "replacement": r"\2, \g<1>\n"},
    {"operation": "replace", "pattern": r"[aeiou]", "replacement": "*", "case_sensitive": False, "output": "masked"},
    {"operation": "replace", "pattern": r"\s+", "replacement": r"\\"}])
@pytest.mark.parametrize("column", ["name", "team", "mixed"])
def test_text_with_a_regular_expression_runs_re2_as_the_node_does(people, params, column):
    table = people.assign(mixed=pd.Series(["Ada 1", 7, None, "é x", 2.5, "b"][:len(people)], dtype=object,
                                          index=people.index))
    same_as_node(strings.text, EXPORTERS["transform.text"], {"table": table}, column=column, regex=True, **params)


@pytest.mark.parametrize(("pattern", "replacement"), [(r"(a)\1", ""), (r"a(?=b)", ""), ("(", ""), ("a", r"\g<name>")])
def test_a_pattern_or_replacement_re2_refuses_stays_a_call(people, pattern, replacement):
    # the node names the problem (a backreference, lookaround, a bad pattern or group): the script calls it
    assert exported(strings.text, EXPORTERS["transform.text"], {"table": people}, column="name",
                    operation="replace", pattern=pattern, replacement=replacement, regex=True) is None


def test_a_hostile_pattern_reaches_the_script_only_as_a_literal(people):
    import ast

    from tests.exporting import node_code

    pattern = "x'\"\"\"\nimport os; os.system\\('touch MARKER'\\) #"  # quotes, a newline, code: a valid RE2 pattern
    code = EXPORTERS["transform.text"](node_code(strings.text, {"table": people}, {
        "column": "name", "operation": "contains", "pattern": pattern, "regex": True}))
    tree = ast.parse("\n".join(code.lines))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert pattern in {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}  # one literal, unchanged
    same_as_node(strings.text, EXPORTERS["transform.text"], {"table": people}, column="name", operation="contains",
                 pattern=pattern, regex=True)


@pytest.mark.parametrize("params", [
    {"column": "age"}, {"column": "age", "bins": 3, "labels": ["young", "mid", "old"], "output": "group"},
    {"column": "score", "method": "quantile", "bins": 2}, {"column": "age", "edges": [0, 18, 65, 80]},
    {"column": "age", "edges": [0.0, 40.0, 120.0], "labels": ["under 40", "40+"]}])
def test_bin_code(people, params):
    same_as_node(encode.bin, EXPORTERS["transform.bin"], {"table": people}, **params)


@pytest.mark.parametrize("params", [{}, {"columns": ["team"], "drop_first": True}, {"columns": ["month", "ok"]}])
def test_one_hot_code(people, params):
    same_as_node(encode.one_hot, EXPORTERS["transform.one_hot"], {"table": people}, **params)


def test_one_hot_code_of_a_table_without_text_returns_it_unchanged(people):
    same_as_node(encode.one_hot, EXPORTERS["transform.one_hot"], {"table": people[["age", "score"]]})


@pytest.mark.parametrize("part", [None, ["age", "score"], ["name", "team"], []])
def test_describe_code(people, sales, part):
    table = people if part is None else people[part]
    same_as_node(explore.describe, EXPORTERS["transform.describe"], {"table": table})
    same_as_node(explore.describe, EXPORTERS["transform.describe"], {"table": sales})


@pytest.mark.parametrize("params", [{}, {"method": "spearman"}, {"method": "kendall", "columns": ["age", "ok"]}])
def test_correlation_code(people, params):
    same_as_node(explore.correlation, EXPORTERS["transform.correlation"], {"table": people}, **params)


@pytest.fixture
def wide() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 1500
    return pd.DataFrame({
        "amount": np.where(rng.random(n) < 0.1, np.nan, rng.normal(100, 30, n)),
        "count": rng.integers(0, 5, n), "id": np.arange(n),
        "city": pd.array(rng.choice(["Paris", "Lyon", None, "A very long city name that goes on and on"], n),
                         dtype="str"),
        "grade": pd.Categorical(rng.choice(["a", "b"], n)), "ok": rng.random(n) < 0.3,
        "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "empty": np.full(n, np.nan), "inf": np.where(rng.random(n) < 0.5, np.inf, 1.0),
        "tags": [[1, 2] if i % 3 else None for i in range(n)]})


@pytest.mark.parametrize("params", [{}, {"max_rows": 1000, "top": 1, "bins": 4, "seed": 3}, {"top": 20, "bins": 50}])
def test_profile_code_gives_the_nodes_profile(wide, params):
    same_as_node(profile.profile, EXPORTERS["transform.profile"], {"table": wide}, **params)
    # an empty table, its category column included (categories no row holds are not values)
    same_as_node(profile.profile, EXPORTERS["transform.profile"], {"table": wide.head(0)}, **params)
