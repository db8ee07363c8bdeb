"""Datasets: the shipped digits, synthetic sets, MNIST's offline fallback (never downloads)."""

import gzip

import numpy as np
import pytest

from bnlib.data.digits import load_digits, split
from bnlib.lab import data as D


def test_digits_shape_and_range():
    x, y = load_digits()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16
    assert set(np.unique(y)) == set(range(10))


def test_split_is_seeded_and_disjoint():
    tr, va = split(100, 0.2, seed=3)
    tr2, va2 = split(100, 0.2, seed=3)
    assert np.array_equal(tr, tr2) and np.array_equal(va, va2)
    assert len(va) == 20 and not set(tr) & set(va)
    with pytest.raises(ValueError, match="val_fraction"):
        split(100, 1.5)


@pytest.mark.parametrize(("name", "classes"), [("spirals", 3), ("moons", 2), ("blobs", 4)])
def test_synthetic_sets(name, classes):
    ds = D.load_dataset(name, n_samples=300, val_fraction=0.2, standardize=True, data_seed=1)
    assert ds.x_train.shape == (240, 2) and ds.x_val.shape == (60, 2)
    assert ds.n_classes == classes
    assert np.allclose(ds.x_train.mean(0), 0, atol=1e-9)
    again = D.load_dataset.__wrapped__(name, 300, 0.2, True, 1)
    assert np.array_equal(again.x_train, ds.x_train)


def test_standardized_digits_keep_constant_pixels_finite():
    ds = D.load_dataset("digits")
    assert np.isfinite(ds.x_train).all() and ds.n_classes == 10 and ds.notice is None


def test_mnist_offline_falls_back_to_digits(tmp_path, monkeypatch):
    def no_network(url, dest, timeout=20.0):
        raise OSError("network is unreachable")

    monkeypatch.setattr(D, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(D, "_fetch", no_network)
    ds = D.load_dataset.__wrapped__("mnist", 2000, 0.2, True, 0)
    assert ds.name == "digits"
    assert "MNIST" in ds.notice and "8x8 digits" in ds.notice


def test_mnist_bad_checksum_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv(D.DOWNLOAD_ENV, "1")

    def fake_fetch(url, dest, timeout=20.0):
        with gzip.open(dest, "wb") as fh:
            fh.write(b"not mnist")

    with pytest.raises(OSError, match="checksum"):
        D.load_mnist(cache_dir=tmp_path, fetch=fake_fetch)
    assert not any(tmp_path.iterdir())


# --- issue 15 §5: a link must not make the server download; offline is said plainly ---------


class _Mirror:
    """A real HTTP server on loopback that records every request and serves junk."""

    def __init__(self):
        import http.server
        import threading

        self.requests = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                body = b"not mnist"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    m = _Mirror()
    monkeypatch.setattr(D, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv(D.MIRROR_ENV, m.url)
    monkeypatch.delenv(D.DOWNLOAD_ENV, raising=False)
    yield m
    m.close()


def test_mnist_download_is_off_unless_the_host_enables_it(mirror):
    ds = D.load_dataset.__wrapped__("mnist", 2000, 0.2, True, 0)
    assert mirror.requests == []  # nothing left the server
    assert ds.name == "digits"
    assert "downloading it is turned off" in ds.notice and D.DOWNLOAD_ENV in ds.notice
    assert "8x8 digits" in ds.notice


def test_mnist_download_happens_when_enabled(mirror, monkeypatch):
    monkeypatch.setenv(D.DOWNLOAD_ENV, "1")
    with pytest.raises(OSError, match="checksum"):
        D.load_mnist()
    assert mirror.requests == ["/train-images-idx3-ubyte.gz"]


def test_mnist_offline_says_so_plainly(mirror, monkeypatch):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(D.MIRROR_ENV, f"http://127.0.0.1:{port}/")
    monkeypatch.setenv(D.DOWNLOAD_ENV, "1")
    ds = D.load_dataset.__wrapped__("mnist", 2000, 0.2, True, 0)
    assert ds.name == "digits"
    assert "could not download it (connection refused); it may be offline" in ds.notice
    for raw in ("urlopen", "Errno", "<", "URLError"):
        assert raw not in ds.notice
