"""Every chart on every page, in a real Chromium at a desktop and a phone width: no text of a
chart (legend entries, titles, axis titles, subplot titles and other annotations, tick
labels) overlaps another or is cut off by the chart's edge, and every chart text reads
against the app's background (contrast at least 4.5:1, WCAG's level for small text).

Positions are measured in the browser from the SVG Plotly drew, after each chart has been
scrolled into view. The light and dark themes change colours only, not positions, and the
width changes positions only, not colours; so the walk goes through every page twice, at
the desktop width in the light theme and at the phone width in the dark one, and measures
both on each page: every width and every theme, in half the walks of measuring each pair.
Tick labels of one axis are not compared with each other (Plotly thins them itself);
everything else is compared with everything.
"""

from __future__ import annotations

import pytest

from bnlib.course.registry import available_pages
from tests.conftest import wait_idle
from tests.support.gates import WAIT_S

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1400, 1000), "phone": (390, 844)}

# Collects text boxes per chart and returns the problems found, as short strings.
MEASURE = """
() => {
  const problems = [];
  const tick = k => k === "xtick" || k === "ytick";
  document.querySelectorAll("[data-testid='stPlotlyChart']").forEach((chart, ci) => {
    const svg = chart.querySelector("svg.main-svg");
    if (!svg) { problems.push(`chart ${ci}: not drawn`); return; }
    const frame = svg.getBoundingClientRect();
    const items = [];
    const add = (sel, kind) => chart.querySelectorAll(sel).forEach(el => {
      const text = (el.textContent || "").trim();
      const r = el.getBoundingClientRect();
      if (text && r.width >= 1 && r.height >= 1) items.push({kind, text: text.slice(0, 40), r});
    });
    add(".legend .legendtext", "legend");
    add(".gtitle", "title");
    add("[class*='g-x'][class*='title'] text", "x title");
    add("[class*='g-y'][class*='title'] text", "y title");
    add(".annotation-text", "annotation");
    add(".xtick text", "xtick");
    add(".ytick text", "ytick");
    const tol = 1;
    for (const it of items) {
      const r = it.r;
      if (r.left < frame.left - tol || r.right > frame.right + tol ||
          r.top < frame.top - tol || r.bottom > frame.bottom + tol)
        problems.push(`chart ${ci}: ${it.kind} "${it.text}" is cut off`);
    }
    const hit = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
                          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (tick(a.kind) && tick(b.kind)) continue;
      if (a.kind === "legend" && b.kind === "legend") continue;
      if (hit(a.r, b.r))
        problems.push(`chart ${ci}: ${a.kind} "${a.text}" overlaps ${b.kind} "${b.text}"`);
    }
  });
  return problems;
}
"""

# True once every chart on the page has been drawn and the count held still for a moment.
ALL_DRAWN = """
() => {
  const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
  const drawn = charts.every(c => {
    const plot = c.querySelector(".js-plotly-plot");
    return plot && plot._fullLayout && c.querySelector("svg.main-svg");
  });
  const n = charts.length;
  const same = window.__bnlabCharts === n;
  window.__bnlabCharts = n;
  return drawn && same;
}
"""


def load(pg, base: str, url_path: str) -> int:
    """Open a page, wait for its script to finish and its charts to be drawn; scroll every
    chart into view (Plotly sizes a chart when it becomes visible). Returns the count."""
    pg.goto(f"{base}/{url_path}")
    pg.locator("[data-testid='stMain'] h1").first.wait_for(timeout=WAIT_S * 1000)
    wait_idle(pg, timeout=WAIT_S * 1000)
    pg.wait_for_function(ALL_DRAWN, polling=500, timeout=WAIT_S * 1000)
    charts = pg.locator("[data-testid='stPlotlyChart']")
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
    pg.evaluate("() => window.__bnlabCharts = -1")
    pg.wait_for_function(ALL_DRAWN, polling=500, timeout=WAIT_S * 1000)
    return charts.count()


def every_page(browser, base: str, probes: list[str], size: str, scheme: str) -> list[str]:
    """Run each JS probe on every page once its charts are drawn; returns the problems they
    found, prefixed by the page."""
    width, height = SIZES[size]
    ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    pg = ctx.new_page()
    problems, counted = [], {}
    try:
        for spec in available_pages():
            counted[spec.url_path] = load(pg, base, spec.url_path)
            for probe in probes:
                problems += [f"/{spec.url_path}: {p}" for p in pg.evaluate(probe)]
    finally:
        ctx.close()
    assert sum(counted.values()) >= 15, f"too few charts measured: {counted}"
    return problems


# Chart texts whose contrast against the app's background is under 4.5:1.
CONTRAST = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bg = parse(getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor);
  const low = [];
  document.querySelectorAll("[data-testid='stPlotlyChart']").forEach((chart, ci) => {
    chart.querySelectorAll(
      ".legendtext, .gtitle, [class*='title'] text, .xtick text, .ytick text, .annotation-text"
    ).forEach((el) => {
      const fill = parse(getComputedStyle(el).fill);
      if (fill.length < 3 || (fill.length > 3 && fill[3] === 0)) return;
      const r = ratio(fill.slice(0, 3), bg);
      if (r < 4.5) low.push(`chart ${ci}: "${(el.textContent || "").slice(0, 30)}" ${r.toFixed(2)}:1`);
    });
  });
  return low;
}
"""


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("phone", "dark")])
def test_chart_text_is_whole_apart_and_readable(browser, app_server, size, scheme):
    problems = every_page(browser, app_server, [MEASURE, CONTRAST], size, scheme)
    assert not problems, "\n".join(problems[:60])
