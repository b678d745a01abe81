"""The real app behind a real waitress server, driven by Debian's chromium through Playwright.

One server and one browser per module; each test has its own browser context (its
own cookies: one person, one session). Chromium is Debian's ``/usr/bin/chromium``,
never a downloaded browser. Without it the tests skip, except under ``CI=true``.
"""

import os
import pathlib
import threading

import pytest

from tests.conftest import IN_CI, ROOT

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


@pytest.fixture(scope="module")
def base_url(app):
    """The app served by waitress on a free port of 127.0.0.1."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    for channel in list(server._map.values()):  # open keep-alive connections
        channel.handle_close()
    server.task_dispatcher.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
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
    """A new browser context (no cookies) on a 1000 px wide window.

    Everything a page loads must load: a resource refused by the page's
    Content-Security-Policy, a missing file or a script error fails the test (pages
    themselves may be 400 or 401: failed actions answer so).
    """
    context = browser.new_context(base_url=base_url, viewport={"width": 1000, "height": 720})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error"
        and not message.text.startswith("Failed to load resource")  # reported below, with its URL
        and problems.append(message.text),
    )
    page.on(
        "response",
        lambda response: response.request.resource_type != "document"
        and response.status >= 400
        and problems.append(f"{response.status} {response.url}"),
    )
    page.on(
        "requestfailed",
        lambda request: request.failure != "net::ERR_ABORTED"  # cut short by the next navigation
        and problems.append(f"{request.failure} {request.url}"),
    )
    yield page
    context.close()
    assert problems == [], f"browser console errors: {problems}"


@pytest.fixture
def shot(request):
    """shot(page, "name"): a full-page screenshot in test-artifacts/browser/<test>-<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.removeprefix("test_")

    def save(page, name, full_page=True):
        path = ARTIFACTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
