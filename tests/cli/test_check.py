"""`planner check` and `planner classify`, run the way a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli.check import check, classify
from rules import Category

HEADER = "scheduled_at,channel,network,category,text\n"
KEYS = [
    "rule",
    "severity",
    "channel",
    "window_start",
    "window_end",
    "post_ids",
    "measured",
    "threshold",
    "message",
    "hint",
    "uncategorised",
]


def write(tmp_path: Path, rows: str, name: str = "plan.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return str(path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


CALM = (
    "2025-03-03T09:00,shop-fb,facebook,educational,How to oil a wooden board: thin coats.\n"
    "2025-03-04T09:00,shop-fb,facebook,engagement,Which board do you use most? Tell us!\n"
    "2025-03-05T09:00,shop-fb,facebook,curated,A fine read on old tools: example.org/tools\n"
)
LOUD = (
    "2025-03-03T09:00,shop-x,x,promotion,Use code SPRING20 for 20% off! example.com/shop\n"
    "2025-03-03T09:20,shop-x,x,promotion,Use code SPRING20 for 20% off! example.com/shop\n"
    "2025-03-03T23:30,shop-x,x,brand,Big news: we're opening a second shop in Eastgate!\n"
)


def test_a_calm_plan_exits_0_and_says_there_is_nothing_to_fix(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(check, [write(tmp_path, CALM)])

    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "No findings: 0 errors, 0 warnings, 0 info (preset balanced, timezone UTC)"
    )


def test_a_plan_with_an_error_exits_1_and_reads_like_a_linter(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, LOUD)

    result = runner.invoke(check, [path, "--timezone", "Europe/Berlin"])

    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert f"{path}:1: error [duplicate-text] shop-x, 2025-03-03 09:00 to 2025-03-03 09:20: " in (
        "\n".join(lines)
    )
    assert any(line.startswith("    hint: ") for line in lines)
    assert lines[-1] == (
        "4 findings: 1 error, 2 warnings, 1 info (preset balanced, timezone Europe/Berlin)"
    )


def test_json_output_lists_findings_with_the_agreed_keys(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(check, [write(tmp_path, LOUD), "--format", "json"])

    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert findings and all(list(f) == KEYS for f in findings)
    duplicate = next(f for f in findings if f["rule"] == "duplicate-text")
    assert duplicate == {
        "rule": "duplicate-text",
        "severity": "error",
        "channel": "shop-x",
        "window_start": "2025-03-03T09:00:00+00:00",
        "window_end": "2025-03-03T09:20:00+00:00",
        "post_ids": [1, 2],
        "measured": "PT20M",
        "threshold": "P3D",
        "message": duplicate["message"],
        "hint": duplicate["hint"],
        "uncategorised": 0,
    }
    assert [(f["rule"], f["post_ids"]) for f in findings] == [
        ("duplicate-text", [1, 2]),
        ("promotion-streak", [1, 2]),
        ("too-close", [1, 2]),
        ("quiet-hours", [3]),
    ]


def test_workspace_findings_have_a_null_channel_in_json(runner: CliRunner, tmp_path: Path) -> None:
    rows = "".join(
        f"2025-03-04T09:{m:02d},ch-{m},x,brand,Post number {m} of the day.\n"
        for m in (0, 10, 20, 30, 40)
    )

    result = runner.invoke(check, [write(tmp_path, rows), "--format", "json"])

    burst = [f for f in json.loads(result.stdout) if f["rule"] == "burst"]
    assert [(f["channel"], f["post_ids"], f["measured"]) for f in burst] == [
        (None, [1, 2, 3, 4, 5], 5)
    ]
    assert result.exit_code == 0


def test_an_empty_category_is_filled_in_by_the_classifier_and_said_so(
    runner: CliRunner, tmp_path: Path
) -> None:
    rows = "2025-03-03T09:00,shop-fb,facebook,,Use code SPRING20 for 20% off everything!\n"

    result = runner.invoke(check, [write(tmp_path, rows)])

    assert "plan.csv:1: no category; using the suggestion promotion" in result.output


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("2025-13-03T09:00,shop-fb,facebook,brand,Hello\n", "row 2, column scheduled_at"),
        ("2025-03-04T09:00,shop-fb,facebook,memes,Hello\n", "row 2, column category"),
        ("2025-03-04T09:00,,facebook,brand,Hello\n", "row 2, column channel"),
        ("2025-03-04T09:00,shop-fb,facebook,brand,\n", "row 2, column text"),
    ],
)
def test_unusable_rows_exit_2_naming_the_row_and_the_column(
    runner: CliRunner, tmp_path: Path, row: str, where: str
) -> None:
    rows = "2025-03-03T09:00,shop-fb,facebook,brand,Fine first row\n" + row

    result = runner.invoke(check, [write(tmp_path, rows)])

    assert result.exit_code == 2
    assert where in result.output


def test_a_missing_column_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("when,channel,text\n2025-03-03,a,b\n", encoding="utf-8")

    result = runner.invoke(check, [str(path)])

    assert result.exit_code == 2
    assert "missing columns scheduled_at, network, category" in result.output


def test_an_unknown_timezone_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(check, [write(tmp_path, CALM), "--timezone", "Mars/Olympus"])

    assert result.exit_code == 2
    assert "unknown timezone" in result.output


def test_times_without_offset_are_read_in_the_timezone(runner: CliRunner, tmp_path: Path) -> None:
    rows = "2025-03-03T23:30,shop-fb,facebook,educational,Late tip: rest the dough.\n"

    berlin = runner.invoke(check, [write(tmp_path, rows), "--timezone", "Europe/Berlin"])
    offset = runner.invoke(
        check,
        [
            write(tmp_path, rows.replace("23:30", "23:30+00:00"), "b.csv"),
            "--timezone",
            "Europe/Berlin",
        ],
    )

    assert "at 2025-03-03 23:30 Europe/Berlin" in berlin.output
    assert "at 2025-03-04 00:30 Europe/Berlin" in offset.output


def test_from_and_to_limit_the_days_checked(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, LOUD)

    inside = runner.invoke(check, [path, "--from", "2025-03-03", "--to", "2025-03-03"])
    later = runner.invoke(check, [path, "--from", "2025-03-04", "--to", "2025-03-10"])

    assert inside.exit_code == 1
    assert later.exit_code == 0
    assert "No findings" in later.output


def test_the_preset_is_a_choice(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(check, [write(tmp_path, CALM), "--preset", "viral"])

    assert result.exit_code == 2


def test_classify_prints_one_json_object_per_line_of_text(runner: CliRunner) -> None:
    text = "Use code SPRING20 for 20% off everything!\n\nWhat is your favourite trail?\n"

    result = runner.invoke(classify, input=text)

    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [list(line) for line in lines] == [["category", "confidence", "signals"]] * 2
    assert [line["category"] for line in lines] == ["promotion", "engagement"]
    assert "mentions a discount code" in lines[0]["signals"]


def test_classify_reads_the_text_column_of_a_csv(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, LOUD)

    result = runner.invoke(classify, [path])

    assert [json.loads(line)["category"] for line in result.output.splitlines()] == [
        "promotion",
        "promotion",
        "brand",
    ]


def test_reply_to_and_thread_columns_are_read(runner: CliRunner, tmp_path: Path) -> None:
    # Five answers within the hour and a thread of three parts a minute apart: no burst, no
    # post too close, no canned reply taken for a duplicate.
    rows = "".join(
        f"2025-03-03T10:{10 * n:02d},help-x,x,care,Sorry to hear that! Please DM us.,@user{n},\n"
        for n in range(5)
    ) + "".join(
        f"2025-03-04T09:0{n},shop-x,x,educational,Part {n + 1} of our guide to oiling boards.,"
        ",guide\n"
        for n in range(3)
    )
    path = tmp_path / "plan.csv"
    path.write_text(
        "scheduled_at,channel,network,category,text,reply_to,thread\n" + rows, encoding="utf-8"
    )

    result = runner.invoke(check, [str(path), "--format", "json"])

    assert result.exit_code == 0, result.output
    rules_found = {f["rule"] for f in json.loads(result.output)}
    assert not rules_found & {"burst", "too-close", "duplicate-text", "audience-overload"}


def test_classify_says_null_with_its_best_guess_when_it_is_unsure(runner: CliRunner) -> None:
    text = "Hello.\n@user123 Sorry to hear that! Can you DM us your order number?\n"

    result = runner.invoke(classify, input=text)

    assert result.exit_code == 0
    unsure, sure = (json.loads(line) for line in result.output.splitlines())
    assert list(unsure) == ["category", "suggested", "confidence", "signals"]
    assert unsure["category"] is None
    assert unsure["suggested"] in {c.value for c in Category}
    assert list(sure) == ["category", "confidence", "signals"]
    assert sure["category"] == "care"
    assert "answers someone's problem or question" in sure["signals"]


def test_staffed_hours_decide_whether_a_late_question_is_answered(
    runner: CliRunner, tmp_path: Path
) -> None:
    plan = write(
        tmp_path,
        "2025-03-07T17:45,shop-fb,facebook,engagement,What is your favourite board?\n",
    )

    office = runner.invoke(check, [plan, "--timezone", "Europe/Berlin"])
    weekend = runner.invoke(
        check, [plan, "--timezone", "Europe/Berlin", "--staffed", "Mon-Sun 09:00-22:00"]
    )

    assert office.exit_code == 0, office.output
    assert (
        "post on shop-fb asks a question at 17:45 on Friday; nobody is on duty until "
        "Monday 09:00" in office.output
    )
    assert "unstaffed-replies" not in weekend.output


def test_bad_staffed_hours_are_named_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    plan = write(tmp_path, CALM)

    result = runner.invoke(check, [plan, "--staffed", "Mon-Fri 09:00-17:00; Sat 22:00-02:00"])

    assert result.exit_code == 2
    assert "--staffed" in result.output
    assert "'22:00-02:00' crosses midnight" in result.output
