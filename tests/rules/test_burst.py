"""burst: posts across all channels crowding one hour."""

from .conftest import at, brief, only, post

CHANNELS = ["a", "b", "c", "d", "e", "f"]


def spread(*minutes: int) -> list:
    """One post per channel at 09:MM (minutes past 09:00; 60 and more spill into 10:xx)."""
    return [
        post(
            n,
            f"2025-03-04 {9 + m // 60:02d}:{m % 60:02d}",
            channel=CHANNELS[n % len(CHANNELS)],
        )
        for n, m in enumerate(minutes, start=1)
    ]


def test_five_posts_within_an_hour_across_channels_warn() -> None:
    findings = only("burst", spread(0, 5, 10, 30, 55))

    assert [brief(f) for f in findings] == [
        ("warning", None, at("2025-03-04 09:00"), at("2025-03-04 09:55"), (1, 2, 3, 4, 5), 5, 4)
    ]
    assert findings[0].message == (
        "5 posts across 5 channels within 1 h (2025-03-04 09:00 UTC to 09:55), above 4"
    )


def test_four_posts_within_an_hour_are_fine() -> None:
    assert only("burst", spread(0, 5, 10, 30)) == []


def test_a_window_of_sixty_minutes_does_not_reach_the_next_hour() -> None:
    # 09:00 and 10:00 are 60 minutes apart: never in the same 60-minute window.
    assert only("burst", spread(0, 15, 30, 45, 60)) == []


def test_overlapping_crowded_windows_are_reported_once_with_the_peak() -> None:
    # 09:00-09:40, 09:10-10:05, 09:20-10:15, ... each hold five posts and overlap.
    findings = only("burst", spread(0, 10, 20, 30, 40, 65, 75, 85, 95))

    assert [(f.post_ids, f.measured, f.window_start, f.window_end) for f in findings] == [
        (tuple(range(1, 10)), 5, at("2025-03-04 09:00"), at("2025-03-04 10:35"))
    ]


def test_the_peak_is_the_most_posts_seen_in_one_hour() -> None:
    findings = only("burst", spread(0, 10, 20, 30, 40, 50, 80, 100))

    assert [(f.post_ids, f.measured) for f in findings] == [((1, 2, 3, 4, 5, 6), 6)]
