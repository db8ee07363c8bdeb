"""Start the app: `python -m bnlib.ui.serve [streamlit options]` = `streamlit run app.py ...`.

One difference from a bare `streamlit run`: Streamlit decides once per process whether an
app uses the old automatic `pages/` discovery, by looking for a `pages/` folder, and only
changes its mind when st.navigation first runs. Until then the very first page load after
a server start is routed with the folder's file names, so a shared link such as
/placement shows a "Page not found" dialog to the first visitor. This app always uses
st.navigation, so we say so before the first run.

Second difference: pandas is imported before the server starts. Plotly finds pandas by
looking in sys.modules, without taking the import lock, so when the first sessions of a
fresh server draw charts at the same moment, one can find a half-imported pandas and fail
("partially initialized module 'pandas' has no attribute 'Series"); seen with 8 lab tabs
opening on a new server.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas  # noqa: F401  (see the docstring: imported before any session starts)
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: list[str] | None = None) -> None:
    PagesManager.uses_pages_directory = False
    args = ["run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main(args=args, prog_name="streamlit")


if __name__ == "__main__":
    main()
