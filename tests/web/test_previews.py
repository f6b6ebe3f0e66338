"""Network previews in the composer (with and without JavaScript), on the post page and in
the approval queue; link previews fetched once by a job through the outbound guard, cached,
refetched on demand, and never fetched from inward addresses."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rq import Queue

from planner import link_previews, queue, workflow
from planner.models import LinkPreview, Post
from tests.conftest import future, signed_in
from tests.support.pages import Site, article
from tests.support.tcp import tcp_server
from tests.workers.test_publish import run_jobs


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site().start()
    yield server
    server.stop()


def compose(editor, team, text: str, variants: dict[int, str] | None = None, **extra):  # type: ignore[no-untyped-def]
    data = {
        "channel_ids": [str(c.id) for c in team.channels.values()],
        "text": text,
        "category": "educational",
        "date": future().date().isoformat(),
        "time": "10:00",
        **{f"variant-{cid}": own for cid, own in (variants or {}).items()},
        **extra,
    }
    return editor.post(f"/w/{team.workspace.slug}/posts/new", data)


def previews_of(page: str) -> list[str]:
    return re.findall(r'<article class="np np-(\w+)', page)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


LONG_LINK = "https://www.acmecoffee.com/menus/spring-2025-with-a-long-name"


def test_without_javascript_show_previews_renders_each_channel_and_saves_nothing(
    app, team, session
):
    editor = signed_in(app, "editor@example.com")
    linkedin = team.channels["linkedin"]
    response = compose(
        editor,
        team,
        f"Spring menu 🌸 with @maria@social.coop {LONG_LINK} #coffee",
        {linkedin.id: "A longer note for LinkedIn.\nLine two.\nLine three.\nLine four."},
        action="preview",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sorted(previews_of(page)) == ["linkedin", "mastodon", "x"]
    # Each network's own look: X's display URL, Mastodon's 30 characters, LinkedIn's fold.
    assert ">acmecoffee.com/menus/spri…<" in page  # X
    assert ">acmecoffee.com/menus/spring-20…<" in page  # Mastodon
    assert 'class="np-mention" title="@maria@social.coop">@maria</span>' in page
    assert "...see more" in page and "Line four." in page
    # The counters are the rules' counters.
    assert "/280 weighted characters" in page and "/500 characters" in page
    assert "/3,000 characters" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_the_live_previews_answer_with_html_and_a_counter_per_channel(app, team):
    editor = signed_in(app, "editor@example.com")
    x, mastodon = team.channels["x"], team.channels["mastodon"]
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/previews",
        {
            "channel_ids": [x.id, mastodon.id],
            "text": "東京でコーヒー" * 25,
            "variants": {str(mastodon.id): "Short for Mastodon"},
        },
    )
    answer = response.get_json()
    assert response.status_code == 200
    assert answer["counters"] == {
        str(x.id): "350/280 weighted characters",
        str(mastodon.id): "18/500 characters",
    }
    assert answer["lengths"][str(x.id)] == {
        "count": 350,
        "limit": 280,
        "unit": "weighted characters",
    }
    assert previews_of(answer["html"]) == ["x", "mastodon"]
    assert "70 too many for X" in answer["html"] and "Short for Mastodon" in answer["html"]


def test_the_live_previews_refuse_other_workspaces_and_bad_bodies(app, team):
    editor = signed_in(app, "editor@example.com")
    url = f"/w/{team.workspace.slug}/posts/previews"
    assert editor.post_json(url, {"channel_ids": [team.other_channel.id]}).status_code == 404
    assert editor.post_json(url, {"channel_ids": "1"}).status_code == 400
    assert editor.post_json(url, ["x"]).status_code == 400
    assert editor.post_json(url, {"channel_ids": [10**30], "text": "hi"}).status_code in (
        200,
        404,
    )
    viewer = signed_in(app, "viewer@example.com")
    assert viewer.post_json(url, {"channel_ids": []}).status_code == 403


def test_the_post_page_and_the_queue_show_every_variants_preview(app, team, session):
    editor = signed_in(app, "editor@example.com")
    linkedin = team.channels["linkedin"]
    response = compose(editor, team, "Spring menu #coffee", {linkedin.id: "On LinkedIn: spring"})
    assert response.status_code == 302
    post = session.scalars(sa.select(Post).order_by(Post.id)).first()
    others = {p.id: p.version for p in workflow.variants(session, post.group_id) if p != post}
    workflow.submit(session, team.user("editor"), post, post.version, others)
    approver = signed_in(app, "approver@example.com")
    show = approver.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert sorted(previews_of(show)) == ["linkedin", "mastodon", "x"]
    assert "On LinkedIn: spring" in show and '<span class="np-hashtag">#coffee</span>' in show
    queue = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert sorted(previews_of(queue)) == ["linkedin", "mastodon", "x"]
    assert "Details: previews on 3 channels" in queue


def _preview_row(session, workspace_id: int) -> LinkPreview | None:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(LinkPreview).where(LinkPreview.workspace_id == workspace_id))


def test_saving_a_post_fetches_its_first_link_once_in_a_job(app, team, session, redis_db, site):
    url = site.page(
        "/menus/spring?utm_source=planner",
        article("Spring menu", "Seven new drinks", "/img/spring.jpg", "Acme Coffee"),
    )
    editor = signed_in(app, "editor@example.com")
    assert compose(editor, team, f"Our spring menu: {url} #coffee").status_code == 302
    # Enqueued, not fetched in the request.
    assert site.requests == []
    assert Queue("previews", connection=redis_db).count == 1
    run_jobs(app, redis_db)
    assert site.requests == ["/menus/spring?utm_source=planner"]
    row = _preview_row(session, team.workspace.id)
    assert row.status == "ok" and row.title == "Spring menu"
    assert row.image_url == site.base + "/img/spring.jpg" and row.site_name == "Acme Coffee"
    post = session.scalars(sa.select(Post).order_by(Post.id)).first()
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    # X, Mastodon and LinkedIn build a card from the link.
    assert page.count('<p class="np-card-title">Spring menu</p>') == 3
    assert "Seven new drinks" in page and "image from 127.0.0.1" in page
    # Saved again, and another post with the same link: no second fetch.
    assert compose(editor, team, f"Again: {url}").status_code == 302
    run_jobs(app, redis_db)
    assert site.requests == ["/menus/spring?utm_source=planner"]


def test_refetch_fetches_again_and_shows_the_new_title(app, team, session, redis_db, site):
    url = site.page("/news", article("First title"))
    editor = signed_in(app, "editor@example.com")
    compose(editor, team, f"News {url}")
    run_jobs(app, redis_db)
    site.page("/news", article("Second title"))
    post = session.scalars(sa.select(Post).order_by(Post.id)).first()
    response = editor.post(f"/w/{team.workspace.slug}/posts/{post.id}/link-preview")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fetching the link preview again" in page and "fetched in the background" in page
    # A second click while the first is on its way adds no fetch.
    again = editor.post(f"/w/{team.workspace.slug}/posts/{post.id}/link-preview")
    assert "being fetched already" in editor.get(again.headers["Location"]).get_data(as_text=True)
    run_jobs(app, redis_db)
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "Second title" in page and "First title" not in page
    assert site.requests == ["/news", "/news"]
    viewer = signed_in(app, "viewer@example.com")
    assert viewer.post(f"/w/{team.workspace.slug}/posts/{post.id}/link-preview").status_code == 403
    assert "Refetch" not in viewer.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(
        as_text=True
    )


def test_a_failing_site_gets_a_quiet_note_on_the_card(app, team, session, redis_db, site):
    url = site.base + "/gone"
    editor = signed_in(app, "editor@example.com")
    compose(editor, team, f"Read {url}")
    run_jobs(app, redis_db)
    post = session.scalars(sa.select(Post).order_by(Post.id)).first()
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "No preview of 127.0.0.1: the site answered 404." in page


def test_a_link_to_an_inward_address_is_never_fetched_and_says_why(
    app, team, session, redis_db, site
):
    app.config["PUBLISH_ALLOW_PRIVATE_TARGETS"] = False
    url = site.page("/internal", article("Internal page"))
    editor = signed_in(app, "editor@example.com")
    compose(editor, team, "Our cache: http://127.0.0.1:6379/ ok")
    run_jobs(app, redis_db)
    compose(editor, team, f"And {url}")
    run_jobs(app, redis_db)
    session.expire_all()
    rows = {r.url: r for r in session.scalars(sa.select(LinkPreview))}
    redis_row = rows["http://127.0.0.1:6379/"]
    assert redis_row.status == "refused"
    assert redis_row.problem == "not fetched: 127.0.0.1 is a private or local address"
    assert site.requests == []  # the guard refused the local site too
    post = session.scalars(sa.select(Post).order_by(Post.id)).first()
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "No preview of 127.0.0.1: not fetched: 127.0.0.1 is a private or local address." in page


def test_redirects_are_followed_only_to_web_addresses_and_only_a_few(site):
    site.page("/to-file", "", 302, Location="file:///etc/passwd")
    for hop in range(5):
        site.page(f"/loop{hop}", "", 301, Location=f"/loop{hop + 1}")
    site.page("/moved", "", 301, Location="/final")
    site.page("/final", article("Where it landed"))
    with pytest.raises(link_previews.PreviewProblem, match="not fetched: use an http"):
        link_previews.fetch(site.base + "/to-file", allow_private=True)
    with pytest.raises(link_previews.PreviewProblem, match="redirected more than 3 times"):
        link_previews.fetch(site.base + "/loop0", allow_private=True)
    assert link_previews.fetch(site.base + "/moved", allow_private=True).title == "Where it landed"


def test_at_most_a_megabyte_is_read_and_other_files_are_not_pages(site):
    head = article("A huge page").replace("</head><body><p>Hello</p></body></html>", "")
    url = site.page("/huge", head + "<p>" + "x" * 5_000_000 + "</p>")
    assert link_previews.fetch(url, allow_private=True).title == "A huge page"
    image = site.page("/cup.png", b"\x89PNG\r\n\x1a\n", Content_Type="image/png")
    with pytest.raises(link_previews.PreviewProblem, match=r"not a web page \(image/png\)"):
        link_previews.fetch(image, allow_private=True)


def test_pages_are_read_for_opengraph_then_twitter_cards_then_the_title():
    twitter = (
        b'<html><head><meta name="twitter:title" content="Card title">'
        b'<meta name="twitter:description" content="Card text">'
        b'<meta name="twitter:image" content="https://cdn.example/i.png"></head></html>'
    )
    page = link_previews.parse_page(twitter, "https://acme.example/a")
    assert (page.title, page.description, page.image_url) == (
        "Card title",
        "Card text",
        "https://cdn.example/i.png",
    )
    plain = "<title>\n  Café  Menü &amp; Preise </title><meta name=description content='Alles'>"
    page = link_previews.parse_page(plain.encode("utf-8"), "https://acme.example/")
    assert (page.title, page.description) == ("Café Menü & Preise", "Alles")
    japanese = '<meta charset="shift_jis"><title>東京のカフェ</title>'.encode("shift_jis")
    assert link_previews.parse_page(japanese, "https://acme.example/").title == "東京のカフェ"
    unsafe = (
        b'<meta property="og:title" content="T">'
        b'<meta property="og:image" content="javascript:alert(1)">'
    )
    assert link_previews.parse_page(unsafe, "https://acme.example/").image_url == ""
    with pytest.raises(link_previews.PreviewProblem, match="no title or description"):
        link_previews.parse_page(b"<html><body>nothing</body></html>", "https://acme.example/")


def test_the_cache_key_ignores_case_ports_fragments_and_tracking():
    assert link_previews.normalise("HTTPS://Acme.Example:443/Menu?utm_source=x&id=2#top") == (
        "https://acme.example/Menu?id=2"
    )
    assert link_previews.url_key("https://acme.example") == link_previews.url_key(
        "https://ACME.example/?fbclid=abc"
    )
    assert link_previews.normalise("http://bücher.example/") == "http://xn--bcher-kva.example/"


def test_a_worker_does_nothing_for_a_gone_workspace(app, redis_db):
    from workers.link_previews import fetch_link_preview

    with app.app_context():
        assert fetch_link_preview(10**9, "https://acme.example/") == "gone"


def test_a_text_longer_than_any_network_takes_is_not_previewed(app, team):
    editor = signed_in(app, "editor@example.com")
    x = team.channels["x"]
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/previews",
        {"channel_ids": [x.id], "text": "a" * 70_001},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"text": "At most 70,000 characters."}


def test_editing_a_post_shows_its_preview_with_refetch(app, team, session, redis_db, site):
    url = site.page("/tips", article("Five brewing tips"))
    editor = signed_in(app, "editor@example.com")
    x = team.channels["x"]
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_ids": [str(x.id)],
            "text": f"Brewing tips {url}",
            "category": "educational",
            "date": future().date().isoformat(),
            "time": "10:00",
        },
    )
    assert response.status_code == 302
    run_jobs(app, redis_db)
    post = session.scalars(sa.select(Post)).one()
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}/edit").get_data(as_text=True)
    assert previews_of(page) == ["x"]
    assert "Five brewing tips" in page and "Refetch" in page
    # "Show previews" on the edit page shows the typed text and saves nothing.
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/edit",
        {
            "channel_id": str(x.id),
            "text": "Changed #tips",
            "category": "educational",
            "date": future().date().isoformat(),
            "time": "10:00",
            "version": str(post.version),
            "action": "preview",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<span class="np-hashtag">#tips</span>' in page
    session.expire_all()
    assert session.get(Post, post.id).text == f"Brewing tips {url}"


def test_images_are_cropped_to_the_networks_shape_with_their_alt_text(app):
    from rules.preview import Image, preview

    template = app.jinja_env.get_template("_previews.html")
    with app.test_request_context():
        square = Image("/media/1.jpg", "A cup of cold brew on a table", 1200, 1200)
        on_x = str(
            template.module.network_preview(preview("Cold brew", "x", name="Acme", images=[square]))
        )
        on_instagram = str(
            template.module.network_preview(
                preview("Cold brew", "instagram", name="Acme", images=[square])
            )
        )
    assert 'class="np-img crop crop-16x9"' in on_x
    assert 'alt="A cup of cold brew on a table"' in on_x
    # Instagram shows a square image whole, at its own size.
    assert 'class="np-img"><img src="/media/1.jpg"' in on_instagram
    assert 'width="1200" height="1200"' in on_instagram


@pytest.mark.parametrize(
    "address",
    [
        "http://localhost:6379/",
        "http://[::1]:8080/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.1/",
        "http://user:secret@example.com/",
        "ftp://example.com/file",
    ],
)
def test_inward_and_odd_addresses_are_refused_before_any_connection(address):
    with pytest.raises(link_previews.PreviewProblem, match="^not fetched: ") as refused:
        link_previews.fetch(address, allow_private=False)
    assert refused.value.status == "refused"


@pytest.fixture
def trickle() -> Iterator[str]:
    """A site that answers at once, then sends its page a byte every 0.2 seconds: the read
    timeout never trips."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<title>")
        try:
            while not stop.wait(0.2):
                conn.sendall(b"x")
        except OSError:
            pass

    with tcp_server(answer) as port:
        yield f"http://127.0.0.1:{port}/slow"


def test_a_page_that_trickles_is_cut_off_at_the_deadline(trickle, monkeypatch):
    monkeypatch.setattr(link_previews, "DEADLINE_SECONDS", 1.5)
    started = time.monotonic()
    with pytest.raises(link_previews.PreviewProblem, match="took too long"):
        link_previews.fetch(trickle, allow_private=True)
    assert time.monotonic() - started < 1.5 + link_previews.TIMEOUT[1] + 1


def test_a_fetch_job_that_died_says_so_on_the_card(app, team, session, redis_db):
    from workers.link_previews import fetch_failed

    with app.app_context():
        job = queue.enqueue_link_preview(redis_db, team.workspace.id, "https://acme.example/a")
        fetch_failed(job, redis_db, TimeoutError, TimeoutError("job timeout"), None)
    row = _preview_row(session, team.workspace.id)
    assert row.status == "failed" and row.problem == "the fetch did not finish"
    card = link_previews.card_of(row, "https://acme.example/a")
    assert card.problem == "the fetch did not finish"
