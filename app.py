"""Batch Norm Lab entry point: page config, navigation over the registered pages, sidebar."""

from __future__ import annotations

import streamlit as st

from bnlib.course.registry import SECTIONS, available_pages
from bnlib.ui import glossary_links, lab_session, progress_store, style
from bnlib.ui.sidebar import render_sidebar

st.set_page_config(
    page_title="Batch Norm Lab",
    page_icon=":material/stacked_line_chart:",
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on a phone, open on a wide screen
)

sections: dict[str, list] = {}
for spec in available_pages():
    home = spec.url_path == "home"
    page = st.Page(
        spec.path,
        title=spec.title,
        icon=spec.icon,
        # the home page is served at "/"; its own path name must differ from "home" so
        # that /home can be the hidden page below that sends a visitor to "/"
        url_path="welcome" if home else spec.url_path,
        default=home,
    )
    sections.setdefault(spec.section, []).append(page)
    if home:
        sections[spec.section].append(
            st.Page(
                lambda home_page=page: st.switch_page(home_page),
                title=spec.title,
                url_path="home",
                visibility="hidden",
            )
        )

# expanded: every page one click away (collapsed, six hid behind "View more")
nav = st.navigation({name: sections[name] for name in SECTIONS if name in sections}, expanded=True)
glossary_links.follow()  # a glossary link was clicked: open the glossary, same session
render_sidebar()
style.apply()  # compact metric rows on a phone
lab_session.keep_alive()  # a lab job keeps running while its tab is open, on any page
nav.run()
progress_store.sync()  # after the page, so the visit it recorded is stored too
glossary_links.listen()
