"""The app as a newcomer meets it, in Chromium at a laptop's size and a phone's: every page
fits the screen and passes axe; the calendar says what matters (statuses, failures, empty
states) and lets people act on it (create in a slot, select several, undo)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from planner import accounts, workflow
from planner.localtime import local
from planner.models import Post, Status
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD, future

pytestmark = pytest.mark.browser
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
ZONE = "Europe/Berlin"
# Characters the first version drew statuses with; fonts without them show boxes.
GLYPHS = re.compile("[\u26d4\u29d7\u2709\u270e\u21a9\u2713\u27a4\u25cf\u2715\u2298\u26a0\u2139]")


@pytest.fixture(params=list(SIZES))
def screen(request, chromium):  # type: ignore[no-untyped-def]
    width, height = SIZES[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations say yes
    yield request.param, page
    context.close()


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def draft(session, team, network="x", days=3, hour=10, text="A tip for the weekend"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels[network], text, "educational", future(days, hour))
    return workflow.create_post(session, team.user("editor"), team.workspace, content)


def approved(session, team, days=4, hour=12, text="Tasting on Friday"):  # type: ignore[no-untyped-def]
    post = draft(session, team, "mastodon", days, hour, text)
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    return post


def failing(session, team, retrying: bool, text: str, hour: int):  # type: ignore[no-untyped-def]
    post = approved(session, team, 3, hour, text)
    assert workflow.claim(session, post.id, post.approved_version)
    if retrying:
        workflow.release_for_retry(session, post.id, post.approved_version, "503 from the server")
    else:
        workflow.mark_failed(session, post.id, post.approved_version, "401: the token expired")
    session.refresh(post)
    return post


def plan(session, team):  # type: ignore[no-untyped-def]
    """A day with each kind of post a calendar shows."""
    posts = {
        "draft": draft(session, team),
        "approved": approved(session, team, 3, 12),
        "failed": failing(session, team, False, "Autumn menu is out", 15),
        "retrying": failing(session, team, True, "Open mic tonight", 16),
    }
    review = draft(session, team, "linkedin", 3, 11, "Which roast do you prefer?")
    workflow.submit(session, team.user("editor"), review, review.version)
    posts["in_review"] = review
    return posts


def test_every_page_fits_the_screen_and_passes_axe(live_server, screen, session, team):
    size, page = screen
    posts = plan(session, team)
    slug = team.workspace.slug
    channel = team.channels["x"].id
    sign_in(page, live_server, "admin@example.com", PASSWORD)
    paths = [
        "/",
        f"/w/{slug}/",
        f"/w/{slug}/?hours=all",
        f"/w/{slug}/month",
        f"/w/{slug}/posts/new",
        f"/w/{slug}/posts/{posts['failed'].id}",
        f"/w/{slug}/posts/{posts['draft'].id}/edit",
        f"/w/{slug}/posts/{posts['draft'].id}/move",
        f"/w/{slug}/approvals/",
        f"/w/{slug}/balance/",
        f"/w/{slug}/channels/",
        f"/w/{slug}/channels/new",
        f"/w/{slug}/channels/{channel}/edit",
        f"/w/{slug}/feeds",
        f"/w/{slug}/bulk/",
        f"/w/{slug}/api-tokens",
        f"/w/{slug}/members",
        f"/w/{slug}/publishing/",
        f"/w/{slug}/rules/",
        f"/w/{slug}/settings",
        f"/w/{slug}/notifications/",
        f"/w/{slug}/notifications/preferences",
        f"/w/{slug}/notifications/slack",
        "/workspaces/new",
        "/account/password",
        f"/w/{slug}/posts/999999",  # the 404 page
    ]
    problems = []
    for path in paths:
        response = page.goto(live_server + path)
        expected = 404 if path.endswith("999999") else 200
        if response.status != expected:
            problems.append(f"{path} answered {response.status}")
        if not fits(page):
            problems.append(f"{path} scrolls sideways at {size}")
        problems += [f"{path}: {v}" for v in axe_violations(page)]
        if GLYPHS.search(page.locator("body").inner_text()):
            problems.append(f"{path} draws a status with a font glyph")
    page.context.clear_cookies()
    page.goto(f"{live_server}/login")
    problems += [f"/login: {v}" for v in axe_violations(page)] + (
        [] if fits(page) else ["/login scrolls sideways"]
    )
    assert problems == []


def test_the_navigation_is_one_row_of_tabs_and_a_menu(live_server, screen, session, team):
    size, page = screen
    sign_in(page, live_server, "admin@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/")
    tabs = page.get_by_role("navigation", name="Workspace")
    assert tabs.bounding_box()["height"] < 60, "the tabs wrap"
    assert page.locator(".topbar").bounding_box()["height"] < 60, "the top bar wraps"
    assert tabs.get_by_role("link", name="Week").get_attribute("aria-current") == "page"
    tabs.get_by_text("More", exact=True).click()
    tabs.get_by_role("link", name="Members").click()
    page.get_by_role("heading", name="Members").wait_for()
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()


def test_statuses_and_publishing_problems_are_told_apart(live_server, screen, session, team):
    size, page = screen
    posts = plan(session, team)
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    day = local(posts["failed"].scheduled_at, ZONE).date()
    page.goto(f"{live_server}/w/{team.workspace.slug}/?date={day.isoformat()}")
    line = page.locator("#publishing-problems")
    assert "Publishing needs attention: 2 posts" in line.inner_text()
    assert "401: the token expired" in line.inner_text()
    assert "being tried again" in line.inner_text()
    assert "2 posts failed to publish" not in page.locator(".counts").inner_text()
    assert "1 post failed to publish" in page.locator(".counts").inner_text()
    for kind, word in [
        ("failed", "failed"),
        ("retrying", "retrying"),
        ("approved", "approved"),
        ("draft", "draft"),
    ]:
        card = page.locator(f"#post-{posts[kind].id}")
        assert f"st-{kind}" in card.get_attribute("class")
        badge = card.locator(".status")
        assert badge.inner_text().strip() == word
        assert badge.locator("svg use").get_attribute("href").endswith(f"icons.svg#{kind}")
    # A draft and an approved post do not look alike.
    draft_look = page.locator(f"#post-{posts['draft'].id}").evaluate(
        "el => getComputedStyle(el).borderTopStyle + getComputedStyle(el).backgroundImage"
    )
    assert "dashed" in draft_look


def test_the_week_shows_the_hours_in_use_and_an_empty_hour_creates_a_post(
    live_server, screen, session, team
):
    size, page = screen
    post = draft(session, team, days=3, hour=6)  # 07:00 in Berlin in winter
    day = local(post.scheduled_at, ZONE).date()
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/?date={day.isoformat()}")
    hours = page.locator(f'section.day[data-date="{day}"] li.slot').evaluate_all(
        "slots => slots.map(s => s.dataset.hour)"
    )
    assert hours[0] == "06" and hours[-1] == "18" and len(hours) == 13
    page.get_by_role("link", name="Show all 24 hours").click()
    assert page.locator(f'section.day[data-date="{day}"] li.slot').count() == 24
    page.get_by_role("link", name=re.compile("Show 06:00")).click()
    assert page.locator(f'section.day[data-date="{day}"] li.slot').count() == 13
    target = day + timedelta(days=1)
    if size == "laptop":
        slot = page.locator(f'section.day[data-date="{target}"] li.slot[data-hour="14"]')
        slot.hover()
        slot.locator("a.add").click()
    else:  # a phone lists days; each has its own "New post"
        page.locator(f'section.day[data-date="{target}"] a.day-add').click()
    page.get_by_label("Date", exact=True).wait_for()
    assert page.get_by_label("Date", exact=True).input_value() == target.isoformat()
    expected = "14:00" if size == "laptop" else "06:00"
    assert page.get_by_label("Time", exact=True).input_value() == expected


def test_the_month_is_a_grid_on_a_laptop_and_an_agenda_on_a_phone(
    live_server, screen, session, team
):
    size, page = screen
    post = draft(session, team, days=3, text="Grinder tips")
    month = local(post.scheduled_at, ZONE).strftime("%Y-%m")
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/month?month={month}")
    assert fits(page)
    weekdays = page.locator(".weekdays")
    shown_days = page.locator(".mday").evaluate_all(
        "days => days.filter(d => getComputedStyle(d).display !== 'none').length"
    )
    if size == "laptop":
        assert weekdays.is_visible()
        assert shown_days >= 28
    else:
        assert not weekdays.is_visible()
        assert shown_days == 1  # only the day with a post
        assert page.locator(".mday", has_text="Grinder tips").locator(".mo").is_visible()
    page.get_by_role("link", name=re.compile("Grinder tips")).click()
    page.get_by_role("heading", name=re.compile(f"Post #{post.id}")).wait_for()


def test_select_several_posts_move_them_and_undo(live_server, screen, session, team):
    size, page = screen
    one, two = draft(session, team, days=3, text="First"), draft(session, team, days=3, hour=13)
    day = local(one.scheduled_at, ZONE).date()
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/?date={day.isoformat()}")
    bar = page.locator(".select-bar")
    assert bar.get_by_role("button", name="Move").is_disabled()
    page.get_by_label(re.compile("Select 11:00")).check()
    page.get_by_label(re.compile("Select 14:00")).check()
    assert "2 posts selected" in bar.inner_text()
    target = day + timedelta(days=7)
    bar.get_by_label("Move to").fill(target.isoformat())
    bar.get_by_role("button", name="Move").click()
    toast = page.locator(".toast")
    assert "2 posts moved." in toast.inner_text()
    session.expire_all()
    assert local(session.get(Post, one.id).scheduled_at, ZONE).date() == target
    toast.get_by_role("button", name="Undo").click()
    page.get_by_text("2 posts are back as they were.").wait_for()
    session.expire_all()
    assert local(session.get(Post, one.id).scheduled_at, ZONE).date() == day
    assert session.get(Post, two.id).scheduled_at == two.scheduled_at


def test_cancelling_asks_and_can_be_undone_for_ten_seconds(live_server, screen, session, team):
    size, page = screen
    post = approved(session, team)
    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/posts/{post.id}")
    page.get_by_role("button", name="Cancel post").click()
    toast = page.locator(".toast")
    toast.wait_for()
    assert asked and "It will not be published" in asked[0]
    assert f"Post #{post.id} cancelled" in toast.inner_text()
    toast.get_by_role("button", name="Undo").click()
    page.get_by_text("is approved again").wait_for()
    session.expire_all()
    assert session.get(Post, post.id).status == Status.approved
    # Left alone, the offer goes after ten seconds (the history keeps the cancel).
    page.get_by_role("button", name="Cancel post").click()
    toast.wait_for()
    toast.wait_for(state="detached", timeout=14_000)
    assert page.get_by_text("cancelled", exact=True).first.is_visible()


def test_an_empty_workspace_says_what_to_do_first(live_server, screen, session, team):
    size, page = screen
    admin = team.user("admin")
    fresh = accounts.create_workspace(session, "Fresh Roasters", ZONE, admin)
    sign_in(page, live_server, "admin@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{fresh.slug}/")
    steps = page.get_by_role("region", name="Get this workspace going")
    assert steps.get_by_role("link", name="Add a channel").is_visible()
    assert steps.get_by_role("link", name="Invite a member").is_visible()
    assert page.locator(".week").count() == 0  # no empty grid before there is a channel
    steps.get_by_role("link", name="Add a channel").click()
    page.get_by_role("heading", name=re.compile("channel", re.I)).first.wait_for()
    page.goto(f"{live_server}/w/{fresh.slug}/approvals/")
    assert "Nothing is waiting for your review" in page.locator("main").inner_text()


def test_the_favicon_is_served(live_server, page):
    response = page.request.get(f"{live_server}/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
