"""Reading answers the same way in JSON and XML, so each test runs in both formats."""

import json

from tests.functional.conftest import parse_xml


def _scalar(value):
    """The text of a value in XML (docs/api.md): null is empty, booleans as in JSON."""
    return "" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


def as_read_from_xml(response):
    """A JSON ``response`` as it reads back from the XML answer: a list of items."""
    items = response if isinstance(response, list) else [response]
    return [{k: _scalar(v) for k, v in item.items()} if isinstance(item, dict) else _scalar(item) for item in items]


def read(resp, fmt):
    """(action, status, response) of an answer; for XML the response as a list of items."""
    if fmt == "json":
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        body = resp.json
        assert list(body) == ["action", "status", "response"]
        return body["action"], body["status"], body["response"]
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = parse_xml(resp.text)
    assert [child.tag for child in root][:2] == ["action", "status"]
    items = [
        {c.tag: c.text or "" for c in element} if len(element) else (element.text or "")
        for element in root.findall("response")
    ]
    return root.findtext("action"), int(root.findtext("status")), items


def check(resp, fmt, action, status, response, http=None):
    """The answer is exactly this result (and HTTP status), in either format."""
    if http is not None:
        assert resp.status_int == http
    expected = response if fmt == "json" else as_read_from_xml(response)
    assert read(resp, fmt) == (action, status, expected)


# The keys of get-admindata without ?year=, in order (docs/api.md), written here apart from the code.
ADMINDATA_KEYS = [
    "limits",
    "coeffr",
    "coeffn",
    "qf_half_share_cap",
    "single_income_ceiling_for_reduction",
    "couple_income_ceiling_for_reduction",
    "half_share_reduction_value",
    "single_discount_ceiling",
    "couple_discount_ceiling",
    "single_tax_ceiling_for_discount",
    "couple_tax_ceiling_for_discount",
    "max_10_percent_allowance",
    "min_10_percent_allowance",
    "tax_year",
]


def batch(client, body, **kw):
    """calculate-taxes with ``body``: a list (sent as JSON) or the body's text as it is."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return client.post("/calculate-taxes", body, content_type="application/json", **kw)
