"""The XML answers the original clients parse (contract.md §5).

``<?xml version="1.0" encoding="utf-8"?>`` then ``<root>…</root>`` on one line: each
key becomes a child element in order, a list repeats its element once per item (an
empty list writes nothing), an object nests its keys, ``""``/``None`` give an empty
element, numbers are written as Python's ``str()``, booleans ``true``/``false``.
Whatever a client echoes back (batch items) stays well-formed: characters XML 1.0
cannot carry become U+FFFD, line breaks become character references, and a key
that is not an XML name has its bad characters replaced by ``_``.
"""

from __future__ import annotations

import re

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Characters XML 1.0 cannot carry at all (tab, LF and CR can, and are handled apart).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;"})


def escape_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text).translate(_ESCAPES)


def _name_char(c: str) -> bool:
    return c == "_" or (c.isalpha() and c.isprintable()) or (c.isascii() and (c.isdigit() or c in ".-"))


def element_name(key) -> str:
    """``key`` as a valid XML name (keys are XML names already except in echoed items)."""
    name = "".join(c if _name_char(c) else "_" for c in str(key))
    if not name or not (name[0] == "_" or name[0].isalpha()):
        name = "_" + name
    return name


def _scalar(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return escape_text(str(value))


def _element(name: str, value, out: list) -> None:
    if isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _element(element_name(key), item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_scalar(value)}</{name}>")


def dumps(result: dict) -> str:
    out = [DECLARATION]
    _element("root", result, out)
    return "".join(out)
