"""The series serializer keeps name, dtype and index exactly, and exports a one-column Parquet file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_serializers.tables import SeriesSerializer


@pytest.fixture
def series() -> SeriesSerializer:
    return SeriesSerializer()


@pytest.mark.parametrize("value", [
    pd.Series([1.0, np.nan, 3.0], name="price"),
    pd.Series(["a", None, "c"], dtype=object, name="label"),
    pd.Series(["a", None, "c"], dtype="str"),
    pd.Series([1, None, 3], dtype="Int64", name=0),
    pd.Series(pd.Categorical(["b", "a", "b"], ordered=True), name=("stat", "mean")),
    pd.Series(pd.date_range("2024", periods=3, tz="Asia/Tokyo"), index=pd.Index(["x", "y", "z"], name="k")),
    pd.Series([], dtype="float64", name="empty"),
], ids=lambda s: f"{s.dtype}-{s.name}")
def test_series_round_trip_exactly_with_name_and_dtype(series, through_file, value):
    back = through_file(series, value)
    pd.testing.assert_series_equal(back, value, check_exact=True)
    assert repr(back.dtype) == repr(value.dtype)
    assert back.name == value.name and type(back.name) is type(value.name)


def test_dump_file_streams_exactly_the_bytes_of_dumps(series, tmp_path):
    value = pd.Series(pd.Categorical(["b", "a", "b"], ordered=True), name=("stat", "mean"))
    path = tmp_path / "value.bin"
    assert series.dump_file(value, path) is True
    assert path.read_bytes() == bytes(series.dumps(value))
    pd.testing.assert_series_equal(series.loads(memoryview(path.read_bytes())), value, check_exact=True)


def test_an_object_series_of_mixed_types_is_refused(series):
    with pytest.raises(TypeError, match="integers mixed with other types"):
        series.dumps(pd.Series([1, "one"], dtype=object, name="code"))


def test_check_names_what_it_got(series):
    with pytest.raises(TypeError, match="expected a pandas Series, got dict"):
        series.check({"a": 1})
    with pytest.raises(TypeError, match=r"got pandas DataFrame; select one column"):
        series.check(pd.DataFrame({"a": [1]}))


def test_share_isolates_the_cached_series(series):
    value = pd.Series([1.0, 2.0], name="x")
    shared = series.share(value)
    shared[0] = 99.0
    shared.name = "y"
    assert value.tolist() == [1.0, 2.0] and value.name == "x"


def test_a_shared_series_forced_writable_or_holding_lists_cannot_change_the_kept_one(series):
    numbers = pd.Series([1.0, 2.0], name="x")
    values = series.share(numbers).to_numpy()
    with pytest.raises(ValueError, match="WRITEABLE"):
        values.setflags(write=True)
    lists = pd.Series([[1], [2]], dtype=object, name="l")
    series.share(lists).iloc[0].append(3)
    assert series.share(lists).tolist() == [[1], [2]] and lists.tolist() == [[1], [2]]
    assert series.share(lists).name == "l"


def test_export_writes_a_one_column_parquet_file(series, tmp_path):
    value = pd.Series([1.5, 2.5], name="price", index=pd.Index([3, 4], name="id"))
    series.export(value, tmp_path / "price.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "price.parquet"), value.to_frame())
    series.export(pd.Series([1]), tmp_path / "unnamed.parquet")
    assert list(pd.read_parquet(tmp_path / "unnamed.parquet").columns) == ["value"]


def test_sizeof_counts_the_values(series):
    value = pd.Series(np.zeros(100_000))
    assert 800_000 <= series.sizeof(value) < 900_000
