"""Incidents: unexpected errors get an id, a log entry with the traceback, and a mail.

The mail goes to the administrator set by ``taxapp.mail.*``; with no host it is not
sent. Sending never breaks an answer: it runs in a background thread for requests,
and a failure to send is logged, not raised.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from pyramid.settings import asbool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    tls: str  # none | starttls | ssl
    user: str
    password: str
    sender: str
    recipient: str
    subject: str

    @classmethod
    def from_settings(cls, settings: dict) -> "MailSettings | None":
        host = (settings.get("taxapp.mail.host") or "").strip()
        if not host:
            return None
        tls = (settings.get("taxapp.mail.tls") or "none").strip().lower()
        if asbool(tls):  # "true"/"yes" read as STARTTLS
            tls = "starttls"
        return cls(
            host=host,
            port=int(settings.get("taxapp.mail.port") or 25),
            tls=tls if tls in ("starttls", "ssl") else "none",
            user=(settings.get("taxapp.mail.user") or "").strip(),
            password=settings.get("taxapp.mail.password") or "",
            sender=(settings.get("taxapp.mail.from") or "taxapp@localhost").strip(),
            recipient=(settings.get("taxapp.mail.to") or "").strip(),
            subject=(settings.get("taxapp.mail.subject") or "[taxapp] incident").strip(),
        )


def new_incident_id() -> str:
    """A short random id, quoted to the client and written to the log."""
    return secrets.token_hex(4)


def send_mail(mail: MailSettings, subject: str, body: str) -> bool:
    """Send one mail now; log and return False on any failure."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = f"{mail.subject} {subject}"
    message.set_content(body)
    try:
        if mail.tls == "ssl":
            smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=10, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=10)
        with smtp:
            if mail.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if mail.user:
                smtp.login(mail.user, mail.password)
            smtp.send_message(message)
        return True
    except Exception as error:  # a mail failure must never become the answer
        log.error("could not mail the administrator: %s: %s", type(error).__name__, error)
        return False


def mail_administrator(settings: dict, subject: str, body: str) -> bool:
    """Send now (used at start-up, where there is no request to keep fast)."""
    mail = MailSettings.from_settings(settings)
    return send_mail(mail, subject, body) if mail else False


def report_incident(request, incident_id: str, traceback_text: str) -> None:
    """Log the incident and mail it in the background."""
    log.error(
        "incident %s on %s %s\n%s", incident_id, request.method, request.path, traceback_text
    )
    mail = request.registry.get("taxapp.mail")
    if mail is not None:
        body = f"incident {incident_id}\n{request.method} {request.path}\n\n{traceback_text}"
        threading.Thread(
            target=send_mail, args=(mail, f"incident {incident_id}", body), name="incident-mail", daemon=True
        ).start()


def includeme(config):
    config.registry["taxapp.mail"] = MailSettings.from_settings(config.get_settings())
