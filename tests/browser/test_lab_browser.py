"""The training lab in a real Chromium: Train -> progress and curves -> Stop -> no exception."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_train_shows_progress_and_curves_and_stop_works(app_server, page):
    page.set_default_timeout(60_000)
    page.goto(app_server + "/training-lab")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert page.get_by_role("dialog").count() == 0
    train = page.locator(".st-key-lab_train button")
    train.wait_for()
    # A long run, so there is time to watch it and to stop it.
    steps = page.locator(".st-key-a_steps input")
    steps.fill("6000")
    steps.press("Enter")
    page.wait_for_function("document.querySelector('.st-key-a_steps input').value === '6000'")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    train.click()
    page.wait_for_selector("[data-testid='stProgress']")
    page.wait_for_selector("[data-testid='stPlotlyChart']")
    wait_moves = (
        "(t) => { const p = document.querySelector(\"[data-testid='stProgress']\");"
        " return p && p.innerText !== t; }"
    )
    # the progress text moves on while we wait
    first = page.locator("[data-testid='stProgress']").first.inner_text()
    page.wait_for_function(wait_moves, arg=first)
    # moving an unrelated widget reruns the script but must not end the training
    slider = page.locator(".st-key-a_depth input[type=range]")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    second = page.locator("[data-testid='stProgress']").first.inner_text()
    page.wait_for_function(wait_moves, arg=second)
    assert page.locator(".st-key-lab_stop button").is_enabled()
    stop = page.locator(".st-key-lab_stop button")
    stop.click()
    page.get_by_text("Stopped.", exact=False).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".st-key-lab_train button").is_enabled()
