"""Settings read from the environment, with defaults that work on a fresh machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    """The folder for local state: the SQLite database, the secret key, the outbox."""
    return Path(os.environ.get("PLANNER_INSTANCE", PROJECT_ROOT / "instance")).resolve()


def _secret_key(folder: Path) -> str:
    # Generated once and kept, so sessions survive a restart without any configuration.
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


# Imports above this many rows run as a job, with a progress page, so no request times out.
IMPORT_JOB_ROWS = 500
# A feed shows at most this many events: 1,000 stay under Google Calendar's 1 MB for posts
# of up to about 340 characters (see planner/feeds/ical.py and bench/feed.py).
FEED_MAX_EVENTS = 1000

PUBLISHING_DEFAULTS = {
    "PUBLISH_MAX_ATTEMPTS": 5,
    "PUBLISH_GRACE_SECONDS": 3600,
    "PUBLISH_LEASE_SECONDS": 300,
    "PUBLISH_BACKOFF_SECONDS": 30,
    "SWEEP_INTERVAL_SECONDS": 60,
}


# Request bodies: the largest CSV import is 8 MB; nothing else comes close.
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
MAX_FORM_MEMORY_SIZE = 8 * 1024 * 1024


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict[str, object]:
    """Build the Flask config mapping from the configuration table of docs/design.md."""
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    settings: dict[str, object] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{folder / 'planner.db'}"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_key(folder),
        "PLANNER_OUTBOX": os.environ.get("PLANNER_OUTBOX", str(folder / "outbox")),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "FEED_MAX_EVENTS": int(os.environ.get("FEED_MAX_EVENTS", FEED_MAX_EVENTS)),
        "PLANNER_IMPORT_JOB_ROWS": int(os.environ.get("PLANNER_IMPORT_JOB_ROWS", IMPORT_JOB_ROWS)),
    }
    # Publishing: how many attempts, how late a post may still go out after no worker ran,
    # how long a claim may last before the sweeper steps in, and how often it looks.
    for name, default in PUBLISHING_DEFAULTS.items():
        settings[name] = float(os.environ.get(name, default))
    if os.environ.get("SERVER_NAME"):
        settings["SERVER_NAME"] = os.environ["SERVER_NAME"]
    if os.environ.get("PREFERRED_URL_SCHEME"):
        settings["PREFERRED_URL_SCHEME"] = os.environ["PREFERRED_URL_SCHEME"]
    https = os.environ.get("PREFERRED_URL_SCHEME") == "https"
    settings.update(
        {
            "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
            "MAX_FORM_MEMORY_SIZE": MAX_FORM_MEMORY_SIZE,
            # Behind https the session cookie never travels in the clear.
            "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", https),
            # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none,
            # so those headers are ignored).
            "PLANNER_TRUSTED_PROXIES": int(os.environ.get("PLANNER_TRUSTED_PROXIES", "0")),
            # Webhook and Mastodon targets must be public addresses unless this is on (tests,
            # on-premise targets).
            "PUBLISH_ALLOW_PRIVATE_TARGETS": _flag("PUBLISH_ALLOW_PRIVATE_TARGETS"),
            # Keys that encrypt publisher secrets (Fernet), newest first; default: derived
            # from SECRET_KEY. Rotation: put the new key first, run `planner secrets
            # reencrypt`, then drop the old one.
            "PLANNER_SECRETS_KEYS": os.environ.get("PLANNER_SECRETS_KEYS", ""),
            # Host names the site answers to; when set, a request for another Host gets a 400
            # (Flask's TRUSTED_HOSTS). Without SERVER_NAME, feeds trust only these.
            "TRUSTED_HOSTS": [
                h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()
            ]
            or None,
            # Sign-in attempts per e-mail address and per client address.
            "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per 15 minutes"),
            "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per hour"),
        }
    )
    return settings
