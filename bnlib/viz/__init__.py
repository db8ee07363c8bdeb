"""Pure figure builders: arrays and options in, plotly Figure out. Never calls streamlit."""
