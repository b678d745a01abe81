import pytest

from taxapp.renderers.xml import DECLARATION


def start(testapp, response_type="json", login=True):
    """init-session, then a login for JSON and XML (an HTML login needs the CSRF token)."""
    testapp.get(f"/init-session/{response_type}")
    if login:
        testapp.post("/authenticate-user", {"user": "admin", "password": "admin"}, status="*")
    return testapp


def parse_xml(text):
    """The XML answer as (root element), after checking the contract's framing."""
    from defusedxml.ElementTree import fromstring

    assert text.startswith(DECLARATION)
    body = text[len(DECLARATION) :]
    assert "\n" not in body and body.startswith("<root>") and body.endswith("</root>")
    return fromstring(body)


@pytest.fixture
def json_client(testapp):
    return start(testapp, "json")


@pytest.fixture
def xml_client(testapp):
    return start(testapp, "xml")


@pytest.fixture(params=["json", "xml"])
def fmt(request):
    """Each test with it runs in both formats of programs."""
    return request.param


@pytest.fixture
def client(testapp, fmt):
    """A signed-in session of type ``fmt``."""
    return start(testapp, fmt)
