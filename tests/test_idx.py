import gzip

import numpy as np
import pytest

from sganctl.data.idx import parse_idx, read_idx
from sganctl.errors import SganctlError


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_parses_images_raw_and_gzipped(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw").write_bytes(idx_bytes(array))
    (tmp_path / "zipped.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped.gz"), array)


def test_reads_real_mnist_labels(data_dir):
    labels = read_idx(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert set(np.unique(labels)) == set(range(10))


def test_wrong_magic_number_names_the_source():
    with pytest.raises(SganctlError, match="bad magic number.*"):
        parse_idx(b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + b"abc", "some-file")


def test_truncated_payload_is_refused():
    data = idx_bytes(np.zeros((4, 2, 2)))[:-3]
    with pytest.raises(SganctlError, match="truncated or corrupt"):
        parse_idx(data, "f")


def test_corrupt_gzip_is_refused(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((50, 2, 2))))[:-10])
    with pytest.raises(SganctlError, match=r"x\.gz: corrupt or truncated gzip"):
        read_idx(path)
