"""Styles and images are served by taxapp itself, cache-busted by their content."""

import re

from taxapp.routes import static_fingerprint


def test_pages_link_fingerprinted_static_files_that_cache_for_a_year(testapp):
    page = testapp.get("/init-session/html").text
    (href,) = re.findall(r'href="(/static/taxapp\.css[^"]*)"', page)
    assert href == f"/static/taxapp.css?x={static_fingerprint()}"
    css = testapp.get(href)
    assert css.content_type == "text/css" and "max-age=31536000" in css.headers["Cache-Control"]
    assert "Set-Cookie" not in css.headers
