"""The table serializer gives back exactly the frame that went in, refuses what it cannot, exports Parquet."""

from __future__ import annotations

import datetime
import decimal
import mmap

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from dataflow_serializers.tables import TableSerializer

N = 4


@pytest.fixture
def table() -> TableSerializer:
    return TableSerializer()


def assert_same_frame(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """Equal values, and the very same dtypes and index/column types (repr catches str vs object)."""
    pd.testing.assert_frame_equal(expected, actual, check_exact=True, check_freq=True,
                                  check_column_type=True, check_index_type=True, check_categorical=True)
    assert [repr(d) for d in actual.dtypes] == [repr(d) for d in expected.dtypes]
    for axis in ("index", "columns"):
        want, got = getattr(expected, axis), getattr(actual, axis)
        assert type(got) is type(want), axis
        assert [repr(d) for d in got.dtypes] == [repr(d) for d in want.dtypes] if isinstance(want, pd.MultiIndex) \
            else repr(got.dtype) == repr(want.dtype), axis
        assert list(got.names) == list(want.names), axis


COLUMNS = {
    "str": pd.array(["a", None, "c", "d"], dtype="str"),
    "object strings": pd.Series(["a", None, "c", "d"], dtype=object),
    "object strings with NaN": pd.Series(["a", np.nan, "c", "d"], dtype=object),
    "object ints with a gap": pd.Series([1, None, 3, 4], dtype=object),
    "object floats": pd.Series([1.5, np.nan, 3.0, 4.0], dtype=object),
    "object bools": pd.Series([True, None, False, True], dtype=object),
    "object bytes": pd.Series([b"a", None, b"c", b"d"], dtype=object),
    "object dates": pd.Series([datetime.date(2020, 1, d) for d in (1, 2, 3, 4)], dtype=object),
    "object decimals": pd.Series([decimal.Decimal("1.5"), None, decimal.Decimal("2.5"), decimal.Decimal("3.0")],
                                 dtype=object),
    "object all missing": pd.Series([None] * N, dtype=object),
    "string[python]": pd.array(["a", None, "c", "d"], dtype="string[python]"),
    "string[pyarrow]": pd.array(["a", None, "c", "d"], dtype="string[pyarrow]"),
    "str with python storage": pd.array(["a", None, "c", "d"], dtype=pd.StringDtype("python", na_value=np.nan)),
    "category": pd.Categorical(["x", "y", None, "x"]),
    "ordered category": pd.Categorical(["x", "y", None, "x"], categories=["y", "x", "z"], ordered=True),
    "category of objects": pd.Categorical(pd.Index(["x", "y", "x", "x"], dtype=object)),
    "category of ints": pd.Categorical([1, 2, 1, None]),
    "datetime with time zone": pd.date_range("2024-03-30", periods=N, tz="Europe/Paris"),
    "datetime ns": pd.date_range("2024-01-01", periods=N, unit="ns"),
    "timedelta": pd.to_timedelta([1, 2, None, 4], unit="s"),
    "Int64": pd.array([1, None, 3, 4], dtype="Int64"),
    "boolean": pd.array([True, None, False, True], dtype="boolean"),
    "Float64": pd.array([1.5, None, 3, 4], dtype="Float64"),
    "float with NaN": [1.0, np.nan, 3.0, -0.0],
    "bool": [True, False, True, False],
    "uint8": np.array([1, 2, 3, 255], dtype="uint8"),
    "float32": np.array([1, 2, 3, 4], dtype="float32"),
    "int64[pyarrow]": pd.array([1, None, 3, 4], dtype="int64[pyarrow]"),
    "list[pyarrow]": pd.array([[1, 2], None, [], [3]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
    "struct[pyarrow]": pd.array([{"a": 1}, None, {"a": 3}, {"a": None}],
                                dtype=pd.ArrowDtype(pa.struct([("a", pa.int64())]))),
    "decimal[pyarrow]": pd.array([1, None, 3, 4], dtype=pd.ArrowDtype(pa.decimal128(5, 2))),
    # the same Arrow type as "datetime with time zone": each must keep its own dtype
    "timestamp[pyarrow]": pd.array(pd.date_range("2024-03-30", periods=N, tz="Europe/Paris"),
                                   dtype=pd.ArrowDtype(pa.timestamp("us", tz="Europe/Paris"))),
    "period": pd.period_range("2024-01", periods=N, freq="M"),
    "interval": pd.interval_range(0, N),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_every_dtype_round_trips_exactly(table, through_file, name):
    df = pd.DataFrame({name: COLUMNS[name], "other": np.arange(N, dtype="int64")})
    assert_same_frame(df, through_file(table, df))


def test_a_frame_with_every_dtype_at_once_round_trips_exactly(table, through_file):
    df = pd.DataFrame(COLUMNS, index=pd.Index([10, 20, 30, 40], name="id"))
    assert_same_frame(df, through_file(table, df))


@pytest.mark.parametrize("df", [
    pd.DataFrame(COLUMNS, index=pd.Index([10, 20, 30, 40], name="id")),
    pd.DataFrame({"x": pd.Series([], dtype="float64")}),
], ids=["every dtype", "empty"])
def test_dump_file_streams_exactly_the_bytes_of_dumps(table, tmp_path, df):
    path = tmp_path / "value.bin"
    assert table.dump_file(df, path) is True
    assert path.read_bytes() == bytes(table.dumps(df))
    assert_same_frame(df, table.loads(memoryview(path.read_bytes())))


def test_dump_file_refuses_what_dumps_refuses(table, tmp_path):
    with pytest.raises(TypeError, match="DataFrame"):
        table.dump_file([1, 2], tmp_path / "value.bin")


def test_object_columns_stay_object_and_str_columns_stay_str(table, through_file):
    df = pd.DataFrame({"o": pd.Series(["a", "b"], dtype=object), "s": pd.Series(["a", "b"], dtype="str")})
    back = through_file(table, df)
    assert back["o"].dtype == object
    assert back["s"].dtype == "str"
    assert [type(v) for v in back["o"]] == [str, str]


def test_missing_markers_in_object_columns_come_back_as_they_were(table, through_file):
    df = pd.DataFrame({"mixed": pd.Series(["a", None, np.nan, pd.NA], dtype=object),
                       "none": pd.Series(["a", None, None, "b"], dtype=object),
                       "nan": pd.Series(["a", np.nan, "c", np.nan], dtype=object),
                       "na": pd.Series([pd.NA, "b", "c", "d"], dtype=object)})
    back = through_file(table, df)
    assert back["mixed"][1] is None and isinstance(back["mixed"][2], float) and back["mixed"][3] is pd.NA
    assert back["none"][1] is None and back["none"][2] is None
    assert np.isnan(back["nan"][1]) and np.isnan(back["nan"][3])
    assert back["na"][0] is pd.NA
    assert_same_frame(df, back)


def test_object_ints_come_back_as_python_ints_not_floats(table, through_file):
    df = pd.DataFrame({"ids": pd.Series([1, None, 3], dtype=object)})
    back = through_file(table, df)
    assert back["ids"].tolist() == [1, None, 3]
    assert type(back["ids"][0]) is int


@pytest.mark.parametrize("index", [
    pd.RangeIndex(4),
    pd.RangeIndex(5, 13, 2, name="row"),
    pd.Index([3, 1, 2, 0], name="id"),
    pd.Index(["w", "x", "y", "z"], name="key"),
    pd.Index(["w", None, "y", "z"], dtype=object, name="key"),
    pd.Index([1.5, 2.5, np.nan, 4.0]),
    pd.date_range("2024-01-01", periods=N, freq="D", name="day"),
    pd.date_range("2024-01-01", periods=N, freq="h", tz="UTC"),
    pd.CategoricalIndex(["a", "b", "a", "c"], name="group"),
    pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("b", 2)], names=["letter", "number"]),
    pd.MultiIndex.from_arrays([pd.Index(["a", "a", "b", "b"], dtype=object), [1, 2, 1, 2]], names=["l", None]),
    pd.Index([3, 1, 2, 0], name=0),
], ids=lambda index: f"{type(index).__name__}-{index.dtype}-{index.names}")
def test_the_row_index_round_trips_exactly(table, through_file, index):
    df = pd.DataFrame({"value": [1.0, 2.0, 3.0, 4.0]}, index=index)
    assert_same_frame(df, through_file(table, df))


@pytest.mark.parametrize("columns", [
    pd.Index([0, 1]),
    pd.RangeIndex(2),
    pd.Index([1.5, 2.5]),
    pd.Index([0, "x"], dtype=object),
    pd.Index(["a", "b"], dtype=object, name="field"),
    pd.Index([None, "b"]),
    pd.Index(["a", "a"]),
    pd.Index(["__index_level_0__", "b"]),
    pd.date_range("2024-01-01", periods=2, name="day"),
    pd.CategoricalIndex(pd.interval_range(0, 2)),
    pd.MultiIndex.from_tuples([("price", "mean"), ("price", "max")], names=[None, "stat"]),
], ids=lambda c: f"{type(c).__name__}-{list(c)}")
def test_column_labels_round_trip_exactly_including_ints_and_duplicates(table, through_file, columns):
    df = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=columns)
    assert_same_frame(df, through_file(table, df))


@pytest.mark.parametrize("df", [pd.DataFrame(), pd.DataFrame({"a": []}), pd.DataFrame(index=[1, 2, 3])],
                         ids=["no rows or columns", "no rows", "no columns"])
def test_empty_frames_round_trip(table, through_file, df):
    assert_same_frame(df, through_file(table, df))


@pytest.mark.parametrize(("values", "words"), [
    ([1, "a", 2], "integers mixed with other types"),
    ([1, 2.5], "integers mixed with floats"),
    ([[1], [2]], "mixed Python types"),
    ([datetime.datetime(2024, 1, 1), None], "kind 'datetime'"),
])
def test_an_object_column_of_mixed_types_is_refused_with_a_clear_error(table, values, words):
    df = pd.DataFrame({"price": pd.Series(values, dtype=object)})
    with pytest.raises(TypeError, match="column 'price'") as caught:
        table.dumps(df)
    assert words in str(caught.value)
    assert "convert it first" in str(caught.value)


def test_columns_arrow_cannot_hold_are_refused_naming_the_column(table):
    with pytest.raises(TypeError, match="column 'z' cannot be stored"):
        table.dumps(pd.DataFrame({"a": [1.0], "z": [1 + 2j]}))
    with pytest.raises(TypeError, match="column 'big'"):
        table.dumps(pd.DataFrame({"big": pd.Series([2**70], dtype=object)}))


def test_dumps_writes_one_uncompressed_record_batch_even_from_chunked_columns(table):
    chunked = pd.concat([pd.DataFrame({"s": pd.array(["a", "b"], dtype="str")})] * 3, ignore_index=True)
    reader = pa.ipc.open_file(pa.py_buffer(table.dumps(chunked)))
    assert reader.num_record_batches == 1
    assert reader.get_batch(0).num_rows == 6


def test_dump_file_writes_a_large_chunked_table_group_by_group_and_it_reads_back_exactly(table, tmp_path,
                                                                                       monkeypatch):
    from dataflow_serializers import ipc

    part = pd.DataFrame({"n": np.arange(1000, dtype="int64"), "s": pd.array([f"v{i}" for i in range(1000)], dtype="str")})
    chunked = pd.concat([part] * 8, ignore_index=True)  # the str column comes in 8 chunks, as read_csv gives
    group = pa.Table.from_pandas(part).nbytes * 3
    monkeypatch.setattr(ipc, "GROUP_BYTES", group)  # no group holds more than 3 of the 8 chunks combined
    monkeypatch.setattr(ipc, "ONE_BATCH_BYTES", group * 2)  # the table is larger: written in groups
    path = tmp_path / "value.bin"
    table.dump_file(chunked, path)
    reader = pa.ipc.open_file(pa.py_buffer(path.read_bytes()))
    assert 1 < reader.num_record_batches < 8
    assert all(reader.get_batch(i).nbytes <= group for i in range(reader.num_record_batches))
    assert_same_frame(chunked, table.loads(memoryview(path.read_bytes())))


def test_dump_file_writes_a_chunked_table_under_the_one_batch_size_as_one_batch(table, tmp_path, monkeypatch):
    from dataflow_serializers import ipc

    part = pd.DataFrame({"n": np.arange(1000, dtype="int64"), "s": pd.array([f"v{i}" for i in range(1000)], dtype="str")})
    chunked = pd.concat([part] * 8, ignore_index=True)
    size = pa.Table.from_pandas(chunked).nbytes
    monkeypatch.setattr(ipc, "GROUP_BYTES", size // 4)
    monkeypatch.setattr(ipc, "ONE_BATCH_BYTES", size + 1)
    path = tmp_path / "value.bin"
    table.dump_file(chunked, path)
    assert pa.ipc.open_file(pa.py_buffer(path.read_bytes())).num_record_batches == 1
    monkeypatch.setattr(ipc, "ONE_BATCH_BYTES", size)
    table.dump_file(chunked, path)
    assert pa.ipc.open_file(pa.py_buffer(path.read_bytes())).num_record_batches > 1
    assert_same_frame(chunked, table.loads(memoryview(path.read_bytes())))


def test_dump_compact_stores_repetitive_text_as_dictionaries_and_reads_back_the_same_str_columns(table, tmp_path):
    rows = 4000
    part = pd.DataFrame({
        "region": pd.array([["north", "south", None, "east"][i % 4] for i in range(rows)], dtype="str"),
        "id": pd.array([f"order-{i}" for i in range(rows)], dtype="str"),  # all distinct: stays plain
        "n": np.arange(rows, dtype="int64"),
        "o": pd.Series([f"x{i % 3}" for i in range(rows)], dtype=object),
    })
    chunked = pd.concat([part] * 3, ignore_index=True)
    plain, compact = tmp_path / "plain.bin", tmp_path / "compact.bin"
    table.dump_file(chunked, plain)
    assert table.dump_compact(chunked, compact) is True
    schema = pa.ipc.open_file(pa.py_buffer(compact.read_bytes())).schema
    assert pa.types.is_dictionary(schema.field("region").type)
    assert not pa.types.is_dictionary(schema.field("id").type)
    assert compact.stat().st_size < plain.stat().st_size
    back = table.loads(memoryview(compact.read_bytes()))
    assert_same_frame(chunked, back)
    assert back["region"].isna().sum() == chunked["region"].isna().sum()


@pytest.mark.parametrize("index", [None, [7, 3, 5, 1]], ids=["range", "numbers"])
def test_a_frame_of_a_signature_seen_before_converts_exactly_as_pyarrow_would(table, through_file, index):
    from dataflow_serializers.frames import encode_frame

    def frame(shift: float):
        return pd.DataFrame({
            "f": [1.5 + shift, np.nan, 3.0, 4.0], "i": np.arange(4, dtype="int32"), "b": [True, False, True, False],
            "t": pd.to_datetime(["2024-01-01", None, "2024-03-01", "2024-04-01"]),
            "s": pd.array(["a", None, "c", "d"], dtype="str"),
        }, index=index)

    first, second = frame(0.0), frame(1.0)
    encode_frame(first)  # the first of its signature: converted by pyarrow, and compared
    expected = pa.Table.from_pandas(second, preserve_index=None)
    got = encode_frame(second)
    assert got.select(range(expected.num_columns)).equals(expected)
    assert got.schema.field("f").type == pa.float64() and got.column("f").null_count == 1
    assert_same_frame(second, through_file(table, second))


def test_loads_reads_the_given_memory_map_in_place(table, tmp_path):
    df = pd.DataFrame({"s": pd.array([f"value {i}" for i in range(1000)], dtype="str")})
    path = tmp_path / "entry.arrow"
    path.write_bytes(table.dumps(df))
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    start = pa.py_buffer(mapped).address
    back = table.loads(memoryview(mapped))
    chars = back["s"].array._pa_array.chunk(0).buffers()[-1]
    assert start <= chars.address < start + len(mapped)


def test_loaded_frames_accept_in_place_edits_like_computed_ones(table, through_file):
    df = pd.DataFrame({name: COLUMNS[name] for name in ("category", "float with NaN", "Int64", "str", "bool")})
    back = through_file(table, df)
    for i in range(back.shape[1]):
        back.iloc[0, i] = back.iloc[1, i]


def test_check_names_what_it_got(table):
    with pytest.raises(TypeError, match="expected a pandas DataFrame, got list"):
        table.check([1, 2])
    with pytest.raises(TypeError, match=r"got pandas Series; use \.to_frame\(\)"):
        table.check(pd.Series([1]))
    table.check(pd.DataFrame({"a": [1]}))


def test_share_isolates_the_cached_frame(table):
    df = pd.DataFrame({"a": [1.0, 2.0]})
    shared = table.share(df)
    shared["b"] = 1
    shared.loc[0, "a"] = 99.0
    shared.index.name = "renamed"
    assert list(df.columns) == ["a"]
    assert df.loc[0, "a"] == 1.0
    assert df.index.name is None


@pytest.mark.parametrize("dtype", ["float64", "int64", "Int64", "datetime64[ns]"])
def test_a_column_forced_writable_in_a_share_cannot_be_written_through(table, dtype):
    df = pd.DataFrame({"a": pd.array([1, 2, 3]).astype(dtype)}, index=pd.Index([10, 20, 30]))
    before = df.copy()
    shared = table.share(df)
    for values in (shared["a"].to_numpy(), shared["a"].values, shared.index.to_numpy(), shared.to_numpy(),
                   getattr(shared["a"].array, "_data", None)):
        if not isinstance(values, np.ndarray):
            continue
        try:
            values.setflags(write=True)
        except ValueError:
            continue  # refused: what a node meets when it tries
        values[0] = values[-1]  # a copy: writable, and nobody else sees it
    pd.testing.assert_frame_equal(df, before)


def test_lists_in_an_object_column_edited_in_a_share_stay_unchanged_for_the_next_share(table):
    df = pd.DataFrame({"tags": pd.Series([["a"], {"k": [1]}, "text", None], dtype=object)})
    first = table.share(df)
    first["tags"].iloc[0].append("changed")
    first["tags"].iloc[1]["k"].append(2)
    second = table.share(df)
    assert second["tags"].tolist() == [["a"], {"k": [1]}, "text", None]
    assert df["tags"].tolist() == [["a"], {"k": [1]}, "text", None]


def test_a_share_accepts_in_place_edits_while_the_frame_is_kept(table):
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [1, 2]})
    shared = table.share(df)
    shared.loc[0, "a"] = 5.0
    shared.at[1, "b"] = 7
    shared.iloc[0, 1] = 9
    assert shared.to_dict("list") == {"a": [5.0, 2.0], "b": [9, 7]}
    assert df.to_dict("list") == {"a": [1.0, 2.0], "b": [1, 2]}


def test_sizeof_is_close_to_the_real_memory_use(table):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"f": rng.random(100_000), "o": pd.Series([f"text {i}" for i in range(100_000)], dtype=object),
                       "s": pd.array([f"text {i}" for i in range(100_000)], dtype="str")})
    exact = int(df.memory_usage(deep=True, index=True).sum())
    assert 0.8 * exact < table.sizeof(df) < 1.25 * exact


def test_export_writes_parquet_that_pandas_reads_back(table, tmp_path):
    df = pd.DataFrame({"price": [1.5, 2.5], "name": pd.array(["a", None], dtype="str"),
                       "when": pd.date_range("2024", periods=2, tz="UTC")}, index=pd.Index([7, 8], name="id"))
    path = tmp_path / f"out{table.export_suffix}"
    table.export(df, path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), df)


def test_export_writes_non_string_labels_as_strings_and_refuses_duplicates(table, tmp_path):
    table.export(pd.DataFrame({0: [1.0], 1: [2.0]}), tmp_path / "ints.parquet")
    assert list(pd.read_parquet(tmp_path / "ints.parquet").columns) == ["0", "1"]
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        table.export(pd.DataFrame([[1, 2]], columns=["a", "a"]), tmp_path / "dup.parquet")


def test_attributes_describe_the_table_port(table):
    assert (table.port_type, table.export_suffix) == ("table", ".parquet")


def test_frame_attrs_round_trip_so_nodes_can_record_facts_about_columns(table, through_file):
    df = pd.DataFrame({"y": [1, 0], "prediction": [1, 1]})
    df.attrs = {"dataflow": {"truth": "y", "prediction": "prediction", "classes": ["0", "1"]}}
    back = through_file(table, df)
    assert back.attrs == df.attrs
    df.attrs = {"bad": object()}
    with pytest.raises(TypeError, match="attrs must hold JSON data"):
        table.dumps(df)


def test_sharing_a_frame_builds_no_array_for_its_range_index(table):
    df = pd.DataFrame({"a": np.zeros(1000)})
    table.share(df)
    assert "_data" not in df.index._cache  # materializing it would keep 8 bytes per row alive
