"""Sign-in answer times: a known e-mail with a wrong password against an unknown e-mail.

With the production password hash (scrypt), both should cost one hash: the answer time must
not tell an attacker which e-mail addresses have accounts (issue 14). Prints medians and their
ratio; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])
_TMP = Path(tempfile.mkdtemp(prefix="planner-bench-"))
os.environ.setdefault("PLANNER_INSTANCE", str(_TMP))

from planner import accounts, create_app, migrate  # noqa: E402
from planner.db import db  # noqa: E402

RUNS = 15


def main() -> None:
    url = f"sqlite:///{_TMP / 'login.db'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        accounts.create_user(db.session, "known@example.com", "Known", "the right password")
        timings: dict[str, list[float]] = {"known e-mail, wrong password": [], "unknown e-mail": []}
        for _ in range(RUNS):
            for label, email in (
                ("known e-mail, wrong password", "known@example.com"),
                ("unknown e-mail", "nobody@example.com"),
            ):
                start = time.perf_counter()
                assert accounts.authenticate(db.session, email, "a wrong guess") is None
                timings[label].append((time.perf_counter() - start) * 1000)
    medians = {label: statistics.median(values) for label, values in timings.items()}
    for label, value in medians.items():
        print(f"sign-in, {label}: median {value:.1f} ms over {RUNS} attempts")
    known, unknown = medians.values()
    print(f"ratio unknown/known: {unknown / known:.2f} (1.00 means indistinguishable)")


if __name__ == "__main__":
    main()
