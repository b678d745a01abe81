"""The failures an action can answer; no Pyramid import, so forms can raise them.

An action's failure status is its success status + 1 (contract §1): the exception
carries only the messages and the HTTP status, the status comes from the route.
"""


class ActionFailed(Exception):
    """The action refuses the request: ``messages`` go to the client as they are,
    with ``headers`` added to the answer."""

    def __init__(self, messages, http_status: int = 400, headers: dict | None = None):
        super().__init__(messages)
        self.messages = messages
        self.http_status = http_status
        self.headers = headers or {}


class PayloadTooLarge(ActionFailed):
    """The POST body is over the action's limit (HTTP 413)."""

    def __init__(self, limit: int):
        super().__init__([f"The POST body is larger than {limit} bytes"], http_status=413)
