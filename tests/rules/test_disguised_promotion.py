"""disguised-promotion: a post not tagged promotion whose text reads as one."""

from rules import Category, RuleConfig

from .conftest import at, only, post

SCARVES = (
    "Three ways to tie a scarf this spring, and this week only every scarf is 20% off with "
    "code WRAP20. Shop now: example.com/shop/scarves"
)


def test_a_tip_that_sells_at_twenty_percent_off_is_flagged() -> None:
    findings = only(
        "disguised-promotion", [post(1, "2025-03-04 09:00", Category.EDUCATIONAL, text=SCARVES)]
    )

    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity.value, finding.channel, finding.post_ids) == (
        "warning",
        "shop-fb",
        (1,),
    )
    assert (finding.window_start, finding.window_end) == (at("2025-03-04 09:00"),) * 2
    assert finding.threshold == 0.6
    assert 0.6 <= finding.measured <= 1.0
    assert "but is tagged educational" in finding.message
    assert "gives a percentage off" in finding.message


def test_the_same_text_tagged_promotion_is_honest() -> None:
    items = [post(1, "2025-03-04 09:00", Category.PROMOTION, text=SCARVES)]

    assert only("disguised-promotion", items) == []


def test_an_uncategorised_offer_is_flagged_as_not_categorised() -> None:
    findings = only("disguised-promotion", [post(1, "2025-03-04 09:00", None, text=SCARVES)])

    assert [f.message.endswith("but is not categorised") for f in findings] == [True]


def test_a_statistic_with_a_percent_sign_is_not_an_offer() -> None:
    text = (
        "A new survey by the Freelance Futures Institute: 62% of freelancers were paid late "
        "last year. Worth a read: https://example.org/report"
    )

    assert (
        only("disguised-promotion", [post(1, "2025-03-04 09:00", Category.CURATED, text=text)])
        == []
    )


def test_a_text_without_currency_or_percent_signs_is_not_read() -> None:
    text = "Start your free trial today and shop now: the spring collection is here!"

    assert (
        only("disguised-promotion", [post(1, "2025-03-04 09:00", Category.BRAND, text=text)]) == []
    )


def test_the_confidence_needed_is_a_setting() -> None:
    config = RuleConfig(thresholds={"disguised-promotion": {"min_confidence": 1.0}})
    items = [post(1, "2025-03-04 09:00", Category.EDUCATIONAL, text=SCARVES + " Hurry!")]

    findings = only("disguised-promotion", items, config)

    assert all(f.measured >= 1.0 for f in findings)
