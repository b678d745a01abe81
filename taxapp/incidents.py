"""Incidents: unexpected errors get an id, a log entry with the traceback, and a mail.

The mail goes to the administrator set by ``taxapp.mail.*``; with no host it is not
sent. Every incident is in the log; the mail is the alarm, bounded so that a burst
of failures cannot flood the administrator nor weigh on the requests:

- at most one mail per ``taxapp.mail.min_interval`` seconds (default 60) for one
  kind of incident (the exception's class and the route it happened on); the
  incidents held back meanwhile are counted, and the next mail of that kind says
  how many there were (those still held when the process stops get a last mail);
- mails wait in a bounded queue (``taxapp.mail.queue_size``, default 100) sent by
  one thread: the standard library's ``QueueHandler``/``QueueListener``, started at
  the first incident and stopped when the process exits. A request only puts a
  record on the queue, never waits: a full queue drops the mail and counts it, said
  in the next mail. The sending itself is ``send_mail`` rather than
  ``logging.handlers.SMTPHandler``, which does STARTTLS only with a login, has no
  SSL mode and no certificate check (``taxapp.mail.tls`` needs all three);
- a failure to send is logged, never raised.
"""

from __future__ import annotations

import atexit
import logging
import queue
import secrets
import smtplib
import ssl
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from logging.handlers import QueueHandler, QueueListener

from pyramid.settings import asbool

from .logs import logged_path

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
    def from_settings(cls, settings: dict) -> MailSettings | None:
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
        log.error("could not mail the administrator: %s: %s", type(error).__name__, error)  # noqa: TRY400 (one line: a mail failure is not a bug)
        return False


def mail_administrator(settings: dict, subject: str, body: str) -> bool:
    """Send now (used at start-up, where there is no request to keep fast)."""
    mail = MailSettings.from_settings(settings)
    return send_mail(mail, subject, body) if mail else False


class MailHandler(logging.Handler):
    """Sends each record as one mail, in the listener's thread; once the process is
    stopping and its ``deadline`` passed, the mails left are logged as not sent."""

    def __init__(self, mail: MailSettings):
        super().__init__()
        self.mail = mail
        self.deadline = None

    def emit(self, record):
        if self.deadline is not None and time.monotonic() > self.deadline:
            log.error("incident mail not sent, the process is stopping: %s", record.subject)
            return
        send_mail(self.mail, record.subject, record.getMessage())


class BoundedQueueHandler(QueueHandler):
    """Puts records on a bounded queue and never waits: a full queue drops them, counted."""

    def __init__(self, queue_):
        super().__init__(queue_)
        self.dropped = 0  # changed under the handler's lock, which ``handle`` holds

    def enqueue(self, record):
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


class MailQueueListener(QueueListener):
    """The sending thread; at stop, its sentinel waits for room rather than fail on a full queue."""

    def enqueue_sentinel(self):
        self.queue.put(self._sentinel)


@dataclass
class _Kind:
    """What has been mailed of one kind of incident."""

    mailed_at: float  # time.monotonic() of its last mail
    mailed_on: datetime
    held: int = 0  # incidents not mailed since
    ids: list[str] = field(default_factory=list)  # the first few of them, for the log


class IncidentMails:
    """The administrator's incident mails: at most one a kind per interval, from a bounded queue."""

    HELD_IDS = 5

    def __init__(self, mail: MailSettings, min_interval: float = 60.0, queue_size: int = 100):
        self.min_interval = min_interval
        self._handler = MailHandler(mail)
        self._queue = BoundedQueueHandler(queue.Queue(queue_size))
        self._listener = MailQueueListener(self._queue.queue, self._handler)
        self._kinds: dict[tuple[str, str], _Kind] = {}
        self._lock = threading.Lock()
        self._running = False

    def report(self, kind: tuple[str, str], incident_id: str, body: str) -> None:
        """Queue the incident's mail, or count it if its kind was mailed less than the interval ago."""
        now = time.monotonic()
        with self._lock:
            previous = self._kinds.get(kind)
            if previous is not None and now < previous.mailed_at + self.min_interval:
                previous.held += 1
                if len(previous.ids) < self.HELD_IDS:
                    previous.ids.append(incident_id)
                return
            self._kinds[kind] = _Kind(now, datetime.now(UTC))
            self._start()
        if previous is not None and previous.held:
            body += "\n\n" + self._held_text(previous)
        self._send(f"incident {incident_id}", body)

    def _held_text(self, kind: _Kind) -> str:
        ids = ", ".join(kind.ids) + (", …" if kind.held > len(kind.ids) else "")
        return (
            f"and {kind.held} more incidents of this kind since {kind.mailed_on:%Y-%m-%d %H:%M:%S} UTC, "
            f"not mailed (one mail a kind every {self.min_interval:g} s; all are in the log): {ids}"
        )

    def _send(self, subject: str, body: str) -> None:
        with self._queue.lock:  # the handler's (re-entrant) lock: ``dropped`` read and reset at once
            dropped, self._queue.dropped = self._queue.dropped, 0
            if dropped:
                body += f"\n\n{dropped} incident mails were dropped before this one: the mail queue was full."
            self._queue.handle(logging.makeLogRecord({"msg": body, "subject": subject, "levelno": logging.ERROR}))
            if self._queue.dropped:  # this one was dropped too: keep the count for the next
                self._queue.dropped += dropped

    def _start(self) -> None:
        if not self._running:
            self._listener.start()
            self._running = True
            atexit.register(self.stop)

    def stop(self, timeout: float = 5.0) -> None:
        """Mail what is still held, send what is queued for up to ``timeout`` seconds, end the thread."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            held = [(kind, state) for kind, state in self._kinds.items() if state.held]
        for (exception, where), state in held:
            self._send(f"incidents {exception} on {where}", f"{exception} on {where}:\n" + self._held_text(state))
        self._handler.deadline = time.monotonic() + timeout
        self._listener.stop()
        atexit.unregister(self.stop)


def incident_kind(request, exc: BaseException) -> tuple[str, str]:
    """(exception class, route): incidents of one kind share a mail per interval."""
    route = getattr(request, "matched_route", None)
    return f"{type(exc).__module__}.{type(exc).__qualname__}", route.name if route else "no route"


def report_incident(request, incident_id: str, exc: BaseException) -> None:
    """Log the incident with its traceback, and mail it through the bounded queue."""
    traceback_text = "".join(traceback.format_exception(exc))
    path = logged_path(request)
    log.error("incident %s on %s %s\n%s", incident_id, request.method, path, traceback_text)
    mails = request.registry.get("taxapp.incident_mails")
    if mails is not None:
        kind = incident_kind(request, exc)
        body = f"incident {incident_id}\n{request.method} {path}\n{kind[0]} on {kind[1]}\n\n{traceback_text}"
        mails.report(kind, incident_id, body)


def includeme(config):
    settings = config.get_settings()
    mail = MailSettings.from_settings(settings)
    config.registry["taxapp.incident_mails"] = mail and IncidentMails(
        mail,
        min_interval=float(settings.get("taxapp.mail.min_interval", 60)),
        queue_size=int(settings.get("taxapp.mail.queue_size", 100)),
    )
