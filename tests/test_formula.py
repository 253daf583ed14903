"""The safe formula interpreter: hostile formulas are refused fast and run nothing; every operator
and function equals plain pandas; errors point at the offending part of the text."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataflow.kernel.executor import call_node
from dataflow.sdk import FormulaError, NodeError, check_formula, evaluate_formula, node, spec_of
from dataflow.sdk.formula import formula_functions


@pytest.fixture
def table() -> pd.DataFrame:
    """Eight orders: gaps in numbers, text and dates; Arrow `str` text; a name with a space; a
    non-default index (results must align with it)."""
    frame = pd.DataFrame({
        "price": [9.99, 24.5, np.nan, 4.25, 130.0, 8.0, np.nan, 15.0],
        "qty": [3, 1, 10, 2, 5, 7, 1, 4],
        "region": ["north", "south", None, "east", "north", "West", "south", None],
        "name": [" Ada Lovelace", "Alan Turing ", "Grace Hopper", "Edsger", "Barbara", "Ken", "Anne", "Linus"],
        "unit price": [1.5, 2.0, 2.5, np.nan, 3.0, 3.5, 4.0, 4.5],
        "when": pd.to_datetime(["2024-01-03 09:15", "2024-02-29 23:59", None, "2024-03-01", "2024-06-30 12:00",
                                "2024-12-31 18:30", "2024-07-04", "2023-11-11 11:11"], format="ISO8601"),
        "flag": [True, False, True, True, False, False, True, False],
        "code": ["12", "7", "x", None, "3.5", "40", "-2", "0"],
    }, index=[10, 11, 12, 13, 14, 15, 16, 17])
    assert all(str(frame[c].dtype) == "str" for c in ("region", "name", "code"))  # pandas 3's Arrow strings
    return frame


def same(result: pd.Series, expected: pd.Series, check_dtype: bool = True) -> None:
    pd.testing.assert_series_equal(result, expected, check_names=False, check_dtype=check_dtype)


# --- hostile formulas -------------------------------------------------------------------------

def hostile(marker: str) -> list[str]:
    """Formulas that would create `marker`, run code, read objects or exhaust memory and time."""
    m = repr(marker)
    touch = repr(f"touch {marker}")
    return [
        f"__import__('os').system({touch})",
        f"a.__init__.__globals__['sys'].modules['os'].system({touch})",
        "a.__class__.__mro__[1].__subclasses__()",
        "(1).__class__.__bases__[0].__subclasses__()",
        "a.__class__",
        f"a.to_csv({m})",
        f"a.str.cat(sep={m})",
        f"lower(a).to_csv({m})",
        "len(a.__dict__)",
        "min.__self__",
        f"@a.to_csv({m})",
        f"@open({m}, 'w')",
        f"a @ open({m}, 'w')",
        f"open({m}, 'w')",
        f"exec(\"open({m}, 'w')\")",
        f"eval(\"open({m}, 'w')\")",
        f"getattr(a, 'to_csv')({m})",
        f"globals()['__builtins__']['open']({m}, 'w')",
        f"(lambda: open({m}, 'w'))()",
        "(lambda: 1)()",
        f"[open({m}, 'w') for _ in [1]]",
        f"{{open({m}, 'w') for _ in [1]}}",
        f"{{k: open({m}, 'w') for k in [1]}}",
        f"(open({m}, 'w') for _ in [1])",
        "f'{a.__class__}'",
        f"f'{{open({m}, \"w\")}}'",
        f"(x := open({m}, 'w'))",
        f"str(*[open({m}, 'w')])",
        f"{{'k': open({m}, 'w')}}",
        f"{{open({m}, 'w')}}",
        f"round(n, ndigits=open({m}, 'w'))",
        f"a[open({m}, 'w')]",
        "a[0]",
        f"n if isnull(open({m}, 'w')) else n",
        f"''.join([open({m}, 'w')])",
        "2**2**2**2**30",
        "9**9**9",
        "10**10**10",
        "(10**60)**64",
        "n ** 100",
        "2 ** (n * 100)",
        "'x'*10**9",
        "'a'*n",
        "a * n",
        "a * 1000000000",
        "replace(replace(replace(a, 'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa')",
        "replace(a, '', 'xxxxxxxx')",
        "a + a" + " + a" * 60,
        "n" + " + n" * 600,
        "(" * 200 + "n" + ")" * 200,
        "-" * 150 + "n",
        "not " * 120 + "flag",
        "__builtins__",
        "yield n",
        "await n",
        "1j * n",
        "b'x'",
        "...",
        "n is None",
        "a.__len__()",
        "2 ** (" + " * ".join(["2**62"] * 20) + ")",
        "round(n, " + " * ".join(["2**62"] * 20) + ")",
        "9" * 500,
    ]


@pytest.fixture
def victim() -> pd.DataFrame:
    return pd.DataFrame({"a": pd.Series(["x", "yy", None], dtype="str"), "n": [1, 5, 9],
                         "flag": [True, False, True]})


def test_at_least_25_hostile_formulas_are_all_refused_fast_and_run_nothing(victim, tmp_path):
    marker = tmp_path / "marker"
    payloads = hostile(str(marker))
    assert len(payloads) >= 25
    for text in payloads:
        start = time.perf_counter()
        with pytest.raises(FormulaError):
            evaluate_formula(text, victim)
        elapsed = time.perf_counter() - start
        assert elapsed < 0.1, f"{text!r} took {elapsed * 1000:.0f} ms to refuse"
        assert not marker.exists(), f"{text!r} created the marker file"
    pd.testing.assert_frame_equal(victim, pd.DataFrame({"a": pd.Series(["x", "yy", None], dtype="str"),
                                                        "n": [1, 5, 9], "flag": [True, False, True]}))


# Refused only with data: they need the column types (a is text, n a number) or the column values.
NEEDS_DATA = {"a * n", "a * 1000000000", "2 ** (n * 100)", "a + a" + " + a" * 60}


def test_hostile_formulas_are_refused_by_the_check_without_data_too(tmp_path):
    for text in hostile(str(tmp_path / "marker")):
        if text in NEEDS_DATA:
            continue
        start = time.perf_counter()
        error = check_formula(text, ["a", "n", "flag"])
        assert isinstance(error, FormulaError), text
        assert time.perf_counter() - start < 0.1
    assert not (tmp_path / "marker").exists()


def test_refusals_say_what_is_not_allowed_and_where(victim):
    cases = {
        "n + a.to_csv('x')": ("calling a method (`.to_csv(...)`)", 4),
        "n > 1 and a.__class__": ("reading an attribute", 10),
        "n + open('f')": ("`open` is not a formula function", 4),
        "n + [1, 2][0]": ("indexing", 4),
        "(lambda: 1)()": ("lambda functions", 1),
        "round(n, digits=2)": ("keyword arguments are not allowed; write round(x, digits)", 9),
        "n + @x": ("`@` references are not allowed", 4),
        "f'{n}'": ("f-strings", 0),
        "2 ** 2 ** 100": ("exponents are limited to 64", 5),
        "'ab' * n": ("`*` needs numbers, but `'ab'` is text", 0),
    }
    for text, (message, offset) in cases.items():
        with pytest.raises(FormulaError) as caught:
            evaluate_formula(text, victim)
        assert message in str(caught.value), text
        assert caught.value.offset == offset, (text, caught.value.offset)
        assert caught.value.snippet == text[offset:offset + len(caught.value.snippet)]


def test_limits_on_length_parts_and_nesting():
    assert check_formula("n + 1" + " " * 995, ["n"]) is None
    too_long = check_formula("n + 1" + " " * 996, ["n"])
    assert "1001 characters long; the limit is 1000" in str(too_long)
    assert "parts; the limit is 200" in str(check_formula(" + ".join(["n"] * 101), ["n"]))
    assert check_formula(" + ".join(["n"] * 100), ["n"]) is None
    deep = check_formula("(" * 31 + "n" + ")" * 31, ["n"])
    assert "nested more than 30 deep" in str(deep) and deep.offset == 30
    assert check_formula("(" * 30 + "n" + ")" * 30, ["n"]) is None


def test_text_cannot_be_made_huge(victim):
    assert "limit is 50" in str(check_formula("replace(replace(a, 'x', 'xxxxxxxx'), 'x', 'xxxxxxxx')", ["a"]))
    assert "the text to replace is empty" in str(check_formula("replace(a, '', 'y')", ["a"]))
    same(evaluate_formula("replace(a, 'x', 'xyz')", victim), victim["a"].str.replace("x", "xyz"))


LEAVES = ["a", "n", "flag", "d", "b", "`x y`", "1", "0", "-1", "2.5", "1e308", "2**62", "'t'", "''", "'2024-02-01'",
          "None", "True", "64"]
OPS = ["+", "-", "*", "/", "//", "%", "**", "<", "==", "!=", ">=", "and", "or", "&", "|"]


def formulas() -> st.SearchStrategy[str]:
    """Well-formed formulas from the grammar (leaves, operators, functions, if, in), mostly ill-typed."""
    from dataflow.sdk.formula import FUNCTIONS as TABLE

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(OPS), inner).map(lambda t: f"{t[0]} {t[1]} ({t[2]})"),
            st.tuples(st.sampled_from(sorted(TABLE)), st.lists(inner, min_size=1, max_size=3))
            .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(st.sampled_from(["-", "not ", "~"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}) if ({t[1]}) else ({t[2]})"),
            st.tuples(inner, st.lists(st.sampled_from(LEAVES), max_size=3)).map(
                lambda t: f"({t[0]}) in [{', '.join(t[1])}]"),
        )

    return st.recursive(st.sampled_from(LEAVES), grow, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formulas())
def test_any_formula_either_evaluates_to_an_aligned_series_or_raises_a_formula_error(text):
    frame = pd.DataFrame({"a": pd.Series(["x", None, "z"], dtype="str"), "n": [1, 2, 3], "flag": [True, False, True],
                          "d": pd.to_datetime(["2024-01-01", None, "2024-05-05"]),
                          "b": pd.array([True, None, False], dtype="boolean"), "x y": [1.5, np.nan, -2.0]},
                         index=[5, 6, 7])
    problem = check_formula(text, list(frame.columns))  # raises nothing; returns None or the problem
    assert problem is None or isinstance(problem, FormulaError)
    try:
        result = evaluate_formula(text, frame)
    except FormulaError:
        return
    assert isinstance(result, pd.Series) and result.index.equals(frame.index)


# --- every operator and function equals plain pandas -----------------------------------------

OPERATORS = [
    ("price + qty", lambda t: t["price"] + t["qty"]),
    ("price - qty", lambda t: t["price"] - t["qty"]),
    ("price * qty", lambda t: t["price"] * t["qty"]),
    ("price / qty", lambda t: t["price"] / t["qty"]),
    ("qty // 3", lambda t: t["qty"] // 3),
    ("qty % 4", lambda t: t["qty"] % 4),
    ("qty ** 2", lambda t: t["qty"] ** 2),
    ("price ** 0.5", lambda t: t["price"] ** 0.5),
    ("2 ** -qty", lambda t: 2.0 ** -t["qty"]),
    ("-price", lambda t: -t["price"]),
    ("+qty", lambda t: t["qty"]),
    ("`unit price` * qty", lambda t: t["unit price"] * t["qty"]),
    ("(price + 1) * (qty - 1) / 2", lambda t: (t["price"] + 1) * (t["qty"] - 1) / 2),
    ("region + '/' + name", lambda t: t["region"] + "/" + t["name"]),
    ("price > 10", lambda t: t["price"] > 10),
    ("price >= 9.99", lambda t: t["price"] >= 9.99),
    ("price < 10", lambda t: t["price"] < 10),
    ("price <= 8", lambda t: t["price"] <= 8),
    ("qty == 1", lambda t: t["qty"] == 1),
    ("qty != 1", lambda t: t["qty"] != 1),
    ("price != 8", lambda t: (t["price"] != 8) & t["price"].notna()),
    ("region == 'north'", lambda t: t["region"] == "north"),
    ("region != 'north'", lambda t: (t["region"] != "north") & t["region"].notna()),
    ("region < 'o'", lambda t: (t["region"] < "o").fillna(False)),
    ("1 < qty <= 5", lambda t: (t["qty"] > 1) & (t["qty"] <= 5)),
    ("price < `unit price` * 5 < 20", lambda t: (t["price"] < t["unit price"] * 5) & (t["unit price"] * 5 < 20)),
    ("region in ['north', 'south']", lambda t: t["region"].isin(["north", "south"])),
    ("region not in ('north',)", lambda t: ~t["region"].isin(["north"]) & t["region"].notna()),
    ("qty in [1, -2, 3]", lambda t: t["qty"].isin([1, -2, 3])),
    ("price > 10 and qty < 5", lambda t: (t["price"] > 10) & (t["qty"] < 5)),
    ("price > 10 or qty < 5", lambda t: (t["price"] > 10) | (t["qty"] < 5)),
    ("not flag", lambda t: ~t["flag"]),
    ("(price > 10) & flag", lambda t: (t["price"] > 10) & t["flag"]),
    ("(price > 10) | ~flag", lambda t: (t["price"] > 10) | ~t["flag"]),
    ("not (qty > 2 and flag)", lambda t: ~((t["qty"] > 2) & t["flag"])),
    ("price if flag else 0", lambda t: t["price"].where(t["flag"], 0)),
    ("'many' if qty > 3 else region", lambda t: t["region"].where(t["qty"] <= 3, "many")),
    ("price if qty > 3 else None", lambda t: t["price"].where(t["qty"] > 3)),
]


@pytest.mark.parametrize(("formula", "expected"), OPERATORS, ids=[f for f, _ in OPERATORS])
def test_operators_equal_pandas(table, formula, expected):
    same(evaluate_formula(formula, table), expected(table))


FUNCTIONS = [
    ("abs(price - 20)", lambda t: (t["price"] - 20).abs()),
    ("round(price, 1)", lambda t: t["price"].round(1)),
    ("round(price)", lambda t: t["price"].round(0)),
    ("round(price, -1)", lambda t: t["price"].round(-1)),
    ("floor(price)", lambda t: np.floor(t["price"])),
    ("ceil(price)", lambda t: np.ceil(t["price"])),
    ("sqrt(price)", lambda t: np.sqrt(t["price"])),
    ("log(price)", lambda t: np.log(t["price"])),
    ("log10(price)", lambda t: np.log10(t["price"])),
    ("exp(qty / 10)", lambda t: np.exp(t["qty"] / 10)),
    ("min(price, qty)", lambda t: t["price"].where(t["price"] <= t["qty"], t["qty"]).fillna(t["qty"])),
    ("max(price, 10)", lambda t: t["price"].clip(lower=10).fillna(10)),
    ("isnull(price)", lambda t: t["price"].isna()),
    ("notnull(region)", lambda t: t["region"].notna()),
    ("fillna(price, 0)", lambda t: t["price"].fillna(0)),
    ("fillna(price, `unit price`)", lambda t: t["price"].fillna(t["unit price"])),
    ("fillna(region, 'none')", lambda t: t["region"].fillna("none")),
    ("coalesce(price, `unit price`, 0)", lambda t: t["price"].fillna(t["unit price"]).fillna(0)),
    ("len(name)", lambda t: t["name"].str.len()),
    ("lower(name)", lambda t: t["name"].str.lower()),
    ("upper(region)", lambda t: t["region"].str.upper()),
    ("strip(name)", lambda t: t["name"].str.strip()),
    ("contains(name, 'an')", lambda t: t["name"].str.contains("an", regex=False)),
    ("contains(region, 'o')", lambda t: t["region"].str.contains("o", regex=False).fillna(False).astype(bool)),
    ("startswith(name, 'A')", lambda t: t["name"].str.startswith("A")),
    ("endswith(strip(name), 'g')", lambda t: t["name"].str.strip().str.endswith("g")),
    ("replace(name, 'a', 'o')", lambda t: t["name"].str.replace("a", "o", regex=False)),
    ("year(when)", lambda t: t["when"].dt.year),
    ("month(when)", lambda t: t["when"].dt.month),
    ("day(when)", lambda t: t["when"].dt.day),
    ("weekday(when)", lambda t: t["when"].dt.day_of_week),
    ("hour(when)", lambda t: t["when"].dt.hour),
    ("str(qty)", lambda t: t["qty"].astype("str")),
    ("str(price)", lambda t: t["price"].astype("str")),
    ("int(price)", lambda t: np.trunc(t["price"])),
    ("int(qty / 2)", lambda t: (t["qty"] // 2).astype("int64")),
    ("int(flag)", lambda t: t["flag"].astype("int64")),
    ("float(qty)", lambda t: t["qty"].astype("float64")),
    ("float(code)", lambda t: pd.to_numeric(t["code"], errors="coerce")),
]


@pytest.mark.parametrize(("formula", "expected"), FUNCTIONS, ids=[f for f, _ in FUNCTIONS])
def test_functions_equal_pandas(table, formula, expected):
    same(evaluate_formula(formula, table), expected(table))


def test_every_function_in_the_table_is_tested_and_documented():
    tested = {f.split("(")[0] for f, _ in FUNCTIONS}
    assert set(formula_functions()) >= {"round(x, digits)", "contains(s, 'part')", "coalesce(a, b, ...)"}
    from dataflow.sdk.formula import FUNCTIONS as TABLE

    assert tested == set(TABLE)
    for name, function in TABLE.items():
        assert function.signature.startswith(name + "(") and function.help


def test_min_and_max_of_dates_and_text_and_a_scalar_result_is_broadcast(table):
    shifted = table.assign(later=table["when"] + pd.Timedelta(days=1))
    same(evaluate_formula("max(when, later)", shifted), shifted["later"])
    same(evaluate_formula("min(region, 'm')", table), table["region"].where(table["region"] <= "m", "m")
         .fillna("m"))
    with pytest.raises(FormulaError, match="must be the same kind"):  # a date written as text is text here
        evaluate_formula("min(when, '2024-06-01')", table)
    constant = evaluate_formula("1 + 2", table)
    assert constant.tolist() == [3] * 8 and constant.index.equals(table.index)
    text = evaluate_formula("upper('abc')", table)
    assert text.tolist() == ["ABC"] * 8 and str(text.dtype) == "str"


# --- missing values, Arrow strings, dates ------------------------------------------------------

def test_comparisons_with_a_missing_value_are_false_and_isnull_finds_them(table):
    missing_price = table["price"].isna()
    for formula in ["price > 0", "price <= 0", "price == price", "price != 1", "price in [9.99]",
                    "price not in [9.99]"]:
        result = evaluate_formula(formula, table)
        assert result.dtype == bool and not result[missing_price].any(), formula
    missing_region = table["region"].isna()
    for formula in ["region == 'north'", "region != 'north'", "region not in ['x']", "region > ''"]:
        result = evaluate_formula(formula, table)
        assert result.dtype == bool and not result[missing_region].any(), formula
    same(evaluate_formula("isnull(price) or isnull(region)", table), missing_price | missing_region)
    assert evaluate_formula("price + 1", table)[missing_price].isna().all()


def test_missing_conditions_count_as_false_in_logic_and_if(table):
    nullable = table.assign(ok=pd.array([True, None, False, True, None, True, False, True], dtype="boolean"))
    same(evaluate_formula("ok and qty > 0", nullable), pd.Series([True, False, False, True, False, True, False, True],
                                                                 index=table.index))
    same(evaluate_formula("not ok", nullable), pd.Series([False, True, True, False, True, False, True, False],
                                                         index=table.index))
    assert evaluate_formula("'yes' if ok else 'no'", nullable).tolist()[:2] == ["yes", "no"]


def test_nullable_integer_columns_compare_without_missing_markers(table):
    counts = table.assign(n=pd.array([1, None, 3, 4, None, 6, 7, 8], dtype="Int64"))
    result = evaluate_formula("n > 2", counts)
    assert result.dtype == bool and result.tolist() == [False, False, True, True, False, True, True, True]


def test_arrow_text_columns_keep_their_dtype_and_missing_values(table):
    assert str(table["region"].dtype) == "str"
    for formula in ["lower(region)", "replace(region, 'o', '0')", "strip(region)", "region + '!'",
                    "fillna(region, '?')", "str(region)"]:
        result = evaluate_formula(formula, table)
        assert str(result.dtype) == "str", formula
    assert evaluate_formula("lower(region)", table).isna().sum() == 2
    categories = table.assign(region=table["region"].astype("category"))
    same(evaluate_formula("region == 'north'", categories), table["region"] == "north")


def test_dates_compare_with_dates_written_as_text(table):
    same(evaluate_formula("when >= '2024-03-01'", table), (table["when"] >= "2024-03-01").fillna(False))
    same(evaluate_formula("'2024-01-01' <= when < '2024-07-01 00:00'", table),
         (table["when"] >= "2024-01-01") & (table["when"] < "2024-07-01"))
    same(evaluate_formula("when in ['2024-03-01', '2024-07-04']", table),
         table["when"].isin(pd.to_datetime(["2024-03-01", "2024-07-04"])))
    aware = table.assign(when=table["when"].dt.tz_localize("Europe/Paris"))
    same(evaluate_formula("when > '2024-06-01'", aware),
         (aware["when"] > pd.Timestamp("2024-06-01", tz="Europe/Paris")).fillna(False))


def test_date_mistakes_are_explained(table):
    with pytest.raises(FormulaError, match="'soon' is not a date; write dates like '2024-03-31'"):
        evaluate_formula("when > 'soon'", table)
    with pytest.raises(FormulaError, match="needs numbers, but `when` is a date; take a part of it with year()"):
        evaluate_formula("when + 1", table)
    with pytest.raises(FormulaError, match=r"year\(d\) needs a date, but `region` is text"):
        evaluate_formula("year(region)", table)
    with pytest.raises(FormulaError, match="cannot compare a date with a number"):
        evaluate_formula("when > 2024", table)


def test_kind_mistakes_are_refused_before_touching_data(table):
    cases = {
        "region * 2": "`*` needs numbers, but `region` is text",
        "region + 1": "`+` with text joins two texts, but `1` is a number; convert it with str(...)",
        "region > 3": "cannot compare text with a number",
        "flag + 1": "turn it into 0/1 with int(...)",
        "price > 1 & qty < 3": "put comparisons in parentheses",
        "qty if price else 0": "the condition of `... if ... else ...` must be true/false",
        "qty if flag else 'none'": "both results of `... if ... else ...` must be the same kind",
        "price == None": "use isnull(x) or notnull(x)",
        "price is None": "`is` (to test for missing values use isnull(x))",
        "region in ['a', 1]": "the list holds a number `1`",
        "region in regions": "needs a list of fixed values",
        "contains(name, region)": "must be a fixed text in quotes",
        "round(price, qty)": "the number of digits must be a fixed whole number",
        "round(price, 99)": "between -15 and 15",
        "sqrt(region)": "sqrt(x) needs a number, but `region` is text",
        "abs()": "abs(x) takes 1 value, got 0",
        "lenght(name)": "did you mean `length`?".replace("length", "len"),
        "len": "`len` is a function: call it with parentheses",
        "pirce * 2": "unknown column `pirce` (did you mean `price`?); the columns are: price, qty, region, name, "
                     "`unit price`",
    }
    for formula, message in cases.items():
        with pytest.raises(FormulaError) as caught:
            evaluate_formula(formula, table)
        assert message in str(caught.value), (formula, str(caught.value))


def test_float_of_text_warns_about_values_that_are_not_numbers(table):
    @node
    def probe(*, formula: str = "") -> None:
        """Evaluate a formula inside a running node."""
        evaluate_formula(formula, table)

    outcome = call_node(spec_of(probe), {}, {"formula": "float(code)"})
    assert outcome.warnings == ["float(...): 1 value(s) are not numbers (e.g. 'x') and became missing"]


def test_scalar_arithmetic_errors_are_formula_errors(table):
    with pytest.raises(FormulaError, match="division by zero"):
        evaluate_formula("qty + 1 / 0", table)
    with pytest.raises(FormulaError, match="too large"):
        evaluate_formula("qty + 1e300 ** 2", table)
    assert np.isinf(evaluate_formula("price / 0", table).dropna()).all()
    assert evaluate_formula("int(qty * 1e300)", table).tolist()[0] == 3e300  # not wrapped around


# --- check_formula: the app's inline check ---------------------------------------------------

def test_check_formula_accepts_good_formulas_and_knows_the_columns():
    columns = ["price", "qty", "unit price", "region"]
    assert check_formula("price * qty > 100 and region in ['north', 'east']", columns) is None
    assert check_formula("`unit price` * 2", columns) is None
    assert check_formula("whatever + 1") is None  # no columns given: names are not checked
    error = check_formula("price * 2 + regoin", columns)
    assert error.offset == 12 and error.snippet == "regoin" and "did you mean `region`?" in str(error)
    error = check_formula("`unit prize` * 2", columns)
    assert error.offset == 0 and "unknown column `unit prize` (did you mean `unit price`?)" in str(error)


def test_syntax_errors_point_at_the_problem():
    assert check_formula("price * 2 >", ["price"]).offset == 10
    error = check_formula("unit price > 3", ["unit price"])
    assert error.offset == 5 and "backticks" in str(error)
    error = check_formula("price = 3", ["price"])
    assert error.offset == 6 and "compare with ==" in str(error)
    assert "never closed" in str(check_formula("`unit price * 2", ["unit price"]))
    assert check_formula("", ["price"]).message == "the formula is empty"


def test_offsets_count_characters_of_the_typed_text_across_backticks_and_accents():
    error = check_formula("'café' + `unit price` + a.b", ["unit price", "a"])
    assert error.offset == 24 and error.snippet == "a.b"
    error = check_formula("`unit price`\n  + a.b", ["unit price", "a"])  # typed over two lines
    assert error.offset == 17 and error.snippet == "a.b" and "attribute" in error.message
    error = check_formula("'`not a column`' + x", [])
    assert error.offset == 19 and "unknown column `x`" in str(error)


def test_a_formula_error_is_a_node_error_naming_the_parameter(table):
    with pytest.raises(NodeError) as caught:
        evaluate_formula("qty +", table, param="formula")
    assert isinstance(caught.value, FormulaError) and caught.value.param == "formula"
    assert str(caught.value).startswith("parameter 'formula': syntax error")


def test_the_check_never_imports_pandas():
    code = ("import sys; from dataflow.sdk import check_formula; "
            "assert check_formula('round(price * 2, 1) > 3 and year(d) == 2024', ['price', 'd']) is None; "
            "assert check_formula('a.b') is not None; "
            "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, 'imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_workflow_with_a_refused_formula_is_invalid_before_anything_runs():
    from dataflow.kernel import WorkflowError, compile_workflow, load_registry, workflow_from_dict

    registry = load_registry()
    workflow = workflow_from_dict({"version": "0.1.0", "nodes": [
        {"id": "d", "type": "samples.dataset"},
        {"id": "f", "type": "transform.filter", "params": {"formula": "petal_width.__class__ > 1"}}],
        "edges": [{"source": "d", "target": "f"}]})
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(workflow, registry)
    (problem,) = caught.value.problems
    assert (problem.node, problem.param) == ("f", "formula")
    assert "reading an attribute" in problem.message and "`petal_width.__class__`" in problem.message


@pytest.mark.parametrize(("typed", "read_as"), [("µ", "μ"), ("ﬁle", "file"), ("ｐrice", "price"), ("ℌ", "H")])
def test_a_name_with_look_alike_characters_is_refused_not_read_as_another_column(typed, read_as):
    frame = pd.DataFrame({read_as: [1.0, 2.0], typed: [10.0, 20.0]})
    with pytest.raises(FormulaError, match=f"`{typed}` has look-alike characters that read as `{read_as}`") as error:
        evaluate_formula(f"{typed} * 2", frame)
    assert error.value.offset == 0
    assert check_formula(f"{typed} > 1", [read_as]) is not None
    assert evaluate_formula(f"`{typed}` * 2", frame).tolist() == [20.0, 40.0]  # the exact name, in backticks
    assert evaluate_formula(f"`{read_as}` * 2", frame).tolist() == [2.0, 4.0]
