"""Keep progress in the learner's browser, so it survives a reload and a new tab.

Storage: the browser's localStorage, reached through a small invisible
`st.components.v2` component. Why this and not a cookie-bound store on the server:

- Nothing about the learner is kept on the server. The app keeps no files and no
  database (a restart loses only live sessions); a server store would need one, shared
  by every replica behind the balancer, and a cookie that identifies the browser.
- localStorage outlives the server: a restart or an upgrade keeps every learner's
  progress, and two replicas need nothing in common.
- What the browser holds is a list of page names (`{"v": 1, "visited": [...],
  "passed": [...]}` under STORAGE_KEY); it is sent only to this app's own server
  session over the connection the page already uses, and is read as untrusted input
  (bnlib.ui.progress.parse_stored keeps only names the registry knows).
The cost: progress belongs to one browser profile; clearing site data or a private
window forgets it, and where storage is blocked the app keeps progress for the
session only, as it always did.

The exchange, all in sync():
1. First run of a session: the component reads localStorage and sends the raw text
   back as the trigger "stored"; its callback merges it into the session's progress.
   Any answer, even "nothing kept", marks the session synced.
2. Every later run passes the session's progress; the component writes it, except
   that it first sends back pages another open tab stored meanwhile (so tabs add up
   instead of overwriting each other). After a reset it overwrites instead, and says so
   (trigger "replaced"); until then every run asks again, so a run cut short by a rerun
   cannot lose the reset.
The component sits in a fragment, so the answer costs a rerun of the fragment only;
the whole page reruns just when the browser's copy added a page to show.
"""

from __future__ import annotations

import json

import streamlit as st

from bnlib.ui import progress

STORAGE_KEY = "bnlab.progress.v1"  # the localStorage item
WIDGET_KEY = "bnlab_progress_store"  # its element gets class st-key-<WIDGET_KEY>
_ADDED = "_progress_store_added"  # set by the callback: the browser's copy added pages

# Every storage call is guarded: private windows and blocked storage throw on access,
# and a thrown error would show an error box where the component sits.
_JS = """
const KEY = __KEY__;
const MAX = __MAX__;

function read() {
  try {
    const text = window.localStorage.getItem(KEY);
    return { ok: true, text: typeof text === "string" && text.length <= MAX ? text : "" };
  } catch (e) {
    return { ok: false, text: "" };
  }
}

function names(record, field, known) {
  const list = record && Array.isArray(record[field]) ? record[field] : [];
  return list.filter((u) => typeof u === "string" && known.has(u));
}

// Pages the stored record holds that this session has not heard of (another tab's).
function newer(text, data) {
  let record = null;
  try { record = JSON.parse(text); } catch (e) { return false; }
  if (!record || record.v !== data.v) return false;
  const known = new Set(data.known);
  return ["visited", "passed"].some((field) => {
    const have = new Set(data[field]);
    return names(record, field, known).some((u) => !have.has(u));
  });
}

export default function ({ data, setTriggerValue }) {
  try {
    if (!data || typeof data !== "object" || !Array.isArray(data.known)) return;
    const kept = read();
    if (!data.synced) {
      setTriggerValue("stored", kept.text);
      return;
    }
    if (!kept.ok) return;
    if (!data.replace && kept.text && newer(kept.text, data)) {
      setTriggerValue("stored", kept.text);
      return;
    }
    if (data.visited.length === 0 && data.passed.length === 0) {
      window.localStorage.removeItem(KEY);
    } else {
      const text = JSON.stringify({ v: data.v, visited: data.visited, passed: data.passed });
      if (kept.text !== text) window.localStorage.setItem(KEY, text);
    }
    if (data.replace) setTriggerValue("replaced", true);
  } catch (e) {
    // storage full or blocked mid-way: the session still holds the progress
  }
}
""".replace("__KEY__", json.dumps(STORAGE_KEY)).replace("__MAX__", str(progress.MAX_STORED_CHARS))

_component = st.components.v2.component("bnlab_progress_store", js=_JS)

# The component draws nothing, but two boxes around it would still take a gap in the
# page's column: its element container and the container the fragment wraps it in.
# Both are hidden (the JS still runs). Style-only st.html goes to Streamlit's event
# container, so the rule itself takes no room either.
_HIDE = (
    "<style>"
    f".st-key-{WIDGET_KEY},"
    " [data-testid='stLayoutWrapper']:has(> [data-testid='stVerticalBlock']"
    f" > .st-key-{WIDGET_KEY}) {{ display: none; }}"
    "</style>"
)


def _on_stored() -> None:
    try:
        raw = st.session_state[WIDGET_KEY].get("stored")
    except (KeyError, AttributeError, TypeError):
        raw = None
    if progress.merge_from_browser(raw):
        st.session_state[_ADDED] = True


@st.fragment
def _store() -> None:
    if st.session_state.pop(_ADDED, False):
        st.rerun(scope="app")  # redraw the map and the sidebar with the pages taken in
    _component(
        key=WIDGET_KEY,
        data=progress.browser_snapshot(),
        on_stored_change=_on_stored,
        on_replaced_change=progress.replaced,
        width="stretch",
        height="content",
    )


def sync() -> None:
    """Exchange progress with the browser's copy; call once per run, after the page
    (so a visit recorded by the page is stored at once)."""
    st.html(_HIDE)
    _store()
