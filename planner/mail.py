"""Sending one e-mail: through SMTP (MAIL_SERVER and friends), or to the log when no server is
configured (the console backend), so a trial machine needs no mail server.

Only the standard library: `email.message.EmailMessage` and `smtplib`. The Message-ID comes
from the caller's idempotency key, so a mail that a retry still sends twice is one message to
mail clients that deduplicate.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The mail server refused the mail or could not be reached; the job may retry."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    # What makes the Message-ID (e.g. "notification-42"): the same mail, the same id.
    key: str


def backend(config: Mapping[str, Any]) -> str:
    """'smtp' when MAIL_SERVER is set, else 'console'."""
    return "smtp" if str(config.get("MAIL_SERVER") or "").strip() else "console"


def message(config: Mapping[str, Any], mail: Mail) -> EmailMessage:
    built = EmailMessage()
    built["From"] = str(config.get("MAIL_FROM") or "Planner <planner@localhost>")
    built["To"] = mail.to
    # Header values cannot hold line breaks; a subject is one line.
    built["Subject"] = " ".join(mail.subject.split())
    built["Message-ID"] = make_msgid(idstring=mail.key, domain="planner.invalid")
    built["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    built.set_content(mail.body)
    return built


def send(config: Mapping[str, Any], mail: Mail) -> None:
    """Send the mail now; MailNotSent when the server refuses it or does not answer."""
    built = message(config, mail)
    if backend(config) == "console":
        log.info(
            "mail=console to=%s subject=%r key=%s\n%s",
            mail.to,
            built["Subject"],
            mail.key,
            mail.body,
        )
        return
    server = str(config["MAIL_SERVER"]).strip()
    port = int(config.get("MAIL_PORT") or 25)
    try:
        with smtplib.SMTP(server, port, timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
            smtp.send_message(built)
    except (OSError, smtplib.SMTPException) as error:
        # Never the password: only what the server said.
        raise MailNotSent(
            f"the mail server {server}:{port} did not take the mail: {error}"
        ) from error
    log.info("mail=smtp to=%s key=%s outcome=sent", mail.to, mail.key)
