"""Styles and images are served by taxapp itself, cache-busted by their content."""

import re

import pytest

from taxapp.routes import static_fingerprint
from tests.functional.test_html import BROWSER


def test_pages_link_fingerprinted_static_files_that_cache_for_a_year(testapp):
    page = testapp.get("/init-session/html").text
    (href,) = re.findall(r'href="(/static/taxapp\.css[^"]*)"', page)
    assert href == f"/static/taxapp.css?x={static_fingerprint()}"
    css = testapp.get(href)
    assert css.content_type == "text/css" and "max-age=31536000" in css.headers["Cache-Control"]
    assert "Set-Cookie" not in css.headers


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # FROB, on purpose
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "TRACE", "PATCH", "OPTIONS", "FROB"])
@pytest.mark.parametrize("path", ["/static/taxapp.css", "/static/favicon.svg", "/static/nothing-here.css"])
def test_static_files_take_only_get_and_head(testapp, method, path):
    """They answered every method with 200 (TRACE and unknown ones too)."""
    resp = testapp.request(path, method=method, status=405)
    assert resp.headers["Allow"] == "GET, HEAD" and resp.content_type == "text/plain"
    assert resp.text == "405 Method Not Allowed: use GET\n" and "Set-Cookie" not in resp.headers
    page = testapp.request(path, method=method, headers=BROWSER, status=405)  # a browser's: the 405 page
    assert page.content_type == "text/html" and page.headers["Allow"] == "GET, HEAD"
    assert testapp.head("/static/taxapp.css").status_int == 200
