"""Groups (one post planned for several channels): each variant counts on its own channel,
the workspace's mix counts the group once."""

from rules import Category, check

from .conftest import post

B, E = Category.BRAND, Category.EDUCATIONAL
CHANNELS = (("shop-fb", "facebook"), ("shop-li", "linkedin"), ("shop-ig", "instagram"))


def announced_everywhere(first_id: int, day: int, category: Category, group: str | None) -> list:
    """One announcement on three channels at once (a group, or three separate posts)."""
    return [
        post(
            first_id + n,
            f"2025-03-{day:02d} 10:00",
            category,
            channel=channel,
            network=network,
            text=f"Announcement {first_id} for {channel}",
            group=group,
        )
        for n, (channel, network) in enumerate(CHANNELS)
    ]


def plan(grouped: bool) -> list:
    items = []
    # Three brand announcements, each on all three channels; three educational posts on one.
    for n, day in enumerate((3, 4, 5)):
        items += announced_everywhere(10 * n + 1, day, B, f"g{n}" if grouped else None)
    items += [post(100 + n, f"2025-03-0{6 + n} 09:00", E) for n in range(3)]
    return items


def workspace_monologue(items: list) -> list:
    return [f for f in check(items) if f.rule == "brand-monologue" and f.channel is None]


def test_the_workspace_mix_counts_a_group_once() -> None:
    # Separate posts: 9 brand of 12 (3/4) is a monologue of the workspace; as three groups,
    # 3 brand of 6 (1/2) is not above the 1/2 warning.
    assert workspace_monologue(plan(grouped=False))
    assert workspace_monologue(plan(grouped=True)) == []


def test_each_variant_still_counts_on_its_own_channel() -> None:
    grouped = [f for f in check(plan(grouped=True)) if f.channel == "shop-li"]
    separate = [f for f in check(plan(grouped=False)) if f.channel == "shop-li"]
    assert [f.rule for f in grouped] == [f.rule for f in separate]
