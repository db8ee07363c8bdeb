"""Lesson 9's code tabs: streaming a record through BN, in bnlib, PyTorch and Keras."""

NUMPY = """
import numpy as np
from bnlib.core.batchnorm import BatchNorm

bn = BatchNorm(1, momentum=0.3)
for chunk in np.split(stream, len(stream) // 10):      # batches of 10 steps
    bn.train()(chunk.reshape(-1, 1))                     # update running stats
    y = bn.eval()(chunk.reshape(-1, 1))                  # high-passed output
"""

TORCH = """
import torch

bn = torch.nn.BatchNorm1d(1, momentum=0.3)
for chunk in stream.split(10):
    bn.train(); bn(chunk.view(-1, 1))
    bn.eval();  y = bn(chunk.view(-1, 1))
"""

KERAS = """
import keras

bn = keras.layers.BatchNormalization(momentum=0.7)     # Keras: 1 - PyTorch's 0.3
for chunk in chunks:
    bn(chunk, training=True)
    y = bn(chunk, training=False)
"""
