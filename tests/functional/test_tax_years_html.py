"""The tax page's year, rules and single-parent choices, and the year and rules on the pages."""

from tests.functional.test_html import alerts, checked, html_page, result_box, signed_in, text  # noqa: F401
from tests.functional.test_tax_years import official
from tests.tax.conftest import TAX_YEARS


def the_form(page):
    form = page.forms[0]
    assert form.action == "/calculate-tax"
    return form


def situation(soup):
    return [text(p) for p in soup.find("section", class_="result").find_all("p", class_="situation")]


def test_the_form_offers_every_year_the_default_one_chosen(signed_in):
    _, page = signed_in
    soup = html_page(page)
    select = soup.find("select", attrs={"name": "year"})
    assert sorted(int(o["value"]) for o in select.find_all("option")) == TAX_YEARS
    assert [o["value"] for o in select.find_all("option") if o.has_attr("selected")] == ["2019"]
    assert soup.find("label", attrs={"for": "year"}) is not None
    assert checked(soup, "rules") == [] and checked(soup, "single_parent") == []
    assert {r["value"] for r in soup.find_all("input", attrs={"name": "rules"})} == {"course", "official"}
    # each choice says when it applies (the pages run no script to hide it)
    assert "2019 only" in text(soup.find(id="rules-hint")) and "children" in text(soup.find(id="single_parent-hint"))


def test_the_form_as_sent_by_a_browser_keeps_the_course_rules_for_2019(signed_in):
    testapp, page = signed_in
    form = the_form(page)
    form["married"], form["children"], form["salary"] = "yes", "2", "50000"
    soup = html_page(form.submit(status=303).follow())
    box = result_box(soup)
    assert box["Tax to pay"] == "€1,384" and box["Reduction"] == "€347"  # the course's published case
    assert situation(soup)[1] == "Tax year 2019, course rules"


def test_a_year_and_case_t_from_the_form(signed_in):
    testapp, page = signed_in
    form = the_form(page)
    form["married"], form["children"], form["salary"] = "no", "1", "80000"
    form["year"], form["single_parent"] = "2026", True
    soup = html_page(form.submit(status=303).follow())
    expected = official(2026, "no", 1, 80000, True)
    box = result_box(soup)
    assert box["Tax to pay"] == f"€{expected['tax']:,}" and box["Number of shares"] == "2"
    assert situation(soup) == ["Single, 1 child, annual salary €80,000, single parent", "Tax year 2026, official rules"]
    rows = [
        [text(c) for c in row.find_all(["th", "td"])]
        for row in html_page(testapp.get("/list-simulations")).select("tbody tr")
    ]
    assert rows[0][9:11] == ["2026", "official"] and rows[0][1] == "No (single parent)"


def test_2019_with_the_law_s_rules(signed_in):
    testapp, page = signed_in
    form = the_form(page)
    form["married"], form["children"], form["salary"], form["rules"] = "yes", "2", "50000", "official"
    soup = html_page(form.submit(status=303).follow())
    assert result_box(soup)["Tax to pay"] == "€1,385" and situation(soup)[1] == "Tax year 2019, official rules"


def test_a_refused_choice_is_shown_and_refilled(signed_in):
    testapp, page = signed_in
    form = the_form(page)
    form["married"], form["children"], form["salary"] = "yes", "2", "50000"
    form["year"], form["rules"], form["single_parent"] = "2024", "course", True
    soup = html_page(form.submit(status=400), http=400)
    # case T is judged only under known rules: the rules are the one fault
    assert alerts(soup) == ["The course’s rules exist for 2019 only: choose the law’s rules, or 2019."]
    select = soup.find("select", attrs={"name": "year"})
    assert [o["value"] for o in select.find_all("option") if o.has_attr("selected")] == ["2024"]
    assert checked(soup, "rules") == ["course"] and checked(soup, "single_parent") == ["yes"]
    assert "rules-error" in soup.find("legend", string="Rules").parent["aria-describedby"]
