"""The downloader against a local HTTP server on 127.0.0.1; never the internet."""

import functools
import gzip
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sganctl.data.mnist import MNIST
from sganctl.errors import SganctlError


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(root):
        handler = functools.partial(QuietHandler, directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_downloads_into_the_cache_and_verifies(serve, data_dir, isolated_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SGANCTL_MIRROR", serve(data_dir))
    messages = []
    assert MNIST.locate(None) is None
    folder = Path(MNIST.fetch(messages.append))
    assert folder == tmp_path / "cache" / "mnist" and MNIST.locate(None) == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.gz" for n in MNIST.filenames)
    assert len(messages) == 4 and all("downloading http://127.0.0.1" in m for m in messages)
    test = MNIST.load(None, log=messages.append).test
    assert len(test) == 10000 and len(messages) == 4, "second use must come from the cache"


def test_tampered_file_is_rejected_and_never_renamed(serve, data_dir, isolated_env, monkeypatch, tmp_path):
    mirror = tmp_path / "mirror" / "mnist"
    shutil.copytree(data_dir / "mnist", mirror)
    labels = mirror / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[100] = (raw[100] + 1) % 10
    labels.write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setenv("SGANCTL_MIRROR", serve(tmp_path / "mirror"))
    with pytest.raises(SganctlError, match="t10k-labels-idx1-ubyte: .*checksum mismatch"):
        MNIST.fetch(lambda m: None)
    cached = tmp_path / "cache" / "mnist"
    assert not (cached / "t10k-labels-idx1-ubyte.gz").exists()
    assert not [p for p in cached.iterdir() if ".part" in p.name]


def test_offline_error_says_what_to_put_where(isolated_env):
    with pytest.raises(SganctlError) as info:
        MNIST.fetch(lambda m: None)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and "DIR/mnist/" in message
    assert "SGANCTL_DATA_DIR" in message and "--data-dir" in message
