"""Reading taxpayers files: the client's reader of ``id,married,children,salary[,name=value…]`` lines."""

import pytest

from taxapp.client.taxpayers import read_taxpayers
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "taxpayers.txt"
SINGLE_PARENT = "single_parent yes only when not married, with children, under the official rules"


def test_the_sample_file_has_valid_lines_comments_a_blank_line_and_two_bad_lines():
    text = SAMPLE.read_text()
    taxpayers, bad = read_taxpayers(text.splitlines(keepends=True))
    assert [t.id for t in taxpayers] == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert [b.line for b in bad] == [11, 13]
    assert "salary must be a whole number" in bad[0].reason
    assert "expected 4 comma-separated fields" in bad[1].reason and "found 5" in bad[1].reason
    assert any(line.startswith("#") for line in text.splitlines()) and "" in text.splitlines()


def test_fields_are_stripped_and_married_lower_cased():
    (taxpayer,), bad = read_taxpayers([" 7 , Yes ,  2,55555 \r\n"])
    assert bad == []
    assert (taxpayer.id, taxpayer.married, taxpayer.children, taxpayer.salary, taxpayer.line) == (7, "yes", 2, 55555, 1)
    assert taxpayer.as_params() == {"married": "yes", "children": 2, "salary": 55555}


def test_comments_and_blank_lines_count_in_line_numbers_but_are_not_taxpayers():
    taxpayers, bad = read_taxpayers(["# header\n", "\n", "   \n", "  # indented comment\n", "1,no,0,1000\n"])
    assert [(t.id, t.line) for t in taxpayers] == [(1, 5)]
    assert bad == []


@pytest.mark.parametrize(
    "line, reason",
    [
        ("1,maybe,2,1000", "married must be yes or no, not 'maybe'"),
        ("1,yes,-1,1000", "children must be a whole number written in digits, not '-1'"),
        ("1,yes,21,1000", "children must be at most 20, not 21"),
        ("1,yes,2,1000.5", "salary must be a whole number written in digits, not '1000.5'"),
        ("1,yes,2,1000000001", "salary must be at most 1,000,000,000, not 1,000,000,001"),
        ("1,yes,2,", "salary must be a whole number written in digits, not ''"),
        ("x,yes,2,1000", "id must be a whole number written in digits, not 'x'"),
        ("1,yes,٣,1000", "children must be a whole number written in digits, not '٣'"),
        ("1;yes;2;1000", "expected 4 comma-separated fields (id,married,children,salary), found 1"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_reason(line, reason):
    taxpayers, bad = read_taxpayers(["2,no,0,5000\n", line + "\n"])
    assert [t.id for t in taxpayers] == [2]
    assert [(b.line, b.text, b.reason) for b in bad] == [(2, line, reason)]
    assert str(bad[0]) == f"line 2: {reason}: {line!r}"


def test_limits_themselves_are_valid():
    taxpayers, bad = read_taxpayers(["1,no,20,1000000000", "2,yes,0,0"])
    assert bad == [] and [(t.children, t.salary) for t in taxpayers] == [(20, 1_000_000_000), (0, 0)]


def test_a_duplicate_id_is_a_bad_line_and_the_first_is_kept():
    taxpayers, bad = read_taxpayers(["5,yes,1,1000", "6,no,0,2000", "5,no,3,3000"])
    assert [(t.id, t.salary) for t in taxpayers] == [(5, 1000), (6, 2000)]
    assert [(b.line, b.reason) for b in bad] == [(3, "duplicate id 5 (first on line 1)")]


def test_named_fields_in_any_order():
    (taxpayer,), bad = read_taxpayers([" 7 , no , 1 , 30000 , single_parent = YES , year=2026 ,rules=Official"])
    assert bad == []
    assert taxpayer.as_params() == {
        "married": "no",
        "children": 1,
        "salary": 30000,
        "year": 2026,
        "rules": "official",
        "single_parent": "yes",
    }


def test_the_options_fill_the_lines_without_their_own():
    taxpayers, bad = read_taxpayers(
        ["1,no,0,1000", "2,no,0,1000,year=2020", "3,no,0,1000,rules=official"], year=2024, rules="official"
    )
    assert bad == [] and [(t.year, t.rules) for t in taxpayers] == [
        (2024, "official"),
        (2020, "official"),
        (2024, "official"),
    ]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("1,no,0,1000,extra", "expected 4 comma-separated fields (id,married,children,salary), found 5"),
        ("1,no,0,1000,month=3", "expected 4 comma-separated fields (id,married,children,salary), found 5"),
        ("1,no,0,1000,year=twenty", "year must be a whole number written in digits, not 'twenty'"),
        ("1,no,0,1000,rules=law", "rules must be course or official, not 'law'"),
        ("1,no,0,1000,single_parent=maybe", "single_parent must be yes or no, not 'maybe'"),
        ("1,no,0,1000,year=2020,year=2021", "a named field is given twice"),
        ("1,no,0,1000,single_parent=yes,rules=official", SINGLE_PARENT),
        ("1,yes,2,1000,single_parent=yes,rules=official", SINGLE_PARENT),
        ("1,no,2,1000,single_parent=yes,rules=course", SINGLE_PARENT),
    ],
)
def test_bad_named_fields(line, reason):
    taxpayers, bad = read_taxpayers([line])
    assert taxpayers == [] and [b.reason for b in bad] == [reason]
