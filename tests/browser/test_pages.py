"""A person in a real browser: the walkthrough, a refresh, the keyboard only (issue 4)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def sign_in(page, user="admin", password="admin"):
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def calculate(page, married, children, salary):
    page.get_by_role("radio", name="Yes" if married else "No").check()
    page.get_by_label("Number of dependent children").fill(str(children))
    page.get_by_label("Annual net salary, in euros").fill(str(salary))
    page.get_by_role("button", name="Calculate").click()


def menu(page):
    return page.get_by_role("navigation", name="Main menu").get_by_role("link")


def rows(page):
    return page.locator("table tbody tr")


def tax_to_pay(page):
    return page.locator(".result .tax-amount strong")


def assert_no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"


def test_walkthrough(page, shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/init-session/html$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("navigation")).to_have_count(0)
    # taxapp's style sheet is applied (served by taxapp, allowed by the page's policy)
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(17, 27, 51)")
    shot(page, "01-login")

    sign_in(page, "admin", "not the password")
    expect(page.locator("#errors")).to_contain_text("The user name or the password is not right")
    expect(page.get_by_label("User name")).to_have_value("admin")
    expect(page.get_by_label("Password")).to_have_value("")
    shot(page, "02-login-failed")

    sign_in(page)
    expect(page).to_have_url(re.compile(r"/display-tax-calculation$"))
    expect(menu(page)).to_have_text(["List of simulations", "End session"])
    expect(page.locator(".result")).to_have_count(0)
    shot(page, "03-tax-form")

    calculate(page, True, 2, 55555)
    expect(page).to_have_url(re.compile(r"/display-tax-calculation\?id=1$"))
    expect(tax_to_pay(page)).to_have_text("€2,814")
    result = page.locator(".result")
    expect(result).to_contain_text("Result of simulation #1")
    expect(result.locator("div", has_text="Marginal rate").locator(".value")).to_have_text("14%")
    expect(result.locator("div", has_text="Number of shares").locator(".value")).to_have_text("3")
    expect(page.get_by_label("Annual net salary, in euros")).to_have_value("55555")
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    shot(page, "04-tax-result")

    calculate(page, True, 2, 50000)
    expect(page).to_have_url(re.compile(r"\?id=2$"))
    expect(tax_to_pay(page)).to_have_text("€1,384")
    expect(page.locator(".result div", has_text="Discount").locator(".value")).to_have_text("€384")
    expect(page.locator(".result div", has_text="Reduction").locator(".value")).to_have_text("€347")
    shot(page, "05-tax-result-with-discount")

    menu(page).filter(has_text="List of simulations").click()
    expect(page).to_have_url(re.compile(r"/list-simulations$"))
    expect(rows(page)).to_have_count(2)
    expect(menu(page)).to_have_text(["Tax calculation", "End session"])
    expect(rows(page).nth(1).locator("td").nth(3)).to_have_text("€2,814")  # newest first
    shot(page, "06-list")

    page.get_by_role("link", name="Delete simulation 1").click()
    expect(page).to_have_url(re.compile(r"/list-simulations$"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).nth(0).locator("th")).to_have_text("2")
    shot(page, "07-list-after-delete")

    page.get_by_role("link", name="Delete simulation 2").click()
    expect(page.get_by_text("Your list of simulations is empty")).to_be_visible()
    shot(page, "08-list-empty")

    menu(page).filter(has_text="End session").click()
    expect(page).to_have_url(re.compile(r"/init-session/html$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    # the session is over: the pages need a new sign-in
    page.goto("/list-simulations")
    expect(page.locator("#errors")).to_contain_text("You are not signed in")
    expect(menu(page)).to_have_text(["Tax calculation", "List of simulations", "End session"])
    shot(page, "09-error-signed-out")


def test_a_refresh_does_not_repeat_a_calculation(page, shot):
    page.goto("/")
    sign_in(page)
    calculate(page, False, 0, 30000)
    expect(page).to_have_url(re.compile(r"\?id=1$"))
    page.reload()
    expect(page).to_have_url(re.compile(r"\?id=1$"))
    expect(page.locator(".result h2")).to_have_text("Result of simulation #1")
    page.go_back()  # the empty form that was posted: no repost either
    expect(page).to_have_url(re.compile(r"/display-tax-calculation$"))
    page.go_forward()
    page.reload()
    page.goto("/list-simulations")
    expect(rows(page)).to_have_count(1)
    page.reload()
    expect(rows(page)).to_have_count(1)


def test_form_errors_and_the_error_page(page, shot):
    page.goto("/")
    sign_in(page)
    calculate(page, True, "two", "1 00")
    summary = page.locator("#errors")
    expect(summary).to_contain_text("Enter the number of children as a whole number from 0 to 20.")
    expect(summary).to_contain_text("Enter the salary as a whole number of euros from 0 to 1,000,000,000")
    expect(page.get_by_label("Number of dependent children")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Annual net salary, in euros")).to_have_value("1 00")
    shot(page, "01-tax-form-errors")

    page.goto("/delete-simulation/42")
    expect(page.locator("#errors")).to_contain_text("Simulation #42 does not exist")
    expect(menu(page)).to_have_count(3)
    shot(page, "02-error-page")

    page.set_viewport_size({"width": 380, "height": 700})
    page.goto("/display-tax-calculation")
    calculate(page, True, 3, 100000)
    expect(page.locator(".result")).to_be_visible()
    assert_no_sideways_scroll(page)
    shot(page, "03-phone-tax-result")
    page.goto("/list-simulations")
    assert_no_sideways_scroll(page)  # the simulations are cards
    shot(page, "04-phone-list")


def test_keyboard_only(page, shot):
    page.goto("/")
    focused = "document.activeElement.id"
    assert page.evaluate(focused) == "user"  # autofocus
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "password"
    page.keyboard.type("admin")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/display-tax-calculation$"))

    # the first Tab reaches the skip link, shown with a visible focus ring
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline == "solid 3px"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="No")).to_be_focused()  # the checked radio of the group
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Number of dependent children")).to_be_focused()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("55555")
    shot(page, "01-focus-on-salary", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?id=1$"))
    expect(tax_to_pay(page)).to_have_text("€2,814")
    shot(page, "02-result")
