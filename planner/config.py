"""Settings read from the environment, with defaults that work on a fresh machine.

Nothing here points into the installed package: local state (the SQLite database of a trial,
a development secret key, the outbox) goes under `PLANNER_INSTANCE`, by default `instance/`
in the folder Planner is started from, never beside site-packages.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# `make run` sets PLANNER_ENV=development: a single machine, a key generated on first use.
DEVELOPMENT = "development"
PRODUCTION = "production"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigurationError(RuntimeError):
    """A setting that production needs is missing or wrong; the message says how to fix it."""


def instance_path(environ: Mapping[str, str] | None = None) -> Path:
    """The folder for local state: the SQLite database of a trial, a development secret key,
    the outbox, the demo's passwords. `PLANNER_INSTANCE`, else `instance/` in the current
    folder."""
    env = os.environ if environ is None else environ
    return Path(env.get("PLANNER_INSTANCE") or Path.cwd() / "instance").resolve()


def _generated_secret_key(folder: Path) -> str:
    # Generated once and kept, so a development server's sessions survive a restart.
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the same machine wrote it first
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Planner signs sessions and form tokens with it, so every web host "
    "must have the same long random value: set SECRET_KEY in the environment (for example "
    "the output of `python -c 'import secrets; print(secrets.token_hex(32))'`). For a trial on "
    "one machine, set PLANNER_ENV=development (as `make run` does) and a key is generated into "
    "{folder}/secret_key."
)


def settle_secret_key(config: dict[str, Any]) -> None:
    """Make sure `config` has a SECRET_KEY: the configured one; in development, debug or
    testing, one generated once into the instance folder; in production, an error."""
    if config.get("SECRET_KEY"):
        return
    folder = Path(str(config.get("PLANNER_INSTANCE") or instance_path()))
    relaxed = (
        config.get("PLANNER_ENV") == DEVELOPMENT or config.get("DEBUG") or config.get("TESTING")
    )
    if not relaxed:
        raise ConfigurationError(MISSING_SECRET_KEY.format(folder=folder))
    config["SECRET_KEY"] = _generated_secret_key(folder)


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
    # Connection health: every channel's login is checked this often (daily), and again this
    # long before the first post of each local day on the channel.
    "CONNECTION_CHECK_SECONDS": 86400,
    "CONNECTION_CHECK_AHEAD_SECONDS": 900,
}


# Request bodies: the largest CSV import is 8 MB; only media uploads are larger, and they
# have a limit of their own (MEDIA_MAX_BYTES, on the upload routes only; raise it for longer
# videos: X takes up to 512 MB).
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
MEDIA_MAX_BYTES = 100 * 1024 * 1024
MAX_FORM_MEMORY_SIZE = 8 * 1024 * 1024


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from the configuration table of docs/design.md.

    Creates nothing on disk: the instance folder is made when something is first kept
    there."""
    env = os.environ if environ is None else environ
    folder = instance_path(env)
    planner_env = env.get("PLANNER_ENV", PRODUCTION).strip().lower() or PRODUCTION
    if planner_env not in (DEVELOPMENT, PRODUCTION):
        raise ConfigurationError(
            f"PLANNER_ENV={planner_env!r}: use {PRODUCTION!r} (the default) or {DEVELOPMENT!r}"
        )
    log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigurationError(f"LOG_FORMAT={log_format!r}: use 'text' or 'json'")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL={log_level!r}: use one of {', '.join(LOG_LEVELS)}")
    settings: dict[str, object] = {
        "PLANNER_ENV": planner_env,
        "PLANNER_INSTANCE": str(folder),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{folder / 'planner.db'}"),
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "PLANNER_OUTBOX": env.get("PLANNER_OUTBOX", str(folder / "outbox")),
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": log_level,
        # /metrics answers only to `Authorization: Bearer <METRICS_TOKEN>`; unset: no /metrics.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "FEED_MAX_EVENTS": int(env.get("FEED_MAX_EVENTS", FEED_MAX_EVENTS)),
        "PLANNER_IMPORT_JOB_ROWS": int(env.get("PLANNER_IMPORT_JOB_ROWS", IMPORT_JOB_ROWS)),
    }
    if env.get("SECRET_KEY"):
        settings["SECRET_KEY"] = env["SECRET_KEY"]
    # Publishing: how many attempts, how late a post may still go out after no worker ran,
    # how long a claim may last before the sweeper steps in, how often it looks, and how
    # often channels' logins are checked.
    for name, default in PUBLISHING_DEFAULTS.items():
        settings[name] = float(env.get(name, default))
    if env.get("SERVER_NAME"):
        settings["SERVER_NAME"] = env["SERVER_NAME"]
    if env.get("PREFERRED_URL_SCHEME"):
        settings["PREFERRED_URL_SCHEME"] = env["PREFERRED_URL_SCHEME"]
    https = env.get("PREFERRED_URL_SCHEME") == "https"
    settings.update(
        {
            "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
            "MEDIA_MAX_BYTES": int(env.get("MEDIA_MAX_BYTES", MEDIA_MAX_BYTES)),
            # Media: a folder under the instance (`folder`, the default) or an S3-compatible
            # bucket (`s3`: MEDIA_S3_BUCKET, and MEDIA_S3_ENDPOINT for MinIO and the like),
            # which web and worker hosts share.
            "MEDIA_STORE": env.get("MEDIA_STORE", "folder").strip().lower() or "folder",
            "MEDIA_FOLDER": env.get("MEDIA_FOLDER", str(folder / "media")),
            "MEDIA_S3_BUCKET": env.get("MEDIA_S3_BUCKET", ""),
            "MEDIA_S3_PREFIX": env.get("MEDIA_S3_PREFIX", ""),
            "MEDIA_S3_ENDPOINT": env.get("MEDIA_S3_ENDPOINT", ""),
            "MEDIA_S3_REGION": env.get("MEDIA_S3_REGION", ""),
            "MAX_FORM_MEMORY_SIZE": MAX_FORM_MEMORY_SIZE,
            # Behind https the session cookie never travels in the clear.
            "SESSION_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", https),
            # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none,
            # so those headers are ignored).
            "PLANNER_TRUSTED_PROXIES": int(env.get("PLANNER_TRUSTED_PROXIES", "0")),
            # Webhook and Mastodon targets must be public addresses unless this is on (tests,
            # on-premise targets).
            "PUBLISH_ALLOW_PRIVATE_TARGETS": _flag(env, "PUBLISH_ALLOW_PRIVATE_TARGETS"),
            # Keys that encrypt publisher secrets (Fernet), newest first; default: derived
            # from SECRET_KEY. Rotation: put the new key first, run `planner secrets
            # reencrypt`, then drop the old one.
            "PLANNER_SECRETS_KEYS": env.get("PLANNER_SECRETS_KEYS", ""),
            # Host names the site answers to; when set, a request for another Host gets a 400
            # (Flask's TRUSTED_HOSTS). Without SERVER_NAME, feeds trust only these.
            "TRUSTED_HOSTS": [
                h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()
            ]
            or None,
            # Notification mail. Without MAIL_SERVER, mail goes to the log (the console
            # backend), so a trial needs no mail server. MAIL_USE_TLS: STARTTLS on MAIL_PORT.
            "MAIL_SERVER": env.get("MAIL_SERVER", "").strip(),
            "MAIL_PORT": int(env.get("MAIL_PORT", "587" if _flag(env, "MAIL_USE_TLS") else "25")),
            "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
            "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
            "MAIL_USE_TLS": _flag(env, "MAIL_USE_TLS"),
            "MAIL_FROM": env.get("MAIL_FROM", "Planner <planner@localhost>"),
            # The local hour (workspace timezone) after which each member's daily digest goes.
            "NOTIFY_DIGEST_HOUR": int(env.get("NOTIFY_DIGEST_HOUR", "8")),
            # Sign-in attempts per e-mail address and per client address.
            "LOGIN_LIMIT": env.get("LOGIN_LIMIT", "10 per 15 minutes"),
            "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "50 per hour"),
        }
    )
    if settings["MEDIA_STORE"] not in ("folder", "s3"):
        raise ConfigurationError(
            f"MEDIA_STORE={settings['MEDIA_STORE']!r}: use 'folder' (the default) or 's3'"
        )
    if settings["MEDIA_STORE"] == "s3" and not settings["MEDIA_S3_BUCKET"]:
        raise ConfigurationError("MEDIA_STORE=s3 needs MEDIA_S3_BUCKET (the bucket's name)")
    return settings
