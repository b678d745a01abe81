"""Issue 12 as a person meets it, in French and in English, on a computer (1280×800)
and on a phone (390×844): each page and state checked by axe-core, with no violation.

Each test runs once per ``person`` (language × window); the texts a person reads are
in ``SAYS``, written here rather than read from the catalogue under test.
"""

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SAYS = {
    "en": {
        "sign in": "Sign in",
        "user": "User name",
        "password": "Password",
        "children": "Number of dependent children",
        "salary": "Annual net salary, in euros",
        "calculate": "Calculate",
        "yes": "Yes",
        "no": "No",
        "tax page": "Tax calculation",
        "list": "List of simulations",
        "end": "End session",
        "switch": "Français",
        "expired": "Your session has expired or was never started: sign in again.",
        "wrong": "The user name or the password is not right: type your password again.",
        "children 0-20": "Enter the number of children as a whole number from 0 to 20.",
        "children hint": "A whole number from 0 to 20, 0 if none.",
        "salary hint": "A whole number of euros from 0 to 1,000,000,000, for example 55 555.",
        "tax 2814": "€2,814",
        "empty": "Your list of simulations is empty",
        "deleted 1": "Simulation #1 deleted.",
        "delete 1": "Delete simulation 1",
        "not found": "Page not found",
        "no simulation 42": "Simulation #42 does not exist: it may have been deleted already.",
        "60 newest first": "60 simulations, newest first. Page 1 of 2.",
        "older": "Next page (older)",
        "newer": "Previous page (newer)",
    },
    "fr": {
        "sign in": "Se connecter",
        "user": "Identifiant",
        "password": "Mot de passe",
        "children": "Nombre d’enfants à charge",
        "salary": "Salaire annuel net, en euros",
        "calculate": "Calculer",
        "yes": "Oui",
        "no": "Non",
        "tax page": "Calcul de l’impôt",
        "list": "Simulations",
        "end": "Déconnexion",
        "switch": "English",
        "expired": "Votre session a expiré ou n’a jamais commencé : connectez-vous à nouveau.",
        "wrong": "L’identifiant ou le mot de passe est incorrect : saisissez à nouveau votre mot de passe.",
        "children 0-20": "Indiquez le nombre d’enfants : un nombre entier de 0 à 20.",
        "children hint": "Un nombre entier de 0 à 20, 0 si aucun.",
        "salary hint": "Un nombre entier d’euros de 0 à 1\u202f000\u202f000\u202f000, par exemple 55 555.",
        "tax 2814": "2\u202f814\u00a0€",
        "empty": "Votre liste de simulations est vide",
        "deleted 1": "Simulation n° 1 supprimée.",
        "delete 1": "Supprimer la simulation 1",
        "not found": "Page introuvable",
        "no simulation 42": "La simulation n° 42 n’existe pas : elle a peut-être déjà été supprimée.",
        "60 newest first": "60 simulations, la plus récente en premier. Page 1 sur 2.",
        "older": "Page suivante (plus anciennes)",
        "newer": "Page précédente (plus récentes)",
    },
}


def says(page, key):
    return SAYS[page.language][key]


def sign_in(page, user="admin", password="admin"):
    page.get_by_label(says(page, "user")).fill(user)
    page.get_by_label(says(page, "password")).fill(password)
    page.get_by_role("button", name=says(page, "sign in")).click()


def fill_in(page, married, children, salary):
    page.get_by_role("radio", name=says(page, "yes" if married else "no")).check()
    page.get_by_label(says(page, "children")).fill(str(children))
    page.get_by_label(says(page, "salary")).fill(str(salary))
    page.get_by_role("button", name=says(page, "calculate")).click()


def header_height(page):
    return page.locator(".site-header").bounding_box()["height"]


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_visit(person, axe, shot):
    """Points 1, 2, 5, 6 and 7: sign-in, errors, a result, the list, in one visit."""
    page = person
    # 1: a bookmarked page in a fresh browser leads to the sign-in page
    page.goto("/list-simulations")
    expect(page).to_have_url(re.compile(r"/init-session/html$"))
    expect(page.locator("html")).to_have_attribute("lang", page.language)
    expect(heading(page)).to_have_text(says(page, "sign in"))
    expect(page.locator("#user")).to_be_focused()
    heights = {"sign-in": header_height(page)}
    axe(page, "the sign-in page")
    shot(page, f"{page.language}-sign-in", docs=not page.phone)

    # 7: a failed sign-in: the message next to the password, and the focus there
    sign_in(page, "admin", "not the password")
    expect(page.locator("#password-error")).to_have_text(says(page, "wrong"))
    expect(page.locator("#password")).to_be_focused()
    expect(page.get_by_label(says(page, "user"))).to_have_value("admin")
    axe(page, "the failed sign-in")

    sign_in(page)
    expect(page).to_have_url(re.compile(r"/display-tax-calculation$"))
    heights["tax"] = header_height(page)
    expect(page.locator("#children-hint")).to_have_text(says(page, "children hint"))
    expect(page.locator("#salary-hint")).to_have_text(says(page, "salary hint"))
    axe(page, "the empty tax page")

    # 2: plain words next to the field, and the summary takes the focus
    fill_in(page, True, 21, "55 555,00")
    expect(page.locator("#children-error")).to_have_text(says(page, "children 0-20"))
    expect(page.get_by_label(says(page, "children"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(says(page, "salary"))).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#errors")).to_be_focused()
    expect(page.locator("#errors")).to_be_in_viewport()
    axe(page, "the tax page with errors")
    shot(page, f"{page.language}-tax-errors", docs=not page.phone)
    # the summary's link leads to the field
    page.locator("#errors a").first.click()
    expect(page.locator("#children")).to_be_focused()

    # 2 and 6: the salary as typed in French; the result is where the focus lands
    fill_in(page, True, 2, "55\u202f555,00")
    expect(page).to_have_url(re.compile(r"/display-tax-calculation\?id=1$"))
    expect(page.locator(".tax-amount strong")).to_have_text(says(page, "tax 2814"))
    expect(page.locator("#result")).to_be_focused()
    expect(page.locator("#result .tax-amount")).to_be_in_viewport()
    axe(page, "the tax page with a result")
    shot(page, f"{page.language}-{'phone-' if page.phone else ''}tax-result", docs=True)

    # 7: Back after signing in never shows the sign-in form
    page.go_back()
    page.go_back()
    page.go_back()  # the sign-in page that was left by signing in
    expect(page).to_have_url(re.compile(r"/display-tax-calculation"))
    expect(heading(page)).to_have_text(says(page, "tax page"))

    page.goto("/list-simulations")
    heights["list"] = header_height(page)
    expect(page.locator("tbody tr")).to_have_count(1)
    # 7: yes/no as words
    expect(page.locator("tbody td").first).to_have_text(says(page, "yes"))
    # 6: on a phone each simulation is a card: Tax and Delete in view, nothing sideways
    delete = page.get_by_role("link", name=says(page, "delete 1"))
    expect(delete).to_be_in_viewport()
    tax = page.locator("tbody td.tax")
    expect(tax).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    axe(page, "the full list")
    shot(page, f"{page.language}-{'phone-' if page.phone else ''}list", docs=True)

    # 6: the deletion is said on the list
    delete.click()
    expect(page.get_by_role("status")).to_have_text(says(page, "deleted 1"))
    expect(page.get_by_text(says(page, "empty"))).to_be_visible()
    axe(page, "the empty list")

    # 7: the header has one height on every page
    assert len(set(heights.values())) == 1, heights

    page.goto("/delete-simulation/42")
    if not page.phone:  # on a phone its menu of three takes two lines
        heights["error"] = header_height(page)
        assert len(set(heights.values())) == 1, heights
    expect(page.locator("#errors li")).to_have_text([says(page, "no simulation 42")])
    expect(page.locator("body")).not_to_contain_text("601")
    axe(page, "the error page")


def test_a_long_list_in_pages(person, axe):
    """A list longer than a page (50): newest first, a link to the older ones and back."""
    page = person
    page.goto("/")
    sign_in(page)
    # 60 simulations at once, through the API in the same session (the browser's cookies)
    taxpayers = [{"married": "no", "children": 0, "salary": 20000 + n} for n in range(60)]
    assert page.request.get("/init-session/json").status == 200
    assert page.request.post("/calculate-taxes", data=json.dumps(taxpayers)).status == 200
    assert page.request.get("/init-session/html").status == 200
    page.goto("/list-simulations")
    expect(page.locator(".lead")).to_have_text(says(page, "60 newest first"))
    expect(page.locator("tbody tr")).to_have_count(50)
    expect(page.locator("tbody th").first).to_have_text("60")
    expect(page.get_by_role("link", name=says(page, "newer"))).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    axe(page, "the first page of a long list")
    page.get_by_role("link", name=says(page, "older")).click()
    expect(page).to_have_url(re.compile(r"/list-simulations\?page=2$"))
    expect(page.locator("tbody tr")).to_have_count(10)
    expect(page.locator("tbody th").last).to_have_text("1")
    axe(page, "the last page of a long list")
    page.get_by_role("link", name=says(page, "newer")).click()
    expect(page).to_have_url(re.compile(r"/list-simulations$"))


def test_a_form_left_open_until_the_session_expired(person, axe, shot):
    """Point 1: the form posted after the session is gone gives the sign-in page, 400."""
    page = person
    page.goto("/")
    sign_in(page)
    page.context.clear_cookies()  # the session is gone (expired, or Redis lost it)
    with page.expect_response(re.compile(r"/calculate-tax$")) as answer:
        fill_in(page, False, 0, 30000)
    assert answer.value.status == 400
    expect(page.locator("#errors")).to_have_text(re.compile(re.escape(says(page, "expired"))))
    expect(page.locator("#errors")).to_be_focused()
    axe(page, "the expired-session page")
    shot(page, f"{page.language}-expired")
    sign_in(page)  # its form works
    expect(page).to_have_url(re.compile(r"/display-tax-calculation$"))


def test_404_and_the_language_switch(person, axe):
    """Points 3 and 5: a 404 page of the layout; the other language from any page."""
    page = person
    answer = page.goto("/no/such/page")
    assert answer.status == 404
    expect(heading(page)).to_have_text(says(page, "not found"))
    axe(page, "the 404 page")
    page.get_by_role("link", name=re.compile("home|accueil")).click()
    expect(page).to_have_url(re.compile(r"/init-session/html$"))
    other = "fr" if page.language == "en" else "en"
    switch = page.get_by_role("link", name=says(page, "switch"))
    expect(switch).to_have_attribute("lang", other)
    switch.click()
    page.language = other
    expect(page).to_have_url(re.compile(r"/init-session/html$"))
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(heading(page)).to_have_text(says(page, "sign in"))
    sign_in(page)
    page.goto("/list-simulations")  # kept in the session
    expect(heading(page)).to_have_text(says(page, "list"))


def test_back_and_reload_after_a_failure(person):
    """Point 4: typo → fix → Calculate → Back lands on the failed page, not on
    Chromium's "Confirm Form Resubmission"; Reload of it fails again, stores nothing."""
    page = person
    page.goto("/")
    sign_in(page, "admin", "typo")
    sign_in(page)
    fill_in(page, True, "2x", 55555)
    expect(page.locator("#children-error")).to_be_visible()
    fill_in(page, True, 2, 55555)
    expect(page).to_have_url(re.compile(r"\?id=1$"))
    answer = page.go_back()
    assert answer is None or answer.status == 400  # from the browser's cache
    expect(page).to_have_url(re.compile(r"/calculate-tax$"))
    expect(page.locator("#children-error")).to_be_visible()
    expect(page.get_by_label(says(page, "children"))).to_have_value("2x")
    answer = page.reload()  # posts the failed form again: refused again
    assert answer.status == 400 and answer.request.method == "POST"
    expect(page.locator("#children-error")).to_be_visible()
    page.goto("/list-simulations")
    expect(page.locator("tbody tr")).to_have_count(1)
