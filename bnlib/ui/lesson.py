"""Shared pieces of a lesson page: header, code tabs, previous/next links, a link to the view."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import streamlit as st

from bnlib.course.glossary import lookup
from bnlib.course.guides import Guide, guide_for
from bnlib.course.lesson_text import LessonTextError, lesson_text
from bnlib.course.registry import next_page, page_by_url, previous_page
from bnlib.ui import level as lv
from bnlib.ui import progress

WORDS_LABEL = "Words on this page"
WHY_TITLE = "Why this matters:"


def header(url_path: str, subtitle: str | None = None) -> None:
    """Title from the registry, then the page's guide at the reader's level; records the visit."""
    spec = page_by_url(url_path)
    st.title(spec.title)
    if subtitle or spec.blurb:
        st.caption(subtitle or spec.blurb)
    guide = guide_for(url_path)
    if guide is not None:
        page_guide(guide)
    progress.mark_visited(url_path)


def page_guide(guide: Guide) -> None:
    """A few lines under the title (assets/lesson_guides.json), kept short so the page's
    first chart stays near the top:
    beginner: the "why this matters" box and one line of the page's key words, each a
    glossary link whose hover text is its definition; intermediate: the key words with
    their definitions in a closed expander; expert: the expert note, if any."""
    reader = lv.level()
    if reader == "beginner":
        lv.why_box(guide.why, title=WHY_TITLE)
        links = " · ".join(lv.term(name) for name in guide.terms)
        st.caption(f"{WORDS_LABEL} (hover for a definition, click for more): {links}")
    elif reader == "intermediate":
        with st.expander(WORDS_LABEL, icon=":material/dictionary:"):
            st.markdown("\n".join(_definition(name) for name in guide.terms))
    elif guide.expert:
        st.caption(f"Expert note: {guide.expert}")


def _definition(name: str) -> str:
    """One list line: the term, linked to the glossary, and its one-line definition."""
    entry = lookup(name)
    short = entry.short if entry else ""
    return f"- **{lv.term(name, up_to='intermediate')}**: {short}"


def code_tabs(numpy_code: str, torch_code: str, keras_code: str | None = None) -> None:
    """The same idea as code, one tab per framework."""
    names = ["NumPy (bnlib)", "PyTorch"] + (["Keras"] if keras_code else [])
    tabs = st.tabs(names)
    for tab, code in zip(tabs, [numpy_code, torch_code, keras_code], strict=False):
        with tab:
            st.code(code.strip(), language="python")


# [[glossary term]] or [[glossary term|words shown]] in a lesson text: a glossary link for
# beginners (bnlib.ui.level.term), the plain words for everyone else.
_TERM = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
_SLOT = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


def words(url_path: str, name: str, **values) -> str:
    """Section `name` of the page's text (assets/lessons/<url_path>.md) at the reader's
    level: [[term]] becomes a glossary link, each {{key}} the value given for it (numbers
    from the current run, already formatted). A {{key}} left without a value is an error,
    not literal braces on the page; a value the reader's variant does not use is fine."""
    text = lesson_text(url_path).get(name, lv.level())
    text = _TERM.sub(lambda m: lv.term(m.group(1), m.group(2)), text)

    def fill(m: re.Match) -> str:
        if m.group(1) not in values:
            raise LessonTextError(
                f"{url_path}.md: section {name!r} needs a value for {{{{{m.group(1)}}}}}"
            )
        return str(values[m.group(1)])

    return _SLOT.sub(fill, text)


def prose(url_path: str, name: str, box=None, **values) -> str:
    """Write section `name` (see words) into `box` (default: the page); returns the text."""
    text = words(url_path, name, **values)
    (box or st).markdown(text)
    return text


def next_lesson(url_path: str) -> None:
    """The foot of a lesson: the lessons before and after it, and a link to this view."""
    prev, nxt = previous_page(url_path), next_page(url_path)
    st.divider()
    left, right = st.columns(2)
    if prev is not None:
        left.page_link(prev.path, label=f"Previous: {prev.title}", icon=":material/arrow_back:")
    if nxt is not None:
        right.page_link(nxt.path, label=f"Next: {nxt.title}", icon=":material/arrow_forward:")
    link = view_link()
    if link:
        st.caption("A link to this view, every setting included (copy it with the icon):")
        st.code(link, language=None, wrap_lines=True)


def view_link() -> str | None:
    """This page's address with its query string: the settings a shared link reopens."""
    base = st.context.url
    if not base:
        return None
    # The level comes from the session, not the URL: st.query_params can lag one run
    # behind a click on the level (a rerun queued behind the page's first run).
    pairs = [
        (k, v) for k in st.query_params if k != lv.LEVEL_KEY for v in st.query_params.get_all(k)
    ]
    if lv.level() != lv.DEFAULT_LEVEL:
        pairs.insert(0, (lv.LEVEL_KEY, lv.label(lv.level())))
    return base + ("?" + urlencode(pairs) if pairs else "")


def _switch_on(flag: str) -> None:
    st.session_state[flag] = True


def run_button(flag: str, label: str) -> bool:
    """A button that switches an experiment on for the session; True once pressed.

    Experiments that train start from a button rather than on page load, so a lesson
    opens as fast as a plain page; once started they stay on (results are cached).
    """
    st.button(
        label, key=f"{flag}_btn", icon=":material/play_arrow:", on_click=_switch_on, args=(flag,)
    )
    return bool(st.session_state.get(flag))
