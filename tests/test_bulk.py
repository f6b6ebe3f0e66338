"""CSV import and export: the page, the commands, all or nothing, the round trip."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from planner import accounts, bulk, workflow
from planner.cli import main
from planner.localtime import local
from planner.models import Post, Status
from tests.conftest import future, signed_in

HEADER = "scheduled_at,channel,network,category,text\n"


def when(days: int, hour: int = 10) -> str:
    """A wall-clock time in the team's zone (Europe/Berlin), without an offset."""
    return local(future(days, hour), "Europe/Berlin").strftime("%Y-%m-%dT%H:%M")


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(Post))


def upload(browser, slug: str, text: str, **extra):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(text.encode()), "plan.csv"), **extra}
    return browser.post(f"/w/{slug}/bulk/import", data, content_type="multipart/form-data")


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(app, session, team):
    plan = HEADER + (
        f"{when(3)},X,x,brand,Our new office opens\n"
        f"tomorrow,X,x,brand,Bad time\n"
        f"{when(4)},Pinterest,pinterest,brand,No such channel\n"
        f"{when(5)},X,x,gossip,Unknown category\n"
        f"{when(6)},X,x,brand,{'x' * 300}\n"
        f"2001-01-01T10:00,Mastodon,mastodon,care,In the past\n"
        f"{when(7)},Linkedin,x,brand,Wrong network\n"
    )
    browser = signed_in(app, "editor@example.com")
    response = upload(browser, team.workspace.slug, plan)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing can be imported yet" in page
    for expected in (
        "row 2, column scheduled_at",
        "row 3, column channel: &#39;Pinterest&#39; is not a channel of this workspace",
        "row 4, column category",
        "row 5, column text: 300 weighted characters",
        "row 6, column scheduled_at: That time has already passed",
        "row 7, column network",
    ):
        assert expected in page, expected
    assert "row 1," not in page
    assert "Import 1 post" not in page  # no way to confirm a file with errors
    forced = browser.post(f"/w/{team.workspace.slug}/bulk/import", {"csv": plan, "confirm": "1"})
    assert forced.status_code == 422
    assert count(session) == 0


def test_a_row_with_several_problems_names_all_of_them(app, session, team):
    # Fixing a row one complaint at a time is a slog: the preview names them all at once.
    plan = HEADER + f"tomorrow,Pinterest,pinterest,gossip,{'x' * 300}\n"
    browser = signed_in(app, "editor@example.com")
    page = upload(browser, team.workspace.slug, plan).get_data(as_text=True)
    for expected in (
        "row 1, column scheduled_at",
        "row 1, column channel: &#39;Pinterest&#39; is not a channel",
        "row 1, column category",
    ):
        assert expected in page, expected
    plan = HEADER + f"{when(3)},X,x,gossip,{'x' * 300}\n"
    page = upload(browser, team.workspace.slug, plan).get_data(as_text=True)
    assert "row 1, column category" in page
    assert "row 1, column text: 300 weighted characters" in page
    assert count(session) == 0


def test_preview_then_import_as_drafts_with_suggested_categories(app, session, team):
    plan = HEADER + (
        f"{when(3, 9)},Mastodon,mastodon,,What is your favourite way to start the week?\n"
        f"{when(3, 12)},X,x,promotion,Spring sale: 30% off everything\n"
        f"{when(3, 15)},X,x,promotion,Last day of the sale: shop now\n"
    )
    browser = signed_in(app, "editor@example.com")
    preview = upload(browser, team.workspace.slug, plan)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "3 rows ready" in page
    assert "suggested (confidence" in page and "engagement" in page
    # The balance findings the import would add to the plan:
    assert "promotion-streak" in page
    assert "Submit for review" not in page  # an editor's import makes drafts
    assert count(session) == 0
    done = browser.post(
        f"/w/{team.workspace.slug}/bulk/import",
        {"csv": plan, "confirm": "1", "submit_for_review": "1"},
    )
    assert done.status_code == 303
    posts = session.scalars(sa.select(Post).order_by(Post.scheduled_at)).all()
    assert [p.status for p in posts] == [Status.draft] * 3
    assert [p.category for p in posts] == ["engagement", "promotion", "promotion"]
    assert {p.author_id for p in posts} == {team.user("editor").id}


def test_an_approver_may_submit_the_import_for_review(app, session, team):
    plan = HEADER + f"{when(3)},X,x,educational,Three tips for better photos\n"
    browser = signed_in(app, "approver@example.com")
    assert "Submit for review" in upload(browser, team.workspace.slug, plan).get_data(as_text=True)
    browser.post(
        f"/w/{team.workspace.slug}/bulk/import",
        {"csv": plan, "confirm": "1", "submit_for_review": "1"},
    )
    assert session.scalars(sa.select(Post)).one().status == Status.in_review


def test_a_viewer_cannot_import_but_can_export(app, team):
    browser = signed_in(app, "viewer@example.com")
    plan = HEADER + f"{when(3)},X,x,brand,Hello\n"
    assert upload(browser, team.workspace.slug, plan).status_code == 403
    assert browser.get(f"/w/{team.workspace.slug}/bulk/export.csv").status_code == 200


def test_an_export_re_imports_cleanly_into_another_workspace(app, session, team):
    texts = {3: "Meet the team behind our app", 4: "How to back up your photos", 9: "Far later"}
    for days, text in texts.items():
        content = workflow.PostContent(team.channels["mastodon"], text, "brand", future(days))
        workflow.create_post(session, team.user("editor"), team.workspace, content)
    browser = signed_in(app, "viewer@example.com")
    first = local(future(3), "Europe/Berlin").date().isoformat()
    last = local(future(5), "Europe/Berlin").date().isoformat()
    exported = browser.get(f"/w/{team.workspace.slug}/bulk/export.csv?from={first}&to={last}")
    assert exported.mimetype == "text/csv"
    body = exported.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == list(bulk.EXPORT_COLUMNS)
    assert [r["text"] for r in rows] == [texts[3], texts[4]]
    assert rows[0]["status"] == "draft" and rows[0]["version"] == "1"

    outsider = team.user("outsider")
    accounts.save_channel(
        session, outsider, team.other_workspace, None, network="mastodon", name="Mastodon"
    )
    preview = bulk.read_import(session, team.other_workspace, body)
    assert preview.errors == [] and len(preview.rows) == 2
    ids = bulk.apply_import(session, outsider, team.other_workspace, preview.rows)
    copies = session.scalars(sa.select(Post).where(Post.id.in_(ids)).order_by(Post.id)).all()
    originals = session.scalars(
        sa.select(Post).where(Post.workspace_id == team.workspace.id).order_by(Post.scheduled_at)
    ).all()[:2]
    assert [(c.text, c.scheduled_at, c.category) for c in copies] == [
        (o.text, o.scheduled_at, o.category) for o in originals
    ]
    assert {c.workspace_id for c in copies} == {team.other_workspace.id}


def test_an_import_is_all_or_nothing_even_when_a_row_fails_late(app, session, team):
    good = bulk.read_import(session, team.workspace, HEADER + f"{when(3)},X,x,brand,One\n")
    late = bulk.read_import(session, team.workspace, HEADER + f"{when(4)},X,x,brand,Two\n")
    # The second row's time passes between the preview and the import: the workflow refuses
    # it after the first row was written, and the first row must go too.
    stale = late.rows[0].__class__(**{**late.rows[0].__dict__, "scheduled_at": future(-1)})
    rows = [*good.rows, stale]
    try:
        with app.app_context():
            bulk.apply_import(session, team.user("editor"), team.workspace, rows)
    except workflow.InvalidPost as error:
        assert "scheduled_at" in error.errors
    else:
        raise AssertionError("the import should have been refused")
    assert count(session) == 0


def test_the_import_and_export_commands(app, session, team, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(HEADER + f"{when(3)},X,x,,Thanks to everyone who came to our meetup!\n")
    runner = FlaskCliRunner(app)
    result = runner.invoke(
        main,
        args=[
            "import",
            str(plan),
            "--workspace",
            team.workspace.slug,
            "--as",
            "editor@example.com",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no category; using the suggestion community" in result.output
    assert "imported 1 posts as drafts" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "soon,X,x,brand,Hi\n")
    result = runner.invoke(
        main,
        args=["import", str(bad), "--workspace", team.workspace.slug, "--as", "editor@example.com"],
    )
    assert result.exit_code == 2
    assert "row 1, column scheduled_at" in result.output
    result = runner.invoke(main, args=["export", "--workspace", team.workspace.slug])
    assert result.exit_code == 0
    assert result.output.startswith(",".join(bulk.EXPORT_COLUMNS))
    assert "Thanks to everyone" in result.output
    assert count(session) == 1


def test_a_large_import_runs_as_a_job_with_a_progress_page(app, session, team, redis_db):
    from rq import Queue, SimpleWorker

    app.config["PLANNER_IMPORT_JOB_ROWS"] = 2
    plan = HEADER + "".join(
        f"{when(3, 8 + i)},Mastodon,mastodon,care,Answer {i}\n" for i in range(3)
    )
    browser = signed_in(app, "editor@example.com")
    started = browser.post(f"/w/{team.workspace.slug}/bulk/import", {"csv": plan, "confirm": "1"})
    assert started.status_code == 303
    progress_url = started.headers["Location"]
    assert "Waiting for a worker" in browser.get(progress_url).get_data(as_text=True)
    assert count(session) == 0
    # Another workspace's member cannot watch it.
    outsider = signed_in(app, "outsider@example.com")
    assert outsider.get(progress_url).status_code == 404
    with app.app_context():
        worker = SimpleWorker([Queue("default", connection=redis_db)], connection=redis_db)
        assert worker.work(burst=True)
    assert "Imported 3 posts." in browser.get(progress_url).get_data(as_text=True)
    assert count(session) == 3
