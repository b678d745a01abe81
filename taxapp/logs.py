"""Logging helpers: the path as logged, and the ini files' ``[handlers]`` sections'."""

import logging
import os
from urllib.parse import quote


def logged_path(request) -> str:
    """The path as the client sent it, every byte that is not printable ASCII
    percent-encoded: a path need not be UTF-8 (WebOb's ``request.path`` then raises),
    and a decoded line break must not start a forged log line."""
    environ = request.environ
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
    return quote(raw, safe="/:@!$&'()*+,;=-._~")


class FileHandler(logging.FileHandler):
    """A FileHandler that creates the log file's folder (``var/`` on a fresh clone)."""

    def __init__(self, filename, mode="a", encoding="utf-8", delay=False):
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        super().__init__(filename, mode, encoding, delay)
