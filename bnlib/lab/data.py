"""Datasets for the lab, as numpy arrays: the shipped 8x8 digits, three synthetic 2-D sets,
and full MNIST when the host allows downloading it (cached on disk, checksum-verified).

Downloading is off unless the host sets BNLAB_MNIST_DOWNLOAD=1: a link can pick the mnist
dataset, and a visitor should not be able to make the server reach out to the internet.
Files already in the cache are used either way. BNLAB_MNIST_MIRROR points at another
mirror (a URL ending in /). Without MNIST the lab trains on the shipped digits and says why.

Everything here is numpy; the trainer turns the arrays into tensors.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bnlib.data.digits import load_digits, split

__all__ = ["Dataset", "load_dataset", "make_blobs", "make_moons", "make_spirals"]

CACHE_DIR = Path(
    os.environ.get("BNLAB_DATA_DIR", Path(__file__).resolve().parents[2] / ".data-cache")
)
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
DOWNLOAD_ENV = "BNLAB_MNIST_DOWNLOAD"  # "1", "true", "yes" or "on" allows the download
MIRROR_ENV = "BNLAB_MNIST_MIRROR"
# md5 of the two training files (the same sums torchvision checks).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
}


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (N_train, D) float64
    y_train: np.ndarray  # (N_train,) int64
    x_val: np.ndarray  # (N_val, D) float64
    y_val: np.ndarray  # (N_val,) int64
    n_classes: int
    notice: str | None = None  # e.g. why MNIST fell back to the digits

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]


# --- synthetic 2-D sets --------------------------------------------------------------------


def make_spirals(n: int, rng: np.random.Generator, classes: int = 3, noise: float = 0.2):
    """`classes` interleaved spiral arms; hard for a linear model, easy for a small MLP."""
    y = np.arange(n) % classes
    t = rng.uniform(0.0, 1.0, n)  # position along the arm
    angle = 4.0 * t + 2.0 * np.pi * y / classes + rng.normal(0.0, noise, n)
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)  # (n, 2)
    return x, y.astype(np.int64)


def make_moons(n: int, rng: np.random.Generator, noise: float = 0.1):
    """Two interlocking half circles."""
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, n)
    x = np.where(
        (y == 0)[:, None],
        np.stack([np.cos(t), np.sin(t)], axis=1),
        np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1),
    )
    return x + rng.normal(0.0, noise, x.shape), y.astype(np.int64)


def make_blobs(n: int, rng: np.random.Generator, classes: int = 4, spread: float = 1.0):
    """Gaussian clouds around centres spaced on a circle of radius 3."""
    y = np.arange(n) % classes
    angle = 2.0 * np.pi * np.arange(classes) / classes
    centres = 3.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (classes, 2)
    return centres[y] + rng.normal(0.0, spread, (n, 2)), y.astype(np.int64)


# --- MNIST ---------------------------------------------------------------------------------


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, dest: Path, timeout: float = 20.0) -> None:
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
        out.write(resp.read())
    tmp.replace(dest)


def download_allowed() -> bool:
    """Whether the host allows downloading MNIST (BNLAB_MNIST_DOWNLOAD; off by default)."""
    return os.environ.get(DOWNLOAD_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _why(exc: BaseException) -> str:
    """A short, plain reason for a failed download (never a raw urlopen repr)."""
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "the connection timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[0].lower() + reason.strerror[1:]
    if isinstance(exc, urllib.error.HTTPError):
        return f"the mirror answered HTTP {exc.code}"
    return type(reason).__name__


def load_mnist(cache_dir: Path | None = None, fetch=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 60k training images as (60000, 784) float64 in [0, 255] and labels.

    Files are downloaded once into `cache_dir` (only when download_allowed()) and their md5
    checked every time; raises OSError (downloads off, no network, bad checksum) with a
    message a learner can act on.
    """
    cache_dir = Path(cache_dir or CACHE_DIR)
    fetch = fetch or _fetch
    mirror = os.environ.get(MIRROR_ENV) or MNIST_MIRROR
    paths = {}
    for name, md5 in MNIST_FILES.items():
        path = cache_dir / name
        if not path.is_file() or _md5(path) != md5:
            if not download_allowed():
                raise OSError(
                    "it is not in this server's data cache and downloading it is turned off "
                    f"here (the host can allow it with {DOWNLOAD_ENV}=1)"
                )
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                fetch(mirror + name, path)
            except Exception as exc:
                raise OSError(
                    f"the server could not download it ({_why(exc)}); it may be offline"
                ) from exc
            if _md5(path) != md5:
                path.unlink(missing_ok=True)
                raise OSError(f"{name} failed its checksum; the download was discarded")
        paths[name] = path
    with gzip.open(paths["train-images-idx3-ubyte.gz"], "rb") as fh:
        x = np.frombuffer(fh.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(paths["train-labels-idx1-ubyte.gz"], "rb") as fh:
        y = np.frombuffer(fh.read(), np.uint8, offset=8)
    return x.astype(np.float64), y.astype(np.int64)


# --- entry point ---------------------------------------------------------------------------


def _standardize(x_train: np.ndarray, x_val: np.ndarray):
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std < 1e-8] = 1.0  # constant pixels (always 0 at the border) stay as they are
    return (x_train - mean) / std, (x_val - mean) / std


@lru_cache(maxsize=8)
def load_dataset(
    name: str,
    n_samples: int = 2000,
    val_fraction: float = 0.2,
    standardize: bool = True,
    data_seed: int = 0,
) -> Dataset:
    """Load or generate `name`, split it with `data_seed`, optionally standardize.

    MNIST that cannot be fetched falls back to the digits with a `notice` saying why.
    """
    notice = None
    rng = np.random.default_rng(data_seed)
    if name == "digits":
        x, y = load_digits()
    elif name == "spirals":
        x, y = make_spirals(n_samples, rng)
    elif name == "moons":
        x, y = make_moons(n_samples, rng)
    elif name == "blobs":
        x, y = make_blobs(n_samples, rng)
    elif name == "mnist":
        try:
            x, y = load_mnist()
        except OSError as exc:
            notice = (
                f"Full MNIST is not available on this server: {exc}. "
                "Training on the 8x8 digits instead."
            )
            name = "digits"
            x, y = load_digits()
    else:
        raise ValueError(
            f"unknown dataset {name!r}; choose digits, spirals, moons, blobs or mnist."
        )
    tr, va = split(len(y), val_fraction, data_seed)
    x_train, x_val = x[tr], x[va]
    if standardize:
        x_train, x_val = _standardize(x_train, x_val)
    return Dataset(name, x_train, y[tr], x_val, y[va], int(y.max()) + 1, notice)
