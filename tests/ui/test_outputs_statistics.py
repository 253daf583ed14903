"""The output panel's "Columns and statistics" table draws for every table, dates included."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from dataflow.ui.outputs import statistics


def test_statistics_of_a_table_with_dates_numbers_and_text_convert_for_the_page():
    table = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                          "amount": [1.0, 2.5, 4.0], "name": ["a", "b", "a"]})
    stats = statistics(table)
    pa.Table.from_pandas(stats)  # what st.dataframe does; a mixed object column raised ArrowInvalid
    assert stats.loc["amount", "mean"] == "2.5" and stats.loc["name", "top"] == "a"
    assert stats.loc["day", "min"].startswith("2024-01-01")


def test_statistics_of_numbers_only_stay_numbers():
    stats = statistics(pd.DataFrame({"x": [1, 2, 3]}))
    assert stats.loc["x", "mean"] == 2.0
