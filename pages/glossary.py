"""Glossary: every term, searchable, explained at the reader's level."""

import streamlit as st

from bnlib.course.glossary import glossary, search
from bnlib.course.registry import page_by_url
from bnlib.settings import Setting, register
from bnlib.ui import level as lv
from bnlib.ui.widgets import link_notices, setting_widget

GLOSSARY_Q = Setting(
    "glossary_q", "text", "", "Search the glossary", max=40,
    help="Matches names, abbreviations and explanations. The search is part of the link.",
)  # fmt: skip
register(GLOSSARY_Q)

st.title("Glossary")
st.caption(f"{len(glossary())} terms used in this course.")
link_notices([GLOSSARY_Q])
query = setting_widget(GLOSSARY_Q, placeholder="for example: momentum, eps, group norm")
found = search(query)
if query.strip():
    # The query is echoed as plain text only (st.text), never as markdown or HTML.
    st.text(f"{len(found)} of {len(glossary())} terms match: {query.strip()}")
if not found:
    st.info("No term matches. Try a shorter word.", icon=":material/search_off:")

show_long = lv.level() == "beginner"
for t in found:
    with st.container(border=True):
        names = t.term + (f"  ·  *{', '.join(t.aliases)}*" if t.aliases else "")
        st.markdown(f"**{names}**")
        st.markdown(t.short)
        if show_long:
            st.markdown(t.long)
        elif lv.level() == "intermediate":
            with st.expander("More"):
                st.markdown(t.long)
        if t.lesson:
            try:
                spec = page_by_url(t.lesson)
            except KeyError:
                spec = None
            if spec is not None and spec.exists:
                st.page_link(spec.path, label=f"Taught in {spec.title}", icon=spec.icon)
