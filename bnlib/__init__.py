"""Batch Norm Lab's library.

Layers, and the one direction imports may point (import-linter contracts in pyproject.toml):

    pages -> ui -> (lab, lessons, viz, course, data) -> (core, settings, format)

core      the BN maths in numpy, mirrored against torch in the tests
lessons   one module per lesson topic: its numpy experiment(s)
course    page registry, quiz bank, glossary, level guides (content from assets/)
data      digits, user CSV tables, asset paths
viz       pure plotly figure builders (arrays in, Figure out, never calls streamlit)
ui        streamlit helpers shared by pages
lab       everything that needs torch: models, data, trainer, jobs, CLI
"""

__version__ = "0.1.0"
