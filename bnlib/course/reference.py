"""The reference page's data: its FAQ questions and the numbers of its bug checklist.

The answers and the rest of the page's words are sections of assets/lessons/reference.md;
the parameter table is bnlib.lessons.pitfalls.PARAMETERS. Pure python.
"""

from __future__ import annotations

from bnlib import format as nf

# (question, section of reference.md holding its answer), in the order shown
FAQ: tuple[tuple[str, str], ...] = (
    ("Why put BN before the activation?", "faq-before"),
    ("What if the batch size is 1?", "faq-batch-of-one"),
    ("Are gamma and beta updated by backprop?", "faq-gamma-beta"),
    ("Is BN the same as normalizing the input data?", "faq-input-normalization"),
    ("Does BN replace dropout?", "faq-dropout"),
    ("How is BN used in CNNs?", "faq-cnn"),
    ("Is BN used in Transformers?", "faq-transformers"),
    ("How does BN differ from weight normalization?", "faq-weight-norm"),
    ("How does BN help against vanishing gradients?", "faq-vanishing"),
)


# the "In code" tabs: NumPy (bnlib), PyTorch, Keras
CODE = (
    """
import numpy as np
from bnlib.core.batchnorm import BatchNorm

bn = BatchNorm(100)            # num_features = 100
y = bn(x)                      # train mode: batch statistics, updates running ones
bn.eval()
y_test = bn(x_test)            # eval mode: running_mean, running_var
dx = bn.backward(dy)           # also sets bn.dgamma, bn.dbeta
""",
    """
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(64, 100, bias=False), nn.BatchNorm1d(100), nn.ReLU(),
    nn.Linear(100, 10),
)
# conv nets: nn.Conv2d(3, 32, 3, bias=False), nn.BatchNorm2d(32), nn.ReLU()
model.train()   # before training steps
model.eval()    # before validation, test and deployment
""",
    """
import keras
from keras import layers

model = keras.Sequential([
    layers.Dense(100, use_bias=False),
    layers.BatchNormalization(),        # momentum=0.99, epsilon=1e-3
    layers.Activation("relu"),
    layers.Dense(10),
])
# fit() runs BN in training mode; predict() and evaluate() in inference mode
""",
)


def bug_values(n: dict) -> dict[str, str]:
    """The measured numbers of bnlib.lessons.pitfalls.bug_numbers, as the checklist
    (section "bugs" of reference.md) prints them."""
    return {
        "eval_gap": nf.fixed(n["eval_gap"], 2),
        "batch_of_one": str(n["batch_of_one"]),
        "ported_running_mean": nf.fixed(n["ported_running_mean"], 2),
        "converted_running_mean": nf.fixed(n["converted_running_mean"], 2),
        "unbiased_ratio": nf.fixed(n["unbiased_ratio"], 4),
        "frozen_drift": nf.fixed(n["frozen_drift"], 2),
    }
