"""App-wide CSS that Streamlit has no option for. Injected once per run by app.py; a
style-only st.html goes to Streamlit's event container and takes no room on the page.

On a phone (Streamlit stacks columns below 640 px) a row of metric tiles became a long
scroll of one tile per screen line: lesson 6 showed 14 tiles in 14 rows. A column that
holds only metrics now takes half the width, so tiles sit two side by side, with a smaller value font.
Rows that mix metrics with charts or widgets still stack as Streamlit does.

Chart text: Streamlit's chart theme draws tick labels, axis titles, legends and subplot
titles in rgb(128, 132, 149), 3.7:1 on the light theme's white (WCAG asks 4.5:1 for
small text). That exact colour, and only it, is drawn darker in the light theme;
light-dark() follows the app's own colour scheme, so a switch in the settings menu
needs no rerun. Text a figure colours itself is left alone.
"""

from __future__ import annotations

import streamlit as st

PHONE_MAX_PX = 640  # Streamlit's own breakpoint for stacking columns

# a column that holds metric tiles and nothing else (CSS allows no :has inside :has)
_METRIC_COLUMN = (
    "[data-testid='stColumn']:has([data-testid='stMetric'])"
    ":not(:has([data-testid='stElementContainer'] > :not([data-testid='stMetric'])))"
)
FADED = "rgb(128, 132, 149)"  # Streamlit's chart text colour, as Plotly writes it inline
INK_LIGHT, INK_DARK = "#4f5566", "#a9aebd"  # 7.6:1 on white; 8.4:1 on the dark theme

MARKER = "bnlab-app-style"  # names the style element, so a test can wait until it is mounted
CSS = f"""
/* {MARKER} */
[data-testid='stPlotlyChart'] text[style*='fill: {FADED}'] {{
  fill: light-dark({INK_LIGHT}, {INK_DARK}) !important;
}}
@media (max-width: {PHONE_MAX_PX}px) {{
  {_METRIC_COLUMN} {{
    width: calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important;
    flex: 1 1 calc(50% - 0.5rem) !important;
  }}
  [data-testid='stMetricValue'] {{ font-size: 1.4rem; }}
  [data-testid='stMetricLabel'] p {{ font-size: 0.8rem; }}
}}
"""


def apply() -> None:
    st.html(f"<style>{CSS}</style>")
