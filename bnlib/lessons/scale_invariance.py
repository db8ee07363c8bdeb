"""Lesson 6, scale invariance felt with numbers: a linear layer z = X W feeds BN, and W is
multiplied by a. The output does not move, the gradient shrinks by 1/a, and an SGD step
changes W relatively 1/a² as much. With plain SGD the weights only grow (each step is at
right angles to W), so that relative step shrinks on its own as training goes.

    y = BN(X W),  L = ||y - T||² / (2 m)        X: (m, n_in), W: (n_in, units)

numpy only; the gradients come from bnlib.core (checked against PyTorch in tests/).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib.core.batchnorm import backward, forward

SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
BATCH, INPUTS, UNITS = 32, 8, 4


@dataclass(frozen=True)
class Layer:
    x: np.ndarray  # (m, n_in) inputs
    w: np.ndarray  # (n_in, units) weights at scale 1
    target: np.ndarray  # (m, units) what BN(X W) should become


def layer(seed: int = 0) -> Layer:
    """A batch, weights and a target that BN(X W*) reaches for some other W*."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, INPUTS))
    w = rng.normal(0.0, 0.5, (INPUTS, UNITS))
    target, _ = forward(x @ rng.normal(size=(INPUTS, UNITS)))
    return Layer(x, w, target)


def loss_and_grad(lay: Layer, w: np.ndarray, eps: float = 1e-5):
    """(y, L, dL/dW) at weights `w`."""
    y, cache = forward(lay.x @ w, 1.0, 0.0, eps)
    dy = (y - lay.target) / len(y)
    dz = backward(dy, cache)[0]
    return y, float(0.5 * ((y - lay.target) ** 2).sum() / len(y)), lay.x.T @ dz


@dataclass(frozen=True)
class Scaled:
    a: float
    output_change: float  # max |y(aW) - y(W)|: zero up to eps
    grad_ratio: float  # ||dL/dW at aW|| / ||dL/dW at W||: 1/a
    step_ratio: float  # relative SGD step ||lr g|| / ||W|| at aW over that at W: 1/a²
    max_cos: float  # largest |cos| between a unit's weights and its gradient: 0


def scaled(a: float, seed: int = 0, eps: float = 1e-5) -> Scaled:
    """What multiplying the weights by `a` does to the output, the gradient and the step."""
    if not a > 0:
        raise ValueError(f"the weight scale a must be positive, got {a}; try 0.25 to 16")
    lay = layer(seed)
    y1, _, g1 = loss_and_grad(lay, lay.w, eps)
    ya, _, ga = loss_and_grad(lay, a * lay.w, eps)
    rel1 = np.linalg.norm(g1) / np.linalg.norm(lay.w)
    rela = np.linalg.norm(ga) / np.linalg.norm(a * lay.w)
    cos = (lay.w * ga).sum(0) / (np.linalg.norm(lay.w, axis=0) * np.linalg.norm(ga, axis=0))
    return Scaled(
        float(a),
        float(np.abs(ya - y1).max()),
        float(np.linalg.norm(ga) / np.linalg.norm(g1)),
        float(rela / rel1),
        float(np.abs(cos).max()),
    )


@dataclass(frozen=True)
class Growth:
    norm: np.ndarray  # (steps + 1,) ||W|| before each step and after the last
    rel_step: np.ndarray  # (steps,) ||lr g|| / ||W|| at each step
    loss: np.ndarray  # (steps,)


def sgd_growth(lr: float = 1.0, steps: int = 100, seed: int = 0, eps: float = 1e-5) -> Growth:
    """Plain SGD on the layer: ||W|| only grows (each gradient is at right angles to W, so
    ||W + step||² = ||W||² + ||step||²) and the relative step falls with it."""
    if not lr > 0 or steps < 1:
        raise ValueError(f"need lr > 0 and steps >= 1, got lr={lr}, steps={steps}")
    lay = layer(seed)
    w = lay.w.copy()
    norms, rel, losses = [np.linalg.norm(w)], [], []
    for _ in range(steps):
        _, loss, g = loss_and_grad(lay, w, eps)
        rel.append(lr * np.linalg.norm(g) / np.linalg.norm(w))
        losses.append(loss)
        w = w - lr * g
        norms.append(np.linalg.norm(w))
    return Growth(np.array(norms), np.array(rel), np.array(losses))
