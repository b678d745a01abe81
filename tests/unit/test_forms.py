"""forms: the values read from forms and batches (the messages, through HTTP: tests/functional)."""

import json

import pytest
from webob.multidict import MultiDict

from taxapp import forms
from taxapp.contract import MAX_CHILDREN, MAX_SALARY
from taxapp.errors import ActionFailed
from taxapp.tax import Taxpayer

OPTIONS = forms.YearOptions([2026, 2019, 2024], default=2019)


def form(**fields):
    return MultiDict(fields)


def messages(call, *args):
    with pytest.raises(ActionFailed) as failure:
        call(*args)
    return failure.value.messages


def test_the_login_form_ignores_the_csrf_token_and_refuses_anything_else():
    assert forms.login_form(form(user="admin", password="pw", csrf_token="t")) == ("admin", "pw")
    assert messages(forms.login_form, form(user="admin", password="pw", other="x")) == [
        "POST method required, [action] parameter in the URL, [user, password] parameters posted"
    ]


def test_a_form_is_read_stripped_with_leading_zeros_and_any_case():
    taxpayer = forms.taxpayer_form(form(married=" YES ", children="007", salary=f" {MAX_SALARY} "), OPTIONS)
    assert taxpayer == Taxpayer(married=True, children=7, salary=MAX_SALARY)


def test_the_limits_are_the_last_valid_values():
    assert forms.taxpayer_form(form(married="no", children=str(MAX_CHILDREN), salary="0"), OPTIONS).children == 20
    assert messages(forms.taxpayer_form, form(married="no", children="21", salary="1000000001"), OPTIONS) == [
        "Invalid value [21] for parameter [children (integer >= 0)]",
        "Invalid value [1000000001] for parameter [salary (integer >= 0)]",
    ]


def test_year_alone_brings_its_default_rules():
    taxpayer = forms.taxpayer_form(form(married="no", children="1", salary="30000", year="2024"), OPTIONS)
    assert (taxpayer.year, taxpayer.rules, taxpayer.single_parent) == (2024, "official", None)
    taxpayer = forms.taxpayer_form(form(married="no", children="1", salary="30000", single_parent="no"), OPTIONS)
    assert (taxpayer.year, taxpayer.rules, taxpayer.single_parent) == (2019, "course", False)


def test_the_year_message_names_the_years_in_order():
    assert OPTIONS.year("2025") == (None, "Invalid value [2025] for parameter [year (one of 2019, 2024, 2026)]")
    assert OPTIONS.year("2" * 7)[0] is None and OPTIONS.year("２０１９")[0] is None


def test_admindata_year():
    assert forms.admindata_year(MultiDict(), OPTIONS) is None
    assert forms.admindata_year(MultiDict(year=" 2026 "), OPTIONS) == 2026
    assert messages(forms.admindata_year, MultiDict([("year", "2019"), ("year", "2024")]), OPTIONS) == [
        "Invalid value [2019,2024] for parameter [year (one of 2019, 2024, 2026)]"
    ]


def batch(*items):
    return json.dumps(list(items)).encode()


def test_a_batch_item_of_strings_is_the_same_taxpayer_as_one_of_numbers():
    as_numbers = {"married": "no", "children": 1, "salary": 30000, "year": 2026}
    as_strings = {"married": " No", "children": "1", "salary": "030000", "year": "2026", "id": 4}
    taxpayers = forms.taxpayers_batch(batch(as_numbers, as_strings), 10, OPTIONS)
    assert taxpayers[0] == taxpayers[1] == Taxpayer(False, 1, 30000, None, 2026, "official")


def test_a_key_given_twice_is_found_even_when_colons_in_strings_balance_the_count():
    body = b'[{"married":"yes","children":1,"salary":1,"salary":2}, {"married":"a:b","children":1,"salary":1}]'
    faulty = messages(forms.taxpayers_batch, body, 10, OPTIONS)
    assert [item["error"] for item in faulty] == [
        "The key [salary] is given twice",
        "Invalid value [a:b] for parameter [married (yes/no)]",
    ]


def test_a_batch_over_its_limit_is_refused_whole():
    item = {"married": "no", "children": 0, "salary": 1}
    assert messages(forms.taxpayers_batch, batch(item, item, item), 2, OPTIONS) == [
        "The list holds more than 2 taxpayers"
    ]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"[NaN]", "NaN is not valid JSON"),
        (b"[1e999]", "the number 1e999 is out of range"),
        (b'["\\ud800"]', "a string holds a lone surrogate (\\ud800-\\udfff)"),
        (b"[" * 100_000, "nesting too deep"),
    ],
)
def test_json_bodies_are_read_strictly(body, reason):
    assert messages(forms.parse_json_body, body) == [f"The POST body is not a valid JSON string: {reason}"]


def test_an_escaped_surrogate_pair_is_ordinary_text():
    assert forms.parse_json_body(b'["\\ud83d\\ude00"]') == ["😀"]
