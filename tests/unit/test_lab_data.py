"""Datasets: the shipped digits, synthetic sets, MNIST's offline fallback (never downloads)."""

import gzip

import numpy as np
import pytest

from bnlib.digits import load_digits, split
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


def test_mnist_bad_checksum_is_rejected(tmp_path):
    def fake_fetch(url, dest, timeout=20.0):
        with gzip.open(dest, "wb") as fh:
            fh.write(b"not mnist")

    with pytest.raises(OSError, match="checksum"):
        D.load_mnist(cache_dir=tmp_path, fetch=fake_fetch)
    assert not any(tmp_path.iterdir())
