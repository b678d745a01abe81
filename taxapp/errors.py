"""The failures an action can answer, and the start-up failure; no Pyramid import, so forms can raise them.

An action's failure status is its success status + 1 (docs/api.md): the exception
carries only the messages and the HTTP status, the status comes from the route.
"""

import sys
from typing import NamedTuple


class Problem(NamedTuple):
    """What is wrong, for the pages to say it in plain words next to the field concerned
    (``taxapp.views.pages``): the field (None: the request as a whole), the kind of
    problem, and the value the words need (a simulation's number, a limit)."""

    field: str | None
    kind: str
    value: str = ""


class ActionFailed(Exception):
    """The action refuses the request: ``messages`` go to the client as they are,
    with ``headers`` added to the answer; ``problems`` say the same for the pages."""

    def __init__(self, messages, http_status: int = 400, headers: dict | None = None, problems=()):
        super().__init__(messages)
        self.messages = messages
        self.http_status = http_status
        self.headers = headers or {}
        self.problems = tuple(problems)


class BodyRefused(ActionFailed):
    """The POST body is refused before anything reads it: its values are never shown back."""


class PayloadTooLarge(BodyRefused):
    """The POST body is over the action's limit (HTTP 413)."""

    def __init__(self, limit: int):
        super().__init__(
            [f"The POST body is larger than {limit} bytes"], http_status=413, problems=[Problem(None, "too-large")]
        )


FORM_BODY_MESSAGE = "The POST body must be a form of type application/x-www-form-urlencoded, in UTF-8"


class NotAUtf8Form(BodyRefused):
    """A form action's body is multipart, of another type, or in another charset."""

    def __init__(self):
        super().__init__([FORM_BODY_MESSAGE], problems=[Problem(None, "not-a-form")])


class StartupError(Exception):
    """The application cannot start: one clear line, a chosen exit status (``exit_code``), no traceback."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def exit_with(error: StartupError, program: str = "taxapp"):
    """End the process with the error's one line on stderr and its exit status."""
    print(f"{program}: {error}", file=sys.stderr)  # noqa: T201 (the one line an operator reads)
    raise SystemExit(error.exit_code) from None
