"""A shared training-lab link in a real Chromium: the widgets show the link's configuration,
and changing a widget rewrites the URL (the browser writes it for a bound widget; for a
choice shown by its readable name, the server writes the id)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import assert_no_exception, open_expander, wait_idle

pytestmark = pytest.mark.browser

LINK = "a_depth=5&a_activation=tanh&unlinked=norm&unlinked=depth&b_depth=8&b_norm=group&seed0=7"


def _selected(page, key: str) -> str:
    """The option a selectbox shows (its combobox input holds the option's text)."""
    box = page.locator(f".st-key-{key} [data-testid='stSelectbox'] input")
    box.wait_for(state="attached")  # drawn after a skeleton placeholder
    return box.input_value()


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


def test_a_lab_link_shows_its_settings_and_a_change_updates_the_url(app_server, page):
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/training-lab?{LINK}")
    wait_idle(page)
    page.locator(".st-key-a_depth input[type=range]").wait_for(state="attached")
    # the seed is drawn last of these: once it shows the link's value, the others are drawn
    page.wait_for_function("document.querySelector('.st-key-seed0 input')?.value === '7'")
    page.locator(".st-key-unlinked").wait_for(state="attached")
    assert page.locator(".st-key-a_depth input[type=range]").input_value() == "5"
    assert page.locator(".st-key-b_depth input[type=range]").input_value() == "8"
    assert _selected(page, "a_activation") == "tanh"
    assert _selected(page, "b_norm") == "Group norm"  # its readable name; the URL keeps "group"
    assert page.locator(".st-key-seed0 input").input_value() == "7"
    unlinked = page.locator(".st-key-unlinked").text_content()  # folded under "Advanced"
    assert "Normalization" in unlinked and "Hidden layers" in unlinked
    assert page.locator("text=was ignored").count() == 0
    assert _query(page)["a_depth"] == ["5"]
    assert_no_exception(page)

    # a keyboard change of A's depth: the URL follows
    slider = page.locator(".st-key-a_depth input[type=range]")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('a_depth') === '6'")
    wait_idle(page)
    q = _query(page)
    assert q["b_depth"] == ["8"] and q["b_norm"] == ["group"] and q["seed0"] == ["7"]
    assert_no_exception(page)

    # a choice picked by its name puts its id into the URL
    page.locator(".st-key-b_norm [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="Layer norm", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('b_norm') === 'layer'")
    wait_idle(page)
    assert _query(page)["a_depth"] == ["6"] and _query(page)["b_depth"] == ["8"]

    # the new URL, opened in a fresh tab, shows the changed values
    fresh = page.context.browser.new_page()
    try:
        fresh.goto(page.url)
        wait_idle(fresh)
        fresh.locator(".st-key-a_depth input[type=range]").wait_for(state="attached")
        assert fresh.locator(".st-key-a_depth input[type=range]").input_value() == "6"
        assert _selected(fresh, "b_norm") == "Layer norm"
        assert_no_exception(fresh)
    finally:
        fresh.close()


def test_a_malformed_lab_link_falls_back_with_a_notice(app_server, page):
    page.goto(f"{app_server}/training-lab?a_depth=99&a_epochs=inf&b_norm=%3Cb%3Ex%3C/b%3E")
    wait_idle(page)
    page.locator(".st-key-a_depth input[type=range]").wait_for(state="attached")
    assert page.locator(".st-key-a_depth input[type=range]").input_value() == "3"
    page.get_by_text("was ignored", exact=False).nth(2).wait_for()  # drawn one by one
    assert page.get_by_text("was ignored", exact=False).count() == 3
    assert page.locator("b", has_text="x").count() == 0  # nothing from the URL as HTML
    assert_no_exception(page)


def _pick(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} [data-testid='stSelectbox']").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_a_hidden_setting_keeps_its_value_and_the_lab_keeps_its_url_across_pages(app_server, page):
    page.set_default_timeout(60_000)
    link = "a_optimizer=adam&b_norm=layer&a_init=small_gaussian&a_init_std=0.3"
    page.goto(f"{app_server}/training-lab?{link}")
    wait_idle(page)
    open_expander(page.locator(".st-key-lab_advanced summary"))
    page.locator(".st-key-a_init_std").wait_for()
    # an init that has no std: the std is not shown, and a link without it is exact
    _pick(page, "a_init", "Kaiming (He)")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('a_init_std')")
    assert page.locator(".st-key-a_init_std").count() == 0
    assert _query(page)["a_init"] == ["kaiming"] and _query(page)["a_optimizer"] == ["adam"]
    _pick(page, "a_init", "Small Gaussian")  # back: the std it had, in the URL again
    page.wait_for_function("() => new URLSearchParams(location.search).get('a_init_std') === '0.3'")
    # to another page and back: the lab's settings and URL are still there
    page.locator("[data-testid='stSidebarNav'] a[href$='/']").first.click()
    wait_idle(page)
    more = page.get_by_text("View 6 more")
    if more.count():
        more.click()
    page.locator("[data-testid='stSidebarNav'] a[href*='training-lab']").first.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('b_norm') === 'layer'")
    wait_idle(page)
    q = _query(page)
    assert q["a_optimizer"] == ["adam"] and q["a_init_std"] == ["0.3"]
    assert _selected(page, "b_norm") == "Layer norm" and _selected(page, "a_optimizer") == "Adam"
    assert_no_exception(page)
