"""The hello-world baseline for bench_pages.py: a title, one slider and one small plotly chart.

The lesson pages are measured as ratios to this app in the same run, so machine speed and
load cancel out. Keep it minimal.
"""

import plotly.graph_objects as go
import streamlit as st

st.title("Hello")
v = st.slider("Value", 0, 100, 50, key="hello")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[v, 50, 25])), key="hello_chart")
