"""Lesson 5's code tabs: the same train/eval idea in bnlib, PyTorch and Keras."""

NUMPY = """
from bnlib.core.batchnorm import BatchNorm

bn = BatchNorm(1, momentum=0.1)     # PyTorch's convention
for batch in batches:               # each (m, 1)
    bn(batch)                       # training: batch stats; updates running_mean / running_var
bn.eval()
y = bn(x_test)                      # inference: running statistics, any batch size
scale, shift = bn.fold()            # the same thing as one affine map"""

TORCH = """
import torch

bn = torch.nn.BatchNorm1d(1, momentum=0.1)
model.train()                       # batch statistics, running stats updated
...
model.eval()                        # running statistics: outputs no longer depend on the batch
with torch.no_grad():
    y = model(x_test)
print(bn.running_mean, bn.running_var)   # running_var holds the unbiased estimate"""

KERAS = """
from tensorflow import keras

bn = keras.layers.BatchNormalization(momentum=0.9)   # = PyTorch momentum 0.1
y_train = bn(x, training=True)      # batch statistics, moving averages updated
y_infer = bn(x, training=False)     # moving averages"""
