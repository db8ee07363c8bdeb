"""The batch-norm maths in numpy, each piece mirrored against PyTorch in the tests.

functional (forward, backward), batchnorm (the BatchNorm layer with running statistics,
fold; re-exports functional), norms (layer / instance / group norm, batch
renorm, online norm), conv, gradcheck, signals; _checks holds the argument checks they
share. Imports numpy and the standard library only, nothing else of bnlib.
"""
