"""On a phone (390x844) metric tiles sit two to a line instead of one per screen line
(bnlib/ui/style.py), and on a wide screen Streamlit's own row layout is untouched."""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser

TILES = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const width = main.getBoundingClientRect().width;
  const tiles = [...document.querySelectorAll("[data-testid='stMetric']")];
  const lines = new Set(tiles.map((t) => Math.round(t.getBoundingClientRect().top)));
  const half = tiles.filter((t) => t.getBoundingClientRect().width < 0.55 * width);
  return { n: tiles.length, lines: lines.size, half: half.length };
}"""


def _tiles(page, base: str, path: str, width: int, height: int) -> dict:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/{path}")
    page.locator("[data-testid='stMetric']").first.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    return page.evaluate(TILES)


def test_metric_tiles_pair_up_on_a_phone(app_server, page):
    got = _tiles(page, app_server, "gradient-flow", 390, 844)
    assert got["n"] >= 8, got
    # tiles in metric-only columns take half the width (a column that mixes a tile with
    # a table or chart keeps the full width)
    assert got["half"] >= got["n"] // 2, got
    assert got["lines"] <= (got["n"] + 1) // 2 + 2, got  # odd rows may leave one alone


def test_wide_screen_keeps_its_rows(app_server, page):
    got = _tiles(page, app_server, "gradient-flow", 1400, 1000)
    assert got["lines"] < got["n"] / 2, got  # rows of three or four, as the page lays out
