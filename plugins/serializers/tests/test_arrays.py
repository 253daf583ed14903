"""The array serializer stores .npy without pickle, loads in place, and hands out read-only views."""

from __future__ import annotations

import mmap

import numpy as np
import pytest
from dataflow_serializers.arrays import ArraySerializer


@pytest.fixture
def arrays() -> ArraySerializer:
    return ArraySerializer()


CASES = {
    "float matrix": np.arange(12, dtype="float64").reshape(3, 4),
    "int8": np.array([-1, 0, 1], dtype="int8"),
    "big-endian": np.arange(5, dtype=">i4"),
    "bool": np.array([True, False]),
    "complex": np.array([1 + 2j, np.nan]),
    "datetime": np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]"),
    "unicode": np.array(["a", "bcd"]),
    "bytes": np.array([b"a", b"bc"]),
    "structured": np.array([(1, 2.5), (3, 4.5)], dtype=[("id", "i4"), ("score", "f8")]),
    "fortran order": np.asfortranarray(np.arange(6).reshape(2, 3)),
    "strided view": np.arange(20)[::3],
    "transposed view": np.arange(6).reshape(2, 3).T[:, ::2],
    "0-d": np.array(3.5),
    "empty": np.empty((0, 3)),
    "NaN and inf": np.array([np.nan, np.inf, -np.inf, -0.0]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_arrays_round_trip_exactly(arrays, through_file, name):
    value = CASES[name]
    back = through_file(arrays, value)
    assert back.dtype == value.dtype and back.shape == value.shape
    np.testing.assert_array_equal(back, value)


def test_dumps_is_a_npy_file_numpy_reads_without_pickle(arrays, tmp_path):
    value = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    (tmp_path / "a.npy").write_bytes(arrays.dumps(value))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy", allow_pickle=False), value)


def test_loads_views_the_memory_map_without_copying(arrays, tmp_path):
    path = tmp_path / "a.npy"
    path.write_bytes(arrays.dumps(np.arange(1000.0)))
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    back = arrays.loads(memoryview(mapped))
    assert np.shares_memory(back, np.frombuffer(mapped, dtype=np.uint8))
    assert not back.flags.writeable


def test_loads_also_accepts_numpy_s_own_files(arrays, tmp_path):
    np.save(tmp_path / "own.npy", np.arange(4, dtype="u2"))
    np.testing.assert_array_equal(arrays.loads(memoryview((tmp_path / "own.npy").read_bytes())), np.arange(4))


def test_object_arrays_and_subclasses_are_refused(arrays):
    with pytest.raises(TypeError, match="Python objects cannot be stored without pickle"):
        arrays.dumps(np.array([1, "a"], dtype=object))
    with pytest.raises(TypeError, match="subclass numpy MaskedArray"):
        arrays.dumps(np.ma.masked_array([1, 2], mask=[0, 1]))


def test_damaged_bytes_raise_instead_of_loading_garbage(arrays):
    data = bytes(arrays.dumps(np.arange(10)))
    with pytest.raises(ValueError):
        arrays.loads(memoryview(data[:-8]))
    with pytest.raises(ValueError, match="not a .npy file"):
        arrays.loads(memoryview(b"PK\x03\x04" + data[4:]))


def test_writing_into_a_shared_array_raises_even_after_forcing_it_writable_and_the_original_stays(arrays):
    value = np.zeros(3)
    shared = arrays.share(value)
    with pytest.raises(ValueError, match="read-only"):
        shared[0] = 1.0
    with pytest.raises(ValueError, match="WRITEABLE"):
        shared.setflags(write=True)
    with pytest.raises(ValueError, match="WRITEABLE"):
        shared[1:].setflags(write=True)
    assert value.tolist() == [0.0, 0.0, 0.0]


def test_an_array_over_a_writeable_buffer_is_shared_as_a_read_only_copy(arrays):
    memory = bytearray(24)
    value = np.frombuffer(memory, dtype=float)
    shared = arrays.share(value)
    with pytest.raises(ValueError, match="WRITEABLE"):
        shared.setflags(write=True)
    memory[:8] = np.float64(5.0).tobytes()  # the producer's buffer changes; the share does not
    assert shared.tolist() == [0.0, 0.0, 0.0]


def test_check_names_what_it_got(arrays):
    with pytest.raises(TypeError, match="expected a numpy ndarray, got list"):
        arrays.check([1.0, 2.0])
    arrays.check(np.zeros(1))


def test_export_writes_npy_that_numpy_loads(arrays, tmp_path):
    value = np.arange(6, dtype="int32").reshape(2, 3)
    arrays.export(value, tmp_path / f"out{arrays.export_suffix}")
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy", allow_pickle=False), value)


def test_sizeof_is_the_data_size(arrays):
    assert 8_000 <= arrays.sizeof(np.zeros(1000)) < 8_500
