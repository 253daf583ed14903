"""split_column, text, date_parts: equal to the pandas .str / .dt accessors, on Arrow `str` columns."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.sdk import NodeError, run_node
from dataflow_transform.dates import date_parts
from dataflow_transform.strings import split_column, text


def test_split_column_puts_the_parts_next_to_the_original(run, customers):
    out = run(split_column, customers, column="name", separator=" ", names=["first", "last"])
    assert list(out.columns) == ["customer_id", "name", "first", "last", "city", "signup", "segment"]
    parts = customers["name"].str.split(" ", expand=True)
    pd.testing.assert_series_equal(out["first"], parts[0].rename("first"))
    pd.testing.assert_series_equal(out["last"], parts[1].rename("last"))
    assert str(out["first"].dtype) == "str"


def test_split_column_default_names_missing_values_and_dropping_the_original(run):
    table = pd.DataFrame({"path": pd.Series(["a/b/c", "d/e", None, "f"], dtype="str")})
    out = run(split_column, table, column="path", separator="/", keep_original=False)
    assert list(out.columns) == ["path_1", "path_2", "path_3"]
    assert out.iloc[1].tolist()[:2] == ["d", "e"] and pd.isna(out.iloc[1, 2])
    assert out.iloc[2].isna().all()


def test_split_column_max_splits_keeps_the_rest_in_the_last_part(run, customers):
    table = pd.DataFrame({"full": ["Mary Ann Evans", "Ada Lovelace"]})
    out = run(split_column, table, column="full", separator=" ", names=["first", "rest"], max_splits=1)
    assert out["rest"].tolist() == ["Ann Evans", "Lovelace"]


def test_split_column_with_too_few_names_says_how_to_fix_it():
    table = pd.DataFrame({"full": ["Mary Ann Evans", "Ada Lovelace"]})
    with pytest.raises(NodeError, match="up to 3 parts but 2 name.*max splits to 1") as caught:
        run_node(split_column, {"table": table}, column="full", separator=" ", names=["first", "last"])
    assert caught.value.param == "names"


def test_split_column_refuses_numbers_and_existing_names(sales, customers):
    with pytest.raises(NodeError, match="holds number values, not text"):
        run_node(split_column, {"table": sales}, column="quantity")
    with pytest.raises(NodeError, match="already has a column 'city'"):
        run_node(split_column, {"table": customers}, column="name", separator=" ", names=["first", "city"])


@pytest.mark.parametrize(("operation", "expected"), [
    ("lower", lambda s: s.str.lower()),
    ("upper", lambda s: s.str.upper()),
    ("strip", lambda s: s.str.strip()),
])
def test_text_case_and_strip_match_pandas(run, operation, expected):
    table = pd.DataFrame({"city": pd.Series(["  London ", "PARIS", None, "São Paulo"], dtype="str")})
    out = run(text, table, column="city", operation=operation)
    pd.testing.assert_series_equal(out["city"], expected(table["city"]))


def test_text_replace_plain_regex_and_ignoring_case(run, customers):
    out = run(text, customers, column="name", operation="replace", pattern="a", replacement="@", output="masked")
    pd.testing.assert_series_equal(out["masked"], customers["name"].str.replace("a", "@", regex=False).rename("masked"))
    out = run(text, customers, column="name", operation="replace", pattern="a", replacement="@",
              case_sensitive=False)
    assert out["name"].iloc[0] == "@d@ Lovel@ce"
    out = run(text, customers, column="signup", operation="replace", pattern=r"(\d+)-(\d+)-(\d+)",
              replacement=r"\3/\2/\1", regex=True)
    assert out["signup"].iloc[0] == "01/05/2023" and pd.isna(out["signup"].iloc[3])


def test_text_contains_gives_true_false_and_missing_is_false(run, customers):
    out = run(text, customers, column="city", operation="contains", pattern="on")
    assert out["city_contains"].tolist() == [True, False, False, False, True, False]
    assert out["city_contains"].dtype == bool
    out = run(text, customers, column="name", operation="contains", pattern="^[AB]", regex=True)
    pd.testing.assert_series_equal(out["name_contains"],
                                   customers["name"].str.contains("^[AB]", regex=True).rename("name_contains"))


def test_text_mistakes(customers, sales):
    with pytest.raises(NodeError, match="needs a pattern") as caught:
        run_node(text, {"table": customers}, column="name", operation="contains")
    assert caught.value.param == "pattern"
    with pytest.raises(NodeError, match="not a valid regular expression"):
        run_node(text, {"table": customers}, column="name", operation="contains", pattern="([", regex=True)
    with pytest.raises(NodeError, match="pick a column"):
        run_node(text, {"table": customers})
    with pytest.raises(NodeError, match="holds number values"):
        run_node(text, {"table": sales}, column="quantity")


def test_date_parts_match_the_dt_accessor(run, orders):
    parts = ["year", "month", "day", "weekday", "hour", "quarter", "week"]
    out = run(date_parts, orders, column="order_date", parts=parts)
    dates = orders["order_date"]
    expected = {"year": dates.dt.year, "month": dates.dt.month, "day": dates.dt.day, "weekday": dates.dt.day_of_week,
                "hour": dates.dt.hour, "quarter": dates.dt.quarter,
                "week": dates.dt.isocalendar().week.astype("float64")}
    for part in parts:
        pd.testing.assert_series_equal(out[f"order_date_{part}"], expected[part], check_names=False)


def test_date_parts_of_a_complete_column_are_whole_numbers(run):
    table = pd.DataFrame({"when": pd.to_datetime(["2024-12-30", "2025-06-15 18:30"], format="ISO8601")})
    out = run(date_parts, table, column="when", parts=["week", "weekday", "hour"])
    assert out["when_week"].tolist() == [1, 24] and str(out["when_week"].dtype) == "int32"
    assert out["when_weekday"].tolist() == [0, 6] and out["when_hour"].tolist() == [0, 18]


def test_date_parts_reads_dates_and_date_times_written_as_text(run):
    table = pd.DataFrame({"when": pd.Series(["2024-12-30", "2025-06-15 18:30", None], dtype="str")})
    out = run(date_parts, table, column="when", parts=["day", "hour"])
    assert out["when_day"].tolist()[:2] == [30, 15] and out["when_hour"].tolist()[:2] == [0, 18]


def test_date_parts_reads_dates_written_as_text(run, customers):
    out = run(date_parts, customers, column="signup", parts=["year", "month"])
    assert out["signup_year"].tolist()[:3] == [2023, 2023, 2023] and pd.isna(out["signup_year"].iloc[3])
    bad = customers.assign(signup=["2023-05-01", "soon", None, None, None, None])
    with pytest.raises(NodeError, match="1 value\\(s\\) are not dates, e.g. 'soon' \\(row 1\\)"):
        run_node(date_parts, {"table": bad}, column="signup")


def test_date_parts_mistakes(sales):
    with pytest.raises(NodeError, match="unknown part 'decade'") as caught:
        run_node(date_parts, {"table": sales}, column="order_date", parts=["decade"])
    assert caught.value.param == "parts"
    with pytest.raises(NodeError, match="holds number values, not dates"):
        run_node(date_parts, {"table": sales}, column="quantity")
    with pytest.raises(NodeError, match="did you mean 'order_date'"):
        run_node(date_parts, {"table": sales}, column="orderdate")


# --- regular expressions run by RE2: linear time, the same results as Python's re for ordinary patterns ---

ORDINARY = [(r"\d+", "#"), (r"^[A-C]\w*", "X"), (r"(\w+) (\w+)", r"\2, \1"), (r"o(?:n|r)", "0"),
            (r"[aeiou]{2}", r"<\g<0>>"), (r"(?P<first>\w)\w*", r"\1."), (r"\s+$", ""), (r"a|e", r"\\")]


@pytest.mark.parametrize("case_sensitive", [True, False])
@pytest.mark.parametrize(("pattern", "replacement"), ORDINARY)
def test_regex_replace_and_contains_give_what_pythons_re_gives(run, pattern, replacement, case_sensitive):
    import re

    values = ["Ada Lovelace", "Bob  ", None, "carol ANN", "Élodie 42", "ooh aah", "1 2 33"]
    flags = 0 if case_sensitive else re.IGNORECASE
    for dtype in ("str", object):
        table = pd.DataFrame({"name": pd.Series(values, dtype=dtype)})
        out = run(text, table, column="name", operation="replace", pattern=pattern, replacement=replacement,
                  regex=True, case_sensitive=case_sensitive)
        expected = [re.sub(pattern, replacement, v, flags=flags) if isinstance(v, str) else None for v in values]
        assert [None if pd.isna(v) else v for v in out["name"]] == expected
        assert out["name"].dtype == table["name"].dtype
        out = run(text, table, column="name", operation="contains", pattern=pattern, regex=True,
                  case_sensitive=case_sensitive)
        assert out["name_contains"].tolist() == [isinstance(v, str) and re.search(pattern, v, flags) is not None
                                                 for v in values]


def test_a_catastrophic_pattern_finishes_at_once_in_a_fresh_process():
    """(a|aa)+$ over 34 characters never finished with Python's backtracking engine."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import time, pandas as pd
        from dataflow.sdk import run_node
        from dataflow_transform.strings import text
        table = pd.DataFrame({"v": ["a" * 33 + "b", "a" * 34]})
        for case in (True, False):
            for operation in ("contains", "replace"):
                start = time.perf_counter()
                out = run_node(text, {"table": table}, column="v", operation=operation, pattern="(a|aa)+$",
                               replacement="X", regex=True, case_sensitive=case)
                assert time.perf_counter() - start < 1, operation
        print(out["table"]["v"].tolist())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',", "'X']"]


@pytest.mark.parametrize("pattern", [r"(a)\1", r"a(?=b)", r"(?<=a)b", r"a(?!b)"])
def test_a_pattern_that_needs_backtracking_is_refused_naming_the_parameter(customers, pattern):
    for operation in ("replace", "contains"):
        with pytest.raises(NodeError, match="linear-time engine.*backreferences") as caught:
            run_node(text, {"table": customers}, column="name", operation=operation, pattern=pattern,
                     replacement="x", regex=True)
        assert caught.value.param == "pattern"


def test_a_replacement_with_a_named_group_is_refused_naming_the_parameter(customers):
    with pytest.raises(NodeError, match=r"\\g<first> is not supported") as caught:
        run_node(text, {"table": customers}, column="name", operation="replace", pattern=r"(?P<first>\w+)",
                 replacement=r"\g<first>", regex=True)
    assert caught.value.param == "replacement"
