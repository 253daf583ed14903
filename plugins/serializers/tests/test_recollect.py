"""Collecting a loop's tables again from the previous result: the answer is the table that collecting
every item gives, or None (the loop then collects every item); never a different table."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_serializers.tables import SeriesSerializer, TableSerializer

TABLES = TableSerializer()


def frame(n: int, **columns) -> pd.DataFrame:
    return pd.DataFrame({"qty": list(range(n)), "price": [0.5 * i for i in range(n)], **columns})


def again(before: list, after: list, reused: dict[int, int]):
    """Collect `before` with notes, then `after` reusing `reused` items' rows from it."""
    previous = TABLES.collect_again(before, None, {})
    items = [(label, None if k in reused else value) for k, (label, value) in enumerate(after)]
    return TABLES.collect_again(items, previous, reused)


def same(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert table.dtypes.equals(expected.dtypes)
    pd.testing.assert_frame_equal(table, expected, check_exact=True, check_index_type=True, check_column_type=True)


def test_without_a_previous_result_it_collects_every_item_and_notes_each():
    items = [({"file": "a.csv"}, frame(2)), ({"file": "b.csv"}, frame(3))]
    table, notes = TABLES.collect_again(items, None, {})
    same(table, TABLES.collect(items))
    assert [n["rows"] for n in notes] == [2, 3]


def test_reused_rows_removed_added_and_reordered_items_give_the_full_collect():
    before = [({"file": f"{k}.csv"}, frame(k + 1)) for k in range(5)]
    after = [before[3], ({"file": "new.csv"}, frame(4)), before[0], before[1], before[4]]
    table, notes = again(before, after, {0: 3, 2: 0, 3: 1, 4: 4})
    same(table, TABLES.collect(after))
    assert [n["rows"] for n in notes] == [4, 4, 1, 2, 5]


@pytest.mark.parametrize("odd", [
    frame(2, note=["x", "y"]),                                   # a column more
    frame(2).astype({"qty": "float64"}),                          # another dtype
    frame(2).astype({"qty": "str"}),                              # text where numbers were
    frame(2, kind=pd.Categorical(["a", "b"])),                    # a categorical column
], ids=["column more", "float", "text", "categorical"])
def test_an_item_of_other_types_is_never_collected_into_a_different_table(odd):
    before = [({"file": f"{k}.csv"}, frame(2)) for k in range(3)]
    after = [before[0], ({"file": "1.csv"}, odd), before[2]]
    made = again(before, after, {0: 0, 2: 2})
    assert made is None or same(made[0], TABLES.collect(after)) is None
    back = [before[0], before[2]]  # the odd item removed again: the others' rows from a mixed table
    previous = TABLES.collect_again(after, None, {})
    made = TABLES.collect_again([(back[0][0], None), (back[1][0], None)], previous, {0: 0, 1: 2})
    assert made is None or same(made[0], TABLES.collect(back)) is None


def test_naming_values_of_another_type_are_not_reused_into_another_dtype():
    before = [({"depth": 1}, frame(2)), ({"depth": 2.5}, frame(2))]
    after = [before[0]]
    made = again(before, after, {0: 0})
    assert made is None or same(made[0], TABLES.collect(after)) is None


def test_a_previous_table_whose_rows_disagree_with_its_notes_is_not_used():
    before = [({"file": f"{k}.csv"}, frame(2)) for k in range(3)]
    table, notes = TABLES.collect_again(before, None, {})
    assert TABLES.collect_again([(before[0][0], None)], (table.iloc[:5], notes), {0: 0}) is None


def test_series_are_collected_again_as_their_one_column_tables():
    series = SeriesSerializer()
    before = [({"file": f"{k}.csv"}, pd.Series([k, k + 1], name="qty")) for k in range(3)]
    previous = series.collect_again(before, None, {})
    after = [before[2], ({"file": "x.csv"}, pd.Series([7], name="qty"))]
    table, _ = series.collect_again([(after[0][0], None), after[1]], previous, {0: 2})
    same(table, series.collect(after))
