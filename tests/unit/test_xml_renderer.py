"""The XML renderer's pure parts: the document, element names, escaped text."""

import pytest

from taxapp.client import parse_xml
from taxapp.renderers.xml import DECLARATION, dumps, element_name, escape_text


def test_a_result_is_one_line_of_elements_in_order_after_the_declaration():
    result = {"action": "list-simulations", "status": 500, "response": [{"id": 1, "rate": 0.14}, {"id": 2}]}
    assert dumps(result) == (
        DECLARATION + "<root><action>list-simulations</action><status>500</status>"
        "<response><id>1</id><rate>0.14</rate></response><response><id>2</id></response></root>"
    )


def test_empty_list_none_empty_string_and_booleans():
    assert dumps({"a": [], "b": None, "c": "", "d": True, "e": False}) == (
        DECLARATION + "<root><b></b><c></c><d>true</d><e>false</e></root>"
    )


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("a <b> & c", "a &lt;b&gt; &amp; c"),
        ("line\nbreak\r", "line&#10;break&#13;"),
        ("\x00\x1f\ufffe\ud800", "\ufffd" * 4),
        ("tab\tstays, é and 😀 too", "tab\tstays, é and 😀 too"),
    ],
)
def test_escape_text(text, escaped):
    assert escape_text(text) == escaped


@pytest.mark.parametrize(
    "key, name",
    [
        ("salary", "salary"),
        ("_private.key-1", "_private.key-1"),
        ("2nd", "_2nd"),
        ("a b", "a_b"),
        ("ª", "_"),
        ("-x", "_-x"),
        ("", "_"),
        (7, "_7"),
    ],
)
def test_element_name_is_ascii(key, name):
    assert element_name(key) == name


def test_the_client_reads_back_what_the_renderer_writes():
    result = {
        "action": "calculate-taxes",
        "status": 1501,
        "response": [{"married": "yes", "children": 1, "salary": "x<y", "error": "bad"}],
    }
    assert parse_xml(dumps(result)) == result
