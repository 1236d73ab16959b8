"""Read IDX files (the format the MNIST family is published in), gzipped or not."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from ..errors import SganctlError

# Third byte of the magic number: the element type. MNIST uses only unsigned bytes.
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it is gzipped (detected by its magic, not its name)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SganctlError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise SganctlError(
            f"{path}: corrupt or truncated gzip file ({exc}); delete it and fetch it again"
        ) from exc


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes into an array, checking the magic number and the declared size."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise SganctlError(
            f"{source}: not an IDX file (bad magic number {data[:4].hex() or 'empty'}); "
            "expected the MNIST-format file of that name"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise SganctlError(f"{source}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise SganctlError(
            f"{source}: IDX header declares shape {shape} ({expected} bytes) but the file holds "
            f"{len(data) - header} bytes; the file is truncated or corrupt, fetch it again"
        )
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=header).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (gzipped or raw) into a numpy array."""
    return parse_idx(read_bytes(path), str(path))
