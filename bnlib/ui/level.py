"""Text at the reader's level: beginner, intermediate or expert.

The level is chosen once in the sidebar (bnlib.ui.sidebar) and kept for the session.
Pages use these helpers; none of them is required.

    explain(beginner="...", intermediate="...", expert="...")   one of three texts
    why_box("...")          an extra "why" box, for beginners only (or from `up_to`)
    st.markdown(f"Add {term('eps')} to the variance")   a term with a tooltip link
    st.slider("eps", ..., help=term_help("eps"))          the glossary line as help
"""

from __future__ import annotations

import streamlit as st

from bnlib.course.glossary import lookup

LEVELS = ("beginner", "intermediate", "expert")
DEFAULT_LEVEL = "beginner"
LEVEL_KEY = "expertise"  # session_state key of the sidebar selector
_LABELS = {"beginner": "Beginner", "intermediate": "Intermediate", "expert": "Expert"}


def level() -> str:
    """The reader's level: "beginner", "intermediate" or "expert"."""
    value = st.session_state.get(LEVEL_KEY, DEFAULT_LEVEL)
    return value if value in LEVELS else DEFAULT_LEVEL


def at_most(name: str) -> bool:
    """True when the reader's level is `name` or less experienced."""
    return LEVELS.index(level()) <= LEVELS.index(name)


def label(name: str) -> str:
    return _LABELS.get(name, name)


def explain(
    beginner: str | None = None, intermediate: str | None = None, expert: str | None = None
):
    """Write the text for the reader's level (a missing level falls back to the next
    more detailed one: expert -> intermediate -> beginner). Returns the text written."""
    texts = {"beginner": beginner, "intermediate": intermediate, "expert": expert}
    order = LEVELS[: LEVELS.index(level()) + 1][::-1]  # own level, then more detailed ones
    text = next((texts[n] for n in order if texts[n]), None)
    if text is None:  # only more advanced texts were given
        text = next(t for t in texts.values() if t)
    st.markdown(text)
    return text


def why_box(text: str, up_to: str = "beginner", title: str = "Why?") -> bool:
    """An extra explanation box shown to readers at level `up_to` or below.
    Returns whether it was shown."""
    if not at_most(up_to):
        return False
    st.info(f"**{title}** {text}", icon=":material/lightbulb:")
    return True


def _title_text(text: str) -> str:
    # A markdown link title sits inside double quotes; keep it on one plain line.
    return " ".join(text.replace('"', "'").replace("\\", "/").split())


def level_param() -> dict[str, str]:
    """The reader's level as a query parameter for a link that may open a new session;
    empty at the default level (no parameter needed)."""
    return {} if level() == DEFAULT_LEVEL else {LEVEL_KEY: label(level())}


def term(name: str, text: str | None = None, up_to: str = "beginner") -> str:
    """Markdown for a glossary term: for readers up to `up_to`, a link to the glossary
    whose hover tooltip is the term's one-line definition; otherwise the plain word.
    `text` is the word shown (defaults to `name`). Unknown terms come back unchanged."""
    shown = text or name
    entry = lookup(name)
    if entry is None or not at_most(up_to):
        return shown
    # Relative link: works under any base URL path the app is served from. A plain click
    # opens the glossary in this tab and session (bnlib.ui.glossary_links); a link opened
    # in a new tab starts a new session, so it carries the reader's level along.
    url = f"glossary?glossary_q={entry.term.replace(' ', '+')}"
    url += "".join(f"&{k}={v}" for k, v in level_param().items())
    return f'[{shown}]({url} "{_title_text(entry.short)}")'


def term_help(name: str) -> str | None:
    """The term's one-line definition for a widget's help=, for beginners and intermediates."""
    entry = lookup(name)
    if entry is None or not at_most("intermediate"):
        return None
    return entry.short
