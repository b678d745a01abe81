"""The real app behind a real waitress server, driven by Debian's chromium through Playwright.

One server and one browser for the whole run; each test has its own browser context
(its own cookies: one person, one session). Chromium is Debian's ``/usr/bin/chromium``,
never a downloaded browser. Without it the tests skip, except under ``CI=true``.
axe-core (npm, installed by ``make test`` in tests/browser/node_modules) checks
every page and state for accessibility problems.
"""

import os
import pathlib

import pytest

from tests.conftest import IN_CI, ROOT, LiveServer

CHROMIUM = os.environ.get("TAXAPP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# TAXAPP_DOCS_SCREENSHOTS=1: the screenshots of docs/screenshots/ are made again
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def base_url(app):
    """The app served by waitress on a free port of 127.0.0.1."""
    with LiveServer(app, threads=4) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true: the browser tests must run")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    """A new browser context (no cookies) on a 1000 px wide window, in English."""
    yield from _page(browser, base_url, {"width": 1000, "height": 720}, "en-GB")


def _page(browser, base_url, viewport, locale):
    """A new browser context (no cookies): its window and language.

    Everything a page loads must load: a resource refused by the page's
    Content-Security-Policy, a missing file or a script error fails the test (pages
    themselves may be 400 or 401: failed actions answer so).
    """
    context = browser.new_context(base_url=base_url, viewport=viewport, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")  # reported below, with its URL
            and problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.request.resource_type != "document"
            and response.status >= 400
            and problems.append(f"{response.status} {response.url}")
        ),
    )
    page.on(
        "requestfailed",
        lambda request: (
            request.failure != "net::ERR_ABORTED"  # cut short by the next navigation
            and problems.append(f"{request.failure} {request.url}")
        ),
    )
    yield page
    context.close()
    assert problems == [], f"browser console errors: {problems}"


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(
    params=[("en-GB", DESKTOP), ("fr-FR", DESKTOP), ("en-GB", PHONE), ("fr-FR", PHONE)],
    ids=["en-desktop", "fr-desktop", "en-phone", "fr-phone"],
)
def person(request, browser, base_url):
    """A page of a person in each language, on a computer and on a phone (390×844)."""
    locale, viewport = request.param
    for page in _page(browser, base_url, viewport, locale):
        page.language = locale[:2]
        page.phone = viewport is PHONE
        yield page


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make test installs it (cd tests/browser && npm install)")
    return AXE.read_text()


@pytest.fixture
def axe(axe_source):
    """axe(page, "state"): axe-core's violations on the page as it is now, asserted none.

    axe is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy (no script at all) does not apply to."""

    def check(page, state):
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)"
        )
        assert violations == [], f"axe-core on {state} ({page.url}): {violations}"

    return check


@pytest.fixture
def shot(request):
    """shot(page, "name"): a full-page screenshot in test-artifacts/browser/<test>-<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.removeprefix("test_")

    def save(page, name, full_page=True, docs=False):
        path = ARTIFACTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if docs and os.environ.get("TAXAPP_DOCS_SCREENSHOTS"):
            DOCS_SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=False, scale="css")
        return path

    return save
