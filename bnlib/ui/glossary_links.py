"""Glossary links open the glossary in the same tab and the same session.

A lesson's glossary terms are markdown links (bnlib.ui.level.term). Streamlit's markdown
opens every link in a new tab, which is a new session: the reader lost the page they
were on, and the new tab started without the session's state. An invisible
`st.components.v2` component listens for plain left clicks on links to this app's
glossary page, stops the browser's default, and sends the term as the trigger "open";
the next run (`follow`, before the page) switches to the glossary with the term as its
search, keeping the session.

What still opens a new tab, as a reader expects: a click with Ctrl, Cmd, Shift or Alt
held, a middle click, and "open in new tab" from the menu. Without JavaScript the link
is the plain link it always was.
"""

from __future__ import annotations

import streamlit as st

from bnlib.course.glossary import lookup
from bnlib.course.registry import page_by_url
from bnlib.ui import level as lv

WIDGET_KEY = "bnlab_glossary_links"
_PENDING = "_glossary_link_pending"  # the term a click asked for, until the next run

# One listener per window, installed on the document in the capture phase (before
# Streamlit's own handlers). It calls the latest mount's setTriggerValue; the cleanup
# removes it when the component goes away.
_JS = """
export default function ({ setTriggerValue }) {
  const doc = window.document;
  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link) return;
    let url;
    try { url = new URL(link.getAttribute("href"), doc.baseURI); } catch (e) { return; }
    if (url.origin !== window.location.origin) return;
    if (!/(^|\\/)glossary$/.test(url.pathname)) return;
    const term = url.searchParams.get("glossary_q");
    if (term === null || term.length > 80) return;
    event.preventDefault();
    event.stopPropagation();
    setTriggerValue("open", term);
  }
  if (window.__bnlabGlossaryClick) {
    doc.removeEventListener("click", window.__bnlabGlossaryClick, true);
  }
  window.__bnlabGlossaryClick = onClick;
  doc.addEventListener("click", onClick, true);
  return () => {
    doc.removeEventListener("click", onClick, true);
    if (window.__bnlabGlossaryClick === onClick) window.__bnlabGlossaryClick = null;
  };
}
"""

_component = st.components.v2.component("bnlab_glossary_links", js=_JS)

# Like the progress store: the component draws nothing, and its box takes no room.
_HIDE = f"<style>.st-key-{WIDGET_KEY} {{ display: none; }}</style>"


def target(raw: object) -> dict[str, str] | None:
    """The glossary's query for a clicked term, or None for anything the glossary does
    not know (the trigger's text comes from the browser: untrusted)."""
    if not isinstance(raw, str):
        return None
    entry = lookup(raw.strip())
    if entry is None:
        return None
    return {"glossary_q": entry.term, **lv.level_param()}


def _on_open() -> None:
    try:
        raw = st.session_state[WIDGET_KEY].get("open")
    except (KeyError, AttributeError, TypeError):
        raw = None
    query = target(raw)
    if query is not None:
        st.session_state[_PENDING] = query


def follow() -> None:
    """Call before the page runs: if a glossary link was clicked, open the glossary."""
    query = st.session_state.pop(_PENDING, None)
    if query is None:
        return
    # The search box keeps its value for the session; the clicked term replaces it.
    st.session_state["glossary_q"] = query["glossary_q"]
    st.switch_page(page_by_url("glossary").path, query_params=query)


def listen() -> None:
    """Mount the listener; call once per run, on every page."""
    st.html(_HIDE)
    _component(key=WIDGET_KEY, on_open_change=_on_open, width="stretch", height="content")
