"""An editor composes one post for Mastodon, Bluesky and LinkedIn, customises LinkedIn's text
and watches three previews and their counters follow the typing; after saving, a worker
fetches the link's page (a local site) and its card shows; the approver sees every variant's
preview. Every page passes axe and fits a laptop and a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from planner import accounts
from planner.models import Post
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD
from tests.support.pages import Site, article
from tests.workers.test_publish import run_jobs

pytestmark = pytest.mark.browser
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site().start()
    yield server
    server.stop()


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def checked_at_both_sizes(page, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Problems of the page at a laptop's size and a phone's: axe, sideways scrolling."""
    problems = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        if not fits(page):
            problems.append(f"{where} scrolls sideways at {size}")
        problems += [f"{where} at {size}: {v}" for v in axe_violations(page)]
    page.set_viewport_size({"width": 1366, "height": 768})
    return problems


def counter(page, network: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f"#previews-list .np-{network} [data-preview-counter]").inner_text()


def test_three_previews_follow_the_typing_and_the_approver_sees_them(
    app, live_server, chromium, session, team, redis_db, site
):
    slug = team.workspace.slug
    bluesky = accounts.save_channel(
        session,
        team.user("admin"),
        team.workspace,
        None,
        network="bluesky",
        name="Bluesky",
        handle="acme.bsky.social",
    )
    mastodon, linkedin = team.channels["mastodon"], team.channels["linkedin"]
    link = site.page(
        "/menus/spring",
        article("The spring menu at Acme", "Seven new drinks", "/spring.jpg", "Acme Coffee"),
    )
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    approver_context = chromium.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server, "editor@example.com", PASSWORD)
        page.goto(f"{live_server}/w/{slug}/posts/new")
        for channel in (mastodon, bluesky, linkedin):
            page.locator(f"#ch-{channel.id}").check()
        previews = page.locator("#previews-list article.np")
        previews.nth(2).wait_for()
        assert previews.count() == 3
        # With JavaScript the previews are live: no "Show previews" button.
        assert page.get_by_role("button", name="Show previews").is_hidden()

        text = page.get_by_label("Text", exact=True)
        text.fill(f"Spring is here 🌸 with @maria@social.coop: {link} #coffee")
        page.locator("#previews-list .np-mastodon .np-mention").wait_for()
        first = {n: counter(page, n) for n in ("mastodon", "bluesky", "linkedin")}
        assert re.fullmatch(r"\d+/500 characters", first["mastodon"])
        assert re.fullmatch(r"\d+/300 graphemes", first["bluesky"])
        assert re.fullmatch(r"\d+/3,000 characters", first["linkedin"])
        # Mastodon shows @maria for @maria@social.coop and counts a link as 23.
        assert page.locator("#previews-list .np-mastodon .np-mention").inner_text() == "@maria"
        text.press_sequentially(" Tastings on Friday!", delay=20)
        page.wait_for_function(
            "([before]) => document.querySelector('#previews-list .np-mastodon "
            "[data-preview-counter]').textContent.trim() !== before",
            arg=[first["mastodon"]],
        )
        after = {n: counter(page, n) for n in ("mastodon", "bluesky", "linkedin")}
        # The counter beside "Customise for Mastodon" says the same count as its preview.
        used = after["mastodon"].split("/")[0]
        summary = page.locator(f"[data-counter-for='{mastodon.id}']")
        page.wait_for_function(
            "([el, used]) => el.textContent.includes(used + ' of 500')",
            arg=[summary.element_handle(), used],
        )
        for network in after:
            assert int(after[network].split("/")[0].replace(",", "")) == int(
                first[network].split("/")[0].replace(",", "")
            ) + len(" Tastings on Friday!"), network

        # Customise LinkedIn: its preview and counter follow its own text.
        page.locator(f"details.variant[data-channel='{linkedin.id}'] summary").click()
        own = "We changed our spring menu.\nSeven drinks.\nOne for every day.\nSee you!"
        page.locator(f"#variant-{linkedin.id}").fill(own)
        page.wait_for_function(
            "() => document.querySelector('#previews-list .np-linkedin .np-rest') !== null"
        )
        linkedin_preview = page.locator("#previews-list .np-linkedin")
        assert "...see more" in linkedin_preview.inner_text()
        assert counter(page, "linkedin") == f"{len(own)}/3,000 characters"
        assert counter(page, "mastodon") == after["mastodon"]
        assert (
            "fetched in the background" in page.locator("#previews-list .np-mastodon").inner_text()
        )
        assert "attaches none" in page.locator("#previews-list .np-bluesky").inner_text()
        problems = checked_at_both_sizes(page, "the composer")

        page.locator("input[name=category][value=educational]").check()
        page.get_by_role("button", name="Save draft").click()
        page.wait_for_url(re.compile(r"/posts/\d+$"))
        assert site.requests == []  # fetched by a job, not in the request
        run_jobs(app, redis_db)
        assert site.requests == ["/menus/spring"]
        page.reload()
        cards = page.locator(".np-mastodon .np-card-title")
        assert cards.inner_text() == "The spring menu at Acme"
        assert page.locator("article.np").count() == 3
        problems += checked_at_both_sizes(page, "the post page")
        page.get_by_role("button", name="Submit all 3 for review").click()
        page.get_by_text("Submitted for review.").wait_for()

        approver = approver_context.new_page()
        approver.set_default_timeout(15_000)
        sign_in(approver, live_server, "approver@example.com", PASSWORD)
        approver.goto(f"{live_server}/w/{slug}/approvals/")
        post = session.scalars(sa.select(Post).order_by(Post.id)).first()
        item = approver.locator(f"#review-{post.id}")
        item.locator("summary", has_text="Details: previews on 3 channels").click()
        shown = item.locator("article.np")
        shown.nth(2).wait_for()
        assert shown.count() == 3
        assert item.locator(".np-mastodon .np-card-title").inner_text() == (
            "The spring menu at Acme"
        )
        # Saved through the form (line breaks as CR LF), LinkedIn still folds after 3 lines.
        on_linkedin = item.locator(".np-linkedin").inner_text()
        assert "One for every day." in on_linkedin and "...see more" in on_linkedin
        problems += checked_at_both_sizes(approver, "the approval queue")
        assert problems == []
    finally:
        context.close()
        approver_context.close()
