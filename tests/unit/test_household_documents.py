"""The household document's validation and echo (taxapp.household_documents), without a server."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxapp.errors import ActionFailed
from taxapp.household_documents import (
    DEPENDENT,
    DOCUMENT,
    PERSON,
    HouseholdOptions,
    _checked_dependent,
    _checked_person,
    _dependent,
    _Faults,
    _person,
    document_of,
    read_household,
)
from taxapp.tax import Dependent, Household, Person

OPTIONS = HouseholdOptions([2025, 2026])


def messages(doc, options=OPTIONS):
    with pytest.raises(ActionFailed) as caught:
        read_household(doc, options)
    return caught.value.messages


def test_every_default_is_filled_in_and_the_echo_reads_back_the_same():
    year, household, echo = read_household({"status": "widowed", "declarants": [{"born": 1950, "pension": 1}]}, OPTIONS)
    assert (year, household) == (2026, Household("widowed", (Person(1950, pension=1),)))
    assert list(echo) == [key.name for key in DOCUMENT]
    assert list(echo["declarants"][0]) == [key.name for key in PERSON if key.name != "actual_expenses"]
    assert read_household(echo, OPTIONS) == (year, household, echo)


def test_actual_expenses_are_echoed_only_when_given():
    doc = {"status": "single", "declarants": [{"born": 1980, "salary": 9, "actual_expenses": 0}]}
    _, household, echo = read_household(doc, OPTIONS)
    assert household.declarants[0].actual_expenses == 0 and echo["declarants"][0]["actual_expenses"] == 0


def test_a_dependent_s_keys_and_the_attached_adult_child():
    doc = {"year": 2025, "status": "single", "declarants": [{"born": 1970}], "dependents": [{"born": 2000}]}
    assert read_household(doc, OPTIONS)[1].dependents == (Dependent(2000),)  # 23 on 1 January 2024
    assert [key.name for key in DEPENDENT] == ["born", "shared_custody", "disabled"]
    assert messages({**doc, "dependents": [{"born": 1998}]}) == [
        "Invalid value [1998] for parameter [dependents[0].born (year of birth from 1999 to 2024, earlier if disabled)]"
    ]
    assert (
        read_household({**doc, "dependents": [{"born": 1960, "disabled": True}]}, OPTIONS)[1].dependents[0].born == 1960
    )


def test_a_rule_between_keys_is_judged_only_when_they_are_valid():
    # the status is wrong: whether box T fits it is not said as well
    assert messages({"status": "x", "declarants": [{"born": 1980}], "single_parent": True}) == [
        "Invalid value [x] for parameter [status (single, married, divorced or widowed)]"
    ]
    # nor how many declarants it wants
    assert messages({"status": 1, "declarants": [{"born": 1980}, {"born": 1981}]}) == [
        "Invalid value [1] for parameter [status (single, married, divorced or widowed)]"
    ]


@pytest.mark.parametrize("value", [True, 1.0, "7", None, [], {}])
def test_an_amount_is_a_json_integer(value):
    assert messages({"status": "single", "declarants": [{"born": 1980}], "donations": value}) == [
        f"Invalid value [{value if isinstance(value, str) else __import__('json').dumps(value)}] "
        "for parameter [donations (integer from 0 to 1000000000)]"
    ]


def test_a_database_without_household_figures_refuses_every_document():
    assert messages({"status": "single"}, HouseholdOptions([])) == [
        "Invalid value [null] for parameter [year (none: the database has no household figures)]"
    ]


def test_the_echo_is_built_from_the_household():
    household = Household("married", (Person(1980, 1), Person(1981)), childcare=(5,))
    assert document_of(2025, household)["childcare"] == [5]


def test_docs_households_md_says_every_key_with_its_box():
    """The document's tables in docs/households.md follow DOCUMENT, PERSON and DEPENDENT."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "households.md").read_text()
    for key in (*DOCUMENT, *PERSON, *DEPENDENT):
        rows = [line for line in text.splitlines() if line.startswith(f"| `{key.name}` |")]
        assert rows, key.name
        assert any(key.box in re.split(r"\s*\|\s*", row) for row in rows), (key.name, key.box)


# --- the usual person and dependent, checked at once, agree with the checked way --------------

values = st.one_of(
    st.integers(-2, 3),
    st.integers(1890, 2030),
    st.integers(10**9 - 1, 10**9 + 1),
    st.booleans(),
    st.none(),
    st.text(max_size=2),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=1),
)


def objects(names):
    return st.dictionaries(st.sampled_from([*names, "other"]), values, max_size=len(names) + 1) | values


@given(objects(["born", "salary", "unemployment", "actual_expenses", "pension", "disabled"]), st.integers(2017, 2026))
def test_the_usual_person_s_way_agrees_with_the_checked_way(obj, income_year):
    fast, checked = _Faults(), _Faults()
    assert _person(obj, "declarants[0]", income_year, fast) == _checked_person(
        obj, "declarants[0]", income_year, checked
    )
    assert fast.messages == checked.messages


@given(objects(["born", "shared_custody", "disabled"]), st.integers(2017, 2026))
def test_the_usual_dependent_s_way_agrees_with_the_checked_way(obj, income_year):
    fast, checked = _Faults(), _Faults()
    assert _dependent(obj, "dependents[0]", income_year, fast) == _checked_dependent(
        obj, "dependents[0]", income_year, checked
    )
    assert fast.messages == checked.messages


def test_each_fault_is_also_a_problem_for_the_pages():
    from taxapp.errors import Problem

    with pytest.raises(ActionFailed) as caught:
        read_household(
            {
                "status": "married",
                "declarants": [{"born": 1980, "salary": -1}, {}],
                "dependents": [{"born": 1990}],
                "colour": 1,
            },
            OPTIONS,
        )
    assert caught.value.problems == (
        Problem("colour", "unknown"),
        Problem("declarants[0].salary", "invalid"),
        Problem("declarants[1].born", "missing"),
        Problem("dependents[0].born", "too-old"),
    )
    assert len(caught.value.messages) == 4
