"""Staffed hours and "Find a time" in the browser: the admin's editor, the shaded week, and
the composer's proposals filling in the time."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (390, 844)]


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_admin_sets_staffed_hours_and_the_week_shades_the_rest(
    live_server, page, session, team, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    slug = team.workspace.slug
    x = team.channels["x"]
    sign_in(page, live_server, "admin@example.com", PASSWORD)

    page.goto(f"{live_server}/w/{slug}/channels/{x.id}/edit")
    field = page.get_by_label("Staffed hours")
    field.fill("Mnday 09:00-17:00; Fri 22:00-02:00")
    page.get_by_role("button", name="Save channel").click()
    error = page.locator("#staffed_hours-error")
    assert "'Mnday' is not a day" in error.inner_text()
    assert "'22:00-02:00' crosses midnight" in error.inner_text()
    assert field.input_value() == "Mnday 09:00-17:00; Fri 22:00-02:00"
    assert axe_violations(page) == []
    assert _fits(page)

    page.get_by_label("Staffed hours").fill("Mon-Fri 08:00-12:00; Sat 10:00-12:00")
    page.get_by_role("button", name="Save channel").click()
    page.get_by_text("Channel 'X' saved.").wait_for()

    page.goto(f"{live_server}/w/{slug}/?date=2031-03-03&hours=all&channel={x.id}")
    monday = page.locator('section.day[data-date="2031-03-03"]')
    shaded = monday.locator("li.slot.unstaffed")
    if width > 700:
        hours = [shaded.nth(k).get_attribute("data-hour") for k in range(shaded.count())]
        assert hours == [f"{h:02d}" for h in (*range(8), *range(12, 24))]
        assert page.locator('section.day[data-date="2031-03-09"] li.slot.unstaffed').count() == 24
    assert "Shaded hours: nobody is on duty" in page.locator(".staffed-legend").inner_text()
    assert axe_violations(page) == []
    assert _fits(page)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_find_a_time_fills_in_the_composer(live_server, page, session, team, width, height):
    page.set_viewport_size({"width": width, "height": height})
    slug = team.workspace.slug
    sign_in(page, live_server, "editor@example.com", PASSWORD)

    page.goto(f"{live_server}/w/{slug}/posts/new?channel={team.channels['x'].id}")
    page.locator("textarea[name=text]").fill("Which trail should we clean next? Tell us below!")
    page.locator("input[name=category][value=engagement]").check()
    page.get_by_role("button", name="Find a time").click()
    picks = page.locator("#slot-proposals button.slot-pick")
    picks.first.wait_for()
    assert picks.count() == 3
    label = picks.nth(1).inner_text()
    picks.nth(1).click()

    page.get_by_text(f"Date and time set to {label}.").wait_for()
    date_value = page.locator("input[name=date]").input_value()
    time_value = page.locator("input[name=time]").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", date_value) and re.fullmatch(r"\d\d:\d\d", time_value)
    assert label.endswith(time_value)
    assert page.locator("textarea[name=text]").input_value().startswith("Which trail")
    assert axe_violations(page) == []
    assert _fits(page)
