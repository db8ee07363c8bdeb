"""Widgets that show a label for their value ("1e-8" for 1e-08, "Skewed" for "skewed") keep
the value's own text in the link: a link opens them at that value with no notice, and a
change writes the value, not the label, back into the URL."""

from __future__ import annotations

import pytest

from bnlib import format as nf
from bnlib.core.signals import SIGNALS
from bnlib.lessons import adaptive, alternatives
from bnlib.lessons import settings as ls
from tests.conftest import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser

CASES = [  # (page, setting, value, the label the widget shows)
    ("batch-statistics", ls.L2_EPS, 1e-8, nf.eps(1e-8)),
    ("batch-statistics", ls.L2_DIST, "uniform", SIGNALS["uniform"].label),
    ("batch-size", ls.L3_DIST, "bimodal", SIGNALS["bimodal"].label),
    ("gradient-flow", ls.L6_EPS, 1e-4, nf.eps(1e-4)),
    ("signal-processing", adaptive.SIGNAL, adaptive.KINDS[-1], adaptive.LABELS[adaptive.KINDS[-1]]),
    ("alternatives", alternatives.KIND, "group", alternatives.KIND_LABELS["group"]),
]

# True once the widget shows `label`: a selectbox in its input, a select-slider on its thumb.
SHOWS = """([key, label]) => {
    const box = document.querySelector('.st-key-' + key);
    if (!box) return false;
    const input = box.querySelector('input[aria-autocomplete]');
    if (input) return input.value === label;
    const thumb = box.querySelector("[data-testid='stSliderThumbValue']");
    return !!thumb && thumb.textContent === label;
}"""


@pytest.mark.parametrize("url,setting,value,label", CASES, ids=[c[1].key for c in CASES])
def test_a_link_opens_a_labelled_widget_at_its_value(app_server, page, url, setting, value, label):
    assert value != setting.default and label != setting.encode(value)  # the case is real
    text = setting.encode(value)
    page.goto(f"{app_server}/{url}?{setting.key}={text}")
    page.wait_for_function(SHOWS, arg=[setting.key, label])
    wait_idle(page)
    assert page.get_by_text("was ignored", exact=False).count() == 0
    assert f"{setting.key}={text}" in page.url  # the link keeps the value's text
    assert_no_exception(page)


def test_choosing_a_label_writes_the_value_into_the_link(app_server, page):
    page.goto(f"{app_server}/alternatives")
    wait_idle(page)
    page.locator(".st-key-l10_kind [data-testid='stSelectbox']").click()
    page.get_by_role("option", name=alternatives.KIND_LABELS["layer"], exact=True).click()
    page.wait_for_url("**l10_kind=layer**")
    assert alternatives.KIND_LABELS["layer"] not in page.url
    assert_no_exception(page)
