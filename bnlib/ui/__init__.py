"""Streamlit helpers shared by the pages (layout, quiz blocks, state)."""
