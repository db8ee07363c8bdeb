"""Bad links (issue 7): nasty query strings on every registered page, through the real app.

Every page is opened (app.py, its navigation and sidebar, then the page) with a query in
which every shareable setting of the whole app gets a hostile value: huge numbers, nan,
inf, -0, unicode, HTML and script tags, markdown links, very long strings, repeated
parameters, plus unknown keys. One query per hostile value, rotated over the keys, so
each setting meets each value on its own page (a page without settings gets two rounds). The page must run without an exception and must not echo
the link's text anywhere it is rendered (markdown, captions, alerts, tables, charts).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.course.registry import ROOT, available_pages
from tests.test_settings import every_setting

APP = str(ROOT / "app.py")
MARK = "ZZPWN"  # inside every hostile text value; must never reach the rendered page
NASTY: list[str | list[str]] = [
    "1e308",
    "-inf",
    "nan",
    "-0",
    f"<script>{MARK}()</script> [{MARK}](javascript:alert(1)) <img src=x onerror={MARK}>",
    f"\u202e\u200b{MARK}ß漢字🙂" * 50 + "9" * 5000,  # unicode, very long
    ["1", f"**{MARK}**", ""],  # the parameter repeated
]
UNKNOWN = {
    "__proto__": f"<b>{MARK}</b>",
    "zz_unknown": ["a", "b"],
    "page": f"../../{MARK}",
    "embed": "true&x=<script>",
}
KEYS = [s.key for s in every_setting()]
PAGES = available_pages()
# Inputs legitimately show what was typed (or linked) as their value, and st.text shows
# its text verbatim (the glossary repeats the search): text, never markup.
ECHO_OK = {"text_input", "text_area", "text"}


def query(round_: int) -> dict:
    q = {k: NASTY[(round_ + i) % len(NASTY)] for i, k in enumerate(KEYS)}
    return {**q, **UNKNOWN}


def rendered_text(node, out: list[str]) -> list[str]:
    """The protos of every element in the tree, except inputs (see ECHO_OK)."""
    if getattr(node, "type", None) not in ECHO_OK:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
    for child in getattr(node, "children", {}).values():
        rendered_text(child, out)
    return out


def test_the_fuzz_covers_every_setting():
    assert {"quiz_seed", "glossary_q", "l1_step", "l6_batch"} <= set(KEYS)
    assert len(KEYS) >= 30


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url_path)
def test_hostile_links_on_every_page(spec):
    rounds = len(NASTY)
    for r in range(len(NASTY)):
        if r >= rounds:
            break
        at = AppTest.from_file(APP, default_timeout=60)
        if spec.url_path != "home":
            at.switch_page(spec.path)
        for k, v in query(r).items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, f"{spec.url_path}, round {r}: {at.exception}"
        assert at.title or at.header or at.markdown, f"{spec.url_path}: nothing rendered"
        shown = "\n".join(rendered_text(at._tree, []))
        assert MARK not in shown, f"{spec.url_path}, round {r}: the link's text was rendered"
        assert "<script" not in shown.lower()
        if r == 0 and not any(k in at.session_state for k in KEYS):
            rounds = 2  # nothing on this page reads a setting: the rest adds nothing
