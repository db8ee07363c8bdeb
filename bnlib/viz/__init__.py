"""Pure figure builders: arrays and options in, plotly figures (or DOT text) out. No streamlit."""
