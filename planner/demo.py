"""The demo workspace: three channels, three people and six weeks of realistic posts.

Some weeks are deliberately unbalanced (all about the brand, promotion after promotion), so
the balance rules have something to say on a fresh install.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import accounts, workflow
from planner.localtime import local, to_utc, week_start
from planner.models import AuditEvent, Channel, Post, PostGroup, Role, Status, User, Workspace

SLUG = "northwind-coffee"
TIMEZONE = "Europe/Berlin"
PEOPLE = (
    ("admin@example.com", "Ada Admin", Role.admin),
    ("editor@example.com", "Eddie Editor", Role.editor),
    ("approver@example.com", "April Approver", Role.approver),
)
CHANNELS = (
    ("Mastodon", "mastodon", "@northwind@mastodon.example"),
    ("Instagram", "instagram", "@northwindcoffee"),
    ("LinkedIn", "linkedin", "Northwind Coffee Roasters"),
)
TEXTS: dict[str, tuple[str, ...]] = {
    "brand": (
        "We just roasted our 10,000th batch! Thank you to the team that has been with us since "
        "the first tiny roaster in the garage.",
        "Behind the scenes: our head roaster Mia cupping this season's Ethiopian lots before "
        "they go on the menu.",
        "Northwind is now a certified B Corp. Here is what that means for how we source coffee.",
        "Our new roastery in Leipzig opens its doors next month. Come say hello.",
        "Meet the team: Jonas has been pulling shots at our Kreuzberg bar for six years.",
    ),
    "promotion": (
        "This weekend only: 20% off every bag of beans with code WEEKEND20. Shop now.",
        "Our holiday gift boxes are back! Order by 15 December for delivery before Christmas.",
        "Subscribe and save: fresh beans every two weeks for 12,90 €. Sign up today.",
        "Last chance: the Ethiopia Guji is almost sold out. Get yours before it is gone.",
    ),
    "educational": (
        "Tip: grind just before you brew. Ground coffee loses most of its aroma in 15 minutes.",
        "How to dial in espresso in three steps: dose, yield, time. A short guide.",
        "Why water temperature matters: 92-96 °C extracts sweetness without bitterness.",
        "Storing beans? Keep them in an airtight tin, away from light, not in the fridge.",
    ),
    "curated": (
        "A great read from the Specialty Coffee Association on how climate change is moving "
        "coffee farms uphill.",
        "Our friends at the Berlin Coffee Festival just published the line-up for spring.",
        "Fascinating study on how cup colour changes how sweet coffee tastes.",
    ),
    "engagement": (
        "Question for you: pour-over or French press on a Sunday morning? Tell us below.",
        "Poll: which origin should we roast next? Colombia, Kenya or Guatemala?",
        "What is the one coffee memory you will never forget? We would love to hear it.",
    ),
    "community": (
        "Thank you @lena.brews for this beautiful latte art photo from our Kreuzberg bar!",
        "Shout-out to the Leipzig book club who meet at our roastery every Thursday.",
        "Congratulations to our regular Tom on finishing his first marathon. Coffee is on us.",
    ),
    "care": (
        "Service update: online orders placed over the weekend ship on Tuesday because of the "
        "public holiday. Sorry for the wait.",
        "Having trouble with your subscription? Write to help@example.com and we will sort it "
        "out today.",
    ),
}
# Six weeks: (category per slot). Week 3 sells too hard, week 5 only talks about the brand.
WEEK_PLANS: tuple[tuple[str, ...], ...] = (
    ("educational", "brand", "engagement", "curated", "community", "promotion", "care"),
    ("curated", "educational", "engagement", "brand", "community", "educational"),
    ("promotion", "promotion", "brand", "promotion", "promotion", "engagement", "promotion"),
    ("educational", "community", "curated", "engagement", "brand", "care"),
    ("brand", "brand", "promotion", "brand", "brand", "brand"),
    ("engagement", "educational", "curated", "community", "brand", "promotion"),
)
SLOT_TIMES = (time(9, 0), time(12, 30), time(17, 15))


def credentials_file(instance: Path) -> Path:
    return instance / "demo-credentials.json"


def seed(session: Session, instance: Path, echo: Callable[[str], None] = print) -> Workspace:
    """Create the demo once; later calls only print how to sign in."""
    workspace = session.scalar(sa.select(Workspace).where(Workspace.slug == SLUG))
    creds_path = credentials_file(instance)
    if workspace is None:
        workspace = _create(session, creds_path)
        echo(f"demo workspace '{workspace.name}' created with six weeks of posts")
    else:
        echo(f"demo workspace '{workspace.name}' already exists; left as it is")
    if creds_path.exists():
        for email, password in json.loads(creds_path.read_text()).items():
            echo(f"  sign in as {email} with password {password}")
    return workspace


def _create(session: Session, creds_path: Path) -> Workspace:
    passwords: dict[str, str] = {}
    users: dict[Role, User] = {}
    for email, name, role in PEOPLE:
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            passwords[email] = secrets.token_urlsafe(9)
            user = accounts.create_user(session, email, name, passwords[email])
        users[role] = user
    workspace = accounts.create_workspace(session, "Northwind Coffee", TIMEZONE, users[Role.admin])
    workspace.slug = SLUG
    session.commit()
    for role in (Role.editor, Role.approver):
        accounts.add_member(session, users[Role.admin], workspace, users[role].email, role)
    channels = [
        accounts.save_channel(
            session, users[Role.admin], workspace, None, network=network, name=name, handle=handle
        )
        for name, network, handle in CHANNELS
    ]
    _posts(session, workspace, channels, users)
    if passwords:
        creds_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(creds_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(passwords, out, indent=1)
    return workspace


def _posts(
    session: Session, workspace: Workspace, channels: list[Channel], users: dict[Role, User]
) -> None:
    now = datetime.now(UTC)
    first_monday = week_start(local(now, TIMEZONE).date())
    used: dict[str, int] = {}
    for week_number, plan in enumerate(WEEK_PLANS):
        monday = first_monday + timedelta(weeks=week_number)
        for slot, category in enumerate(plan):
            day = monday + timedelta(days=slot % 7)
            at = to_utc(day, SLOT_TIMES[slot % len(SLOT_TIMES)], TIMEZONE)
            channel = channels[(slot + week_number) % len(channels)]
            texts = TEXTS[category]
            text = texts[used.get(category, 0) % len(texts)]
            used[category] = used.get(category, 0) + 1
            if at <= now + timedelta(minutes=5):
                _published(session, workspace, channel, users[Role.editor], text, category, at)
                continue
            content = workflow.PostContent(channel, text, category, at)
            post = workflow.create_post(session, users[Role.editor], workspace, content)
            # The first two weeks are signed off, the third waits for review, the rest are drafts.
            if week_number <= 2:
                workflow.submit(session, users[Role.editor], post, post.version)
            if week_number <= 1:
                try:
                    workflow.approve(session, users[Role.approver], post, post.version)
                except workflow.OverrideRequired:
                    pass  # evidence of an error-level finding: left in review for a person


def _published(
    session: Session,
    workspace: Workspace,
    channel: Channel,
    author: User,
    text: str,
    category: str,
    at: datetime,
) -> None:
    # Posts earlier this week are history: they went out before the demo existed.
    post = Post(
        workspace_id=workspace.id,
        group=PostGroup(workspace_id=workspace.id, created_by_id=author.id, created_at=at),
        channel_id=channel.id,
        text=text,
        category=category,
        scheduled_at=at,
        status=Status.published,
        version=1,
        author_id=author.id,
        published_at=at,
        created_at=at - timedelta(days=3),
        updated_at=at,
    )
    session.add(post)
    session.flush()
    session.add(
        AuditEvent(
            workspace_id=workspace.id,
            post_id=post.id,
            version=1,
            action="imported",
            note="demo history: published before the demo was created",
            after=workflow.snapshot(post),
        )
    )
    session.commit()
