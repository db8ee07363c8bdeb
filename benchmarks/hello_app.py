"""The hello-world baseline for bench_pages.py: a title, one slider and one small plotly chart.

The lesson pages are measured as ratios to this app in the same run, so machine speed and
load cancel out. Keep it minimal. `?charts=N` (bench_pages.py --chart-scaling) draws N such
charts that all follow the slider, to measure what each extra redrawn chart costs.
"""

import plotly.graph_objects as go
import streamlit as st

st.title("Hello")
v = st.slider("Value", 0, 100, 50, key="hello")
try:
    n = max(1, min(8, int(st.query_params.get("charts", 1))))
except ValueError:
    n = 1
for i in range(n):
    key = "hello_chart" if i == 0 else f"hello_chart_{i}"
    st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[v, 50 + i, 25])), key=key)
