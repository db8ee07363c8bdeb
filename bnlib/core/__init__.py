"""The batch-norm maths in numpy, each piece mirrored against PyTorch in the tests.

batchnorm (forward, backward, BatchNorm, fold), norms (layer / instance / group norm, batch
renorm, online norm), conv, gradcheck, signals; _checks holds the argument checks they
share. Imports numpy and the standard library only, nothing else of bnlib.
"""
