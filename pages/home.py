"""Home page (filled in by the foundation work)."""

import streamlit as st

st.title("Batch Norm Lab")
