"""Logging helpers: the path as logged, and the ini files' ``[handlers]`` and ``[formatters]`` sections'."""

import logging
import os
import time
from urllib.parse import quote


def logged_path(request) -> str:
    """The path as the client sent it, every byte that is not printable ASCII
    percent-encoded: a path need not be UTF-8 (WebOb's ``request.path`` then raises),
    and a decoded line break must not start a forged log line."""
    environ = request.environ
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
    return quote(raw, safe="/:@!$&'()*+,;=-._~")


# Every printable ASCII character but "%" (and the space) stands as itself in a logged text.
_PRINTABLE = "".join(chr(c) for c in range(33, 127) if chr(c) != "%")


def logged_text(text: str, limit: int = 64) -> str:
    """A text a client sent (a user name), as logged: at most ``limit`` characters, every
    byte that is not printable ASCII percent-encoded (a line break cannot forge a line)."""
    return quote(text[:limit].encode("utf-8", "backslashreplace"), safe=_PRINTABLE)


class FileHandler(logging.FileHandler):
    """A FileHandler that creates the log file's folder (``var/`` on a fresh clone)."""

    def __init__(self, filename, mode="a", encoding="utf-8", delay=False):
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        super().__init__(filename, mode, encoding, delay)


class Formatter(logging.Formatter):
    """logging's Formatter, the same lines, but the date and time to the second made
    once a second rather than for every line (``time.strftime`` was a sixth of the
    request log line's cost under load)."""

    _second = (None, "")

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging.Formatter's name)
        if datefmt:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime(self.default_time_format, self.converter(second)))
        return self.default_msec_format % (cached[1], record.msecs)
