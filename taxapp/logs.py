"""Logging helpers used from the ini files' ``[handlers]`` sections."""

import logging
import os


class FileHandler(logging.FileHandler):
    """A FileHandler that creates the log file's folder (``var/`` on a fresh clone)."""

    def __init__(self, filename, mode="a", encoding="utf-8", delay=False):
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        super().__init__(filename, mode, encoding, delay)
