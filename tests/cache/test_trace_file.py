"""Reading din and .npy traces: what each field means, and the line or row of every mistake."""

import gzip

import numpy as np
import pytest

from sim.cache.trace_file import read_trace
from sim.errors import TraceError


def test_din_labels_addresses_sizes_and_comments(write_file):
    path = write_file(
        "t.din",
        "# a comment line\n0 1000\n1 0x1004 8  # store of 8 bytes\n\n2 ffffffffff 1\n0 1003\n",
    )
    trace = read_trace(path)
    assert trace.addresses.tolist() == [0x1000, 0x1004, 0xFFFFFFFFFF, 0x1000]
    assert trace.is_write.tolist() == [0, 1, 0, 0]
    # without a size: Dinero's 4-byte word, the address rounded down to a multiple of 4
    assert trace.sizes_bytes.tolist() == [4, 8, 1, 4]


def test_gzipped_din(tmp_path):
    path = tmp_path / "t.din.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("0 40\n1 80 4\n")
    assert read_trace(str(path)).addresses.tolist() == [0x40, 0x80]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("3 1000", "label must be 0 (read), 1 (write) or 2 (instruction fetch), got '3'"),
        ("r 1000", "label must be 0"),
        ("0 10g0", "address '10g0' is not hexadecimal"),
        ("0", "expected 'label address [size]', got 1 fields"),
        ("0 1000 4 9", "got 4 fields"),
        ("0 1000 0", "size must be a decimal number of bytes from 1 to 4096, got '0'"),
        ("0 1000 0x4", "size must be a decimal number"),
        ("0 10000000000000000", "does not fit in 64 bits"),
        ("0 ffffffffffffffff 2", "ends beyond 2**64"),
    ],
)
def test_din_errors_name_the_line(write_file, line, reason):
    path = write_file("bad.din", f"0 0\n\n{line}\n0 4\n")
    with pytest.raises(TraceError) as error:
        read_trace(path)
    assert error.value.place == "line 3"
    assert reason in error.value.reason and error.value.file == path


def test_missing_file():
    with pytest.raises(TraceError, match="no such trace file"):
        read_trace("/no/such/trace.din")


def test_npy_two_and_three_columns(tmp_path):
    two = tmp_path / "two.npy"
    np.save(two, np.array([[2**40, 0], [64, 1]], dtype=np.uint64))
    trace = read_trace(str(two))
    assert trace.addresses.tolist() == [2**40, 64] and trace.is_write.tolist() == [0, 1]
    assert len(trace.sizes_bytes) == 0 and trace.uniform_size_bytes == 1
    three = tmp_path / "three.npy"
    np.save(three, np.array([[0, 0, 4], [64, 1, 128]], dtype=np.int64))
    assert read_trace(str(three)).sizes_bytes.tolist() == [4, 128]


def test_npy_structured(tmp_path):
    path = tmp_path / "s.npy"
    data = np.zeros(3, dtype=[("address", np.uint64), ("is_write", bool), ("size", np.uint16)])
    data["address"] = [8, 16, 2**63]
    data["is_write"] = [True, False, True]
    data["size"] = [4, 8, 2]
    np.save(path, data)
    trace = read_trace(str(path))
    assert trace.addresses.tolist() == [8, 16, 2**63]
    assert trace.is_write.tolist() == [1, 0, 1] and trace.sizes_bytes.tolist() == [4, 8, 2]


@pytest.mark.parametrize(
    "array, place, reason",
    [
        (np.array([[0, 0], [-64, 0]]), "row 1", "address is negative"),
        (np.array([[0, 2]]), "row 0", "is_write must be 0 or 1"),
        (np.array([[0, 0, 4], [8, 0, 0]]), "row 1", "size must be at least 1 byte"),
        (np.array([[2**64 - 2, 0, 4]], dtype=np.uint64), "row 0", "ends beyond 2**64"),
        (np.array([1, 2, 3]), None, "got shape (3,)"),
        (np.array([[0.5, 0.0]]), None, "address must be integers"),
        (np.zeros(2, dtype=[("addr", np.uint64), ("is_write", bool)]), None, "fields addr"),
    ],
)
def test_npy_errors(tmp_path, array, place, reason):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(TraceError) as error:
        read_trace(str(path))
    assert error.value.place == place and reason in error.value.reason


def test_a_file_that_is_not_npy(write_file):
    with pytest.raises(TraceError, match="not a readable .npy file"):
        read_trace(write_file("fake.npy", "0 1000\n"))
