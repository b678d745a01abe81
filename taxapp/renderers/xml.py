"""The XML answers the original clients parse (docs/api.md).

``<?xml version="1.0" encoding="utf-8"?>`` then ``<root>…</root>`` on one line: each
key becomes a child element in order, a list repeats its element once per item (an
empty list writes nothing), an object nests its keys, ``""``/``None`` give an empty
element, numbers are written as Python's ``str()``, booleans ``true``/``false``.
Whatever a client echoes back (batch items) stays well-formed: characters XML 1.0
cannot carry become U+FFFD, line breaks become character references, and a key
becomes an element name of ASCII letters, digits, ``_``, ``-`` and ``.`` only (any
other character → ``_``, and a leading ``_`` when it starts with neither an ASCII
letter nor ``_``): names outside ASCII differ between XML editions, and expat,
behind most clients' parsers, refuses some that Python calls letters (``ª``, ``ㅤ``).
"""

from __future__ import annotations

import re

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Characters XML 1.0 cannot carry at all (tab, LF and CR can, and are handled apart).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;"})


def escape_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text).translate(_ESCAPES)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_.\-]")


def element_name(key) -> str:
    """``key`` as an ASCII XML name (keys are such names already except in echoed items)."""
    if type(key) is str and _NAME.fullmatch(key):
        return key
    name = _NOT_NAME_CHAR.sub("_", str(key))
    return name if _NAME.fullmatch(name) else "_" + name


def _scalar(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return escape_text(str(value))


# The keys of a simulation: XML names already (element_name needs not check them).
_NAMES = {
    key: key
    for key in (
        *("married", "children", "salary", "single_parent", "year", "rules"),
        *("tax", "surcharge", "rate", "discount", "reduction", "id"),
    )
}


def _element(name: str, value, out: list) -> None:
    if isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            kind = type(item)
            # a simulation's figures, written at once: nothing to escape (a list of 10,000
            # took 165 ms of XML through _element and _scalar, 50 ms so)
            if kind is int or kind is float:
                tag = _NAMES.get(key) or element_name(key)
                out.append(f"<{tag}>{item}</{tag}>")
            else:
                _element(_NAMES.get(key) or element_name(key), item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_scalar(value)}</{name}>")


def dumps(result: dict) -> str:
    out = [DECLARATION]
    _element("root", result, out)
    return "".join(out)


def parts(result: dict, chunks):
    """``dumps(result)`` in parts, its ``response`` given as ``chunks`` (lists of items):
    a long list is written a chunk at a time."""
    out = [DECLARATION, "<root>"]
    for key, value in result.items():
        if key != "response":
            _element(element_name(key), value, out)
    yield "".join(out)
    for items in chunks:
        out = []
        _element("response", items, out)
        yield "".join(out)
    yield "</root>"
