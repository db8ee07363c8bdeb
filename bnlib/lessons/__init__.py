"""One module per lesson topic: the numpy experiment(s) behind a lesson, and its settings.

covariate (lesson 1), estimates (3), running (5), placement (7), adaptive (9),
alternatives (10), noisy_bn (11), pitfalls (reference); settings holds the shareable
settings of lessons 1-6. Numpy and bnlib.core only: no streamlit, plotly or torch.
"""

# The band the lessons draw around a distribution over time: 15th, 50th (median), 85th
# percentile (lesson 1's activations, lesson 12's noisy unit).
PERCENTILES = (15.0, 50.0, 85.0)
