"""The code tabs of lessons 10 and 11 (NumPy via bnlib, PyTorch, Keras), as text."""

from __future__ import annotations

# Lesson 10: statistics from inside one sample.
AXES_CODE = (
    """
import numpy as np
from bnlib.core.norms import group_norm, layer_norm, instance_norm

x = np.random.randn(2, 32, 8, 8)   # (N, C, H, W): a batch of two
y_gn = group_norm(x, num_groups=8)  # per sample, 8 groups of 4 channels
y_ln = layer_norm(x)                # per sample, all channels
y_in = instance_norm(x)             # per sample and channel
""",
    """
import torch.nn as nn

nn.GroupNorm(num_groups=8, num_channels=32)
nn.LayerNorm(normalized_shape=[32, 8, 8])
nn.InstanceNorm2d(32, affine=True)
nn.BatchNorm2d(32)
""",
    """
from keras import layers

layers.GroupNormalization(groups=8)
layers.LayerNormalization()
""",
)

# Lesson 11: batch statistics corrected (renorm), or none at all (online norm).
BATCHES_CODE = (
    """
import numpy as np
from bnlib.core.norms import BatchRenorm, OnlineNorm

renorm = BatchRenorm(num_features=100, momentum=0.01, r_max=3.0, d_max=5.0)
y = renorm.forward(x)               # x: (N, 100); r and d held constant in backward

online = OnlineNorm(num_features=32, decay=0.999)
y_t = online(x_t)                   # x_t: (1, 32), one sample at a time
""",
    """
# batch renorm is not in PyTorch; bnlib.lab.engine.BatchRenorm1d is a short version
from bnlib.lab.engine import BatchRenorm1d

renorm = BatchRenorm1d(100, momentum=0.01, rmax=3.0, dmax=5.0)
""",
    """
from keras import layers

layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 3, "dmax": 5})
""",
)
