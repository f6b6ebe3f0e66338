"""rules/ stays pure: no web framework, database, queue or app imports, no I/O, no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "rules"
FORBIDDEN_MODULES = {
    # The rest of the app and its infrastructure.
    "flask",
    "sqlalchemy",
    "redis",
    "rq",
    "planner",
    "workers",
    # I/O and the clock.
    "io",
    "os",
    "pathlib",
    "shutil",
    "socket",
    "subprocess",
    "tempfile",
    "urllib",
    "http",
    "requests",
    "httpx",
    "time",
}
# Pure parts of forbidden packages: urllib.parse splits addresses, it opens none.
ALLOWED_MODULES = {"urllib.parse"}
FORBIDDEN_CALLS = {"open", "input", "print", "exec", "eval", "__import__", "breakpoint"}
# (time.time() and friends are covered by forbidding `import time`.)
CLOCK_METHODS = {"now", "utcnow", "today", "perf_counter", "monotonic"}


def problems(source: str) -> list[str]:
    """What a module does that rules/ must not: imports, I/O calls and clock reads."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] if node.level == 0 else []
        else:
            modules = []
        found += [
            f"imports {m}"
            for m in modules
            if m.split(".")[0] in FORBIDDEN_MODULES and m not in ALLOWED_MODULES
        ]
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_CALLS:
                found.append(f"calls {function.id}()")
            if isinstance(function, ast.Attribute) and function.attr in CLOCK_METHODS:
                found.append(f"reads the clock with .{function.attr}()")
    return found


def modules() -> list[Path]:
    return sorted(RULES.rglob("*.py"))


def test_the_rules_package_has_the_modules_of_the_design() -> None:
    names = {str(path.relative_to(RULES).with_suffix("")) for path in modules()}

    expected = {"__init__", "model", "registry", "presets", "config", "plan", "mix", "cadence"}
    expected |= {"content", "engine", "change", "plan_csv"}
    expected |= {f"classifier/{name}" for name in ("__init__", "signals", "model", "training")}
    assert names >= expected
    # The classifier's weights are data, read with importlib.resources, not Python source.
    assert (RULES / "classifier" / "weights.json").is_file()


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(RULES)))
def test_no_rules_module_imports_the_app_or_does_io(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import flask", "imports flask"),
        ("from sqlalchemy.orm import Session", "imports sqlalchemy.orm"),
        ("from planner import models", "imports planner"),
        ("import workers.publish", "imports workers.publish"),
        ("import rq", "imports rq"),
        ("from redis import Redis", "imports redis"),
        ("data = open('weights.json').read()", "calls open()"),
        ("from datetime import datetime\nnow = datetime.now()", "reads the clock with .now()"),
        ("from datetime import date\nd = date.today()", "reads the clock with .today()"),
        ("from pathlib import Path", "imports pathlib"),
        ("from urllib.request import urlopen", "imports urllib.request"),
    ],
)
def test_the_purity_check_catches_what_it_is_for(source: str, problem: str) -> None:
    assert problem in problems(source)


def test_relative_imports_inside_rules_are_fine() -> None:
    assert problems("from . import model\nfrom .plan import Plan\nimport rules.mix") == []
