"""Batch Norm Lab's library.

Layers, and the one direction imports may point:

    pages -> bnlib.ui -> bnlib.viz -> core        pages / bnlib.ui -> bnlib.lab

core   numpy only: batchnorm, norms, gradcheck, signals, digits, settings, quizbank,
       glossary
viz    pure plotly figure builders (arrays in, Figure out, never calls streamlit)
ui     small streamlit helpers shared by pages
lab    everything that needs torch: models, data, trainer, CLI
"""

__version__ = "0.1.0"
