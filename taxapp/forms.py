"""Validation of what clients post, with the contract's exact messages (contract.md §3).

Values are read strictly: whole numbers are ASCII digits only (``"2abc"``, ``"1.5"``,
``"-1"`` are invalid values, never a crash), surrounding spaces are ignored, and the
invalid value is quoted back stripped (``married`` also lower-cased). A field sent
twice is read as its values joined by a comma, so it is an invalid value, never a
silent choice of one of them. No Pyramid import: the functions take plain mappings.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ActionFailed
from .tax import Taxpayer

MAX_CHILDREN = 20
MAX_SALARY = 1_000_000_000
CSRF_FIELD = "csrf_token"

LOGIN_FIELDS = ("user", "password")
LOGIN_FIELDS_MESSAGE = "POST method required, [action] parameter in the URL, [user, password] parameters posted"
TAX_FIELDS = ("married", "children", "salary")
TAX_FIELDS_MESSAGE = "POST method required with the following parameters [married, children, salary]"
ONLY_JSON_OR_XML = "this action is only available for JSON or XML sessions"

# Keys of a calculated simulation: a batch client may send back what it received.
SIMULATION_KEYS = ("id", "tax", "surcharge", "discount", "reduction", "rate")
_REQUIRED_KEYS = frozenset(TAX_FIELDS)
_ALLOWED_KEYS = _REQUIRED_KEYS | frozenset(SIMULATION_KEYS)


def _fields(form, allowed: tuple[str, ...], message: str) -> dict[str, str]:
    """The posted fields as {name: value}; an unexpected field refuses the whole form."""
    names = set(form.keys())
    if names - set(allowed) - {CSRF_FIELD}:
        raise ActionFailed([message])
    return {name: ",".join(form.getall(name)) for name in allowed if name in names}


def login_form(form) -> tuple[str, str]:
    """(user, password) from the authenticate-user form."""
    fields = _fields(form, LOGIN_FIELDS, LOGIN_FIELDS_MESSAGE)
    missing = [f"[{name}] parameter missing" for name in LOGIN_FIELDS if name not in fields]
    if missing:
        raise ActionFailed(missing)
    return fields["user"], fields["password"]


def _married_error(value: str) -> str | None:
    return None if value in ("yes", "no") else f"Invalid value [{value}] for parameter [married (yes/no)]"


def _whole_number(value: str, name: str, maximum: int) -> tuple[int | None, str | None]:
    """(number, None) or (None, the contract's message) for a digits-only value."""
    if value.isascii() and value.isdigit() and int(value) <= maximum:
        return int(value), None
    return None, f"Invalid value [{value}] for parameter [{name} (integer >= 0)]"


def taxpayer_form(form) -> Taxpayer:
    """The taxpayer of the calculate-tax form; every error found, in the contract's order."""
    fields = _fields(form, TAX_FIELDS, TAX_FIELDS_MESSAGE)
    errors: list[str] = []
    married = fields.get("married")
    if married is None:
        errors.append("[married] parameter missing")
    else:
        married = married.strip().lower()
        if error := _married_error(married):
            errors.append(error)
    numbers = {}
    for name, maximum in (("children", MAX_CHILDREN), ("salary", MAX_SALARY)):
        if name not in fields:
            errors.append(f"parameter [{name}] missing")
            continue
        numbers[name], error = _whole_number(fields[name].strip(), name, maximum)
        if error:
            errors.append(error)
    if errors:
        raise ActionFailed(errors)
    return Taxpayer(married=married == "yes", children=numbers["children"], salary=numbers["salary"])


# --- calculate-taxes -------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text} is out of range")
    return value


def parse_json_body(body: bytes) -> Any:
    """Strict JSON: no NaN/Infinity, no number outside the float range."""
    try:
        return json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        message = str(error) if not isinstance(error, RecursionError) else "nesting too deep"
        raise ActionFailed([f"The POST body is not a valid JSON string: {message}"]) from None


def _as_text(value: Any) -> str:
    """The value as quoted in a message: itself if a string, else its JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _item_taxpayer(item: dict) -> tuple[Taxpayer | None, str | None]:
    # called once per item of a batch of up to 10,000: a fast path for the usual
    # item, set operations on the keys, and a fast path for JSON integers
    married, children, salary = item.get("married"), item.get("children"), item.get("salary")
    if (  # the usual item, checked at once
        married in ("yes", "no")
        and type(children) is int
        and type(salary) is int
        and 0 <= children <= MAX_CHILDREN
        and 0 <= salary <= MAX_SALARY
        and len(item) == 3
    ):
        return Taxpayer(married == "yes", children, salary), None
    keys = item.keys()
    if not keys >= _REQUIRED_KEYS:
        return None, "The dictionary must include the keys [married, children, salary]"
    if keys - _ALLOWED_KEYS:
        unknown = next(key for key in item if key not in _ALLOWED_KEYS)
        return None, f"The key [{unknown}] is not allowed"
    married = item["married"]
    married = married.strip().lower() if isinstance(married, str) else _as_text(married)
    if error := _married_error(married):
        return None, error
    numbers = {}
    for name, maximum in (("children", MAX_CHILDREN), ("salary", MAX_SALARY)):
        value = item[name]
        if type(value) is int and 0 <= value <= maximum:
            numbers[name] = value
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = value.strip()
        else:
            text = _as_text(value)
        numbers[name], error = _whole_number(text, name, maximum)
        if error:
            return None, error
    return Taxpayer(married=married == "yes", children=numbers["children"], salary=numbers["salary"]), None


def taxpayers_batch(body: bytes, max_items: int) -> list[Taxpayer]:
    """The taxpayers of a calculate-taxes body; every faulty item is reported."""
    items = parse_json_body(body)
    if not isinstance(items, list) or not items:
        raise ActionFailed(["The POST body is not a list, or the list is empty"])
    if not all(isinstance(item, dict) for item in items):
        raise ActionFailed(["The body of the POST request must be a list of dictionaries"])
    if len(items) > max_items:
        raise ActionFailed([f"The list holds more than {max_items} taxpayers"])
    taxpayers, faulty = [], []
    for item in items:
        taxpayer, error = _item_taxpayer(item)
        if error:
            faulty.append({**item, "error": error})
        else:
            taxpayers.append(taxpayer)
    if faulty:
        raise ActionFailed(faulty)
    return taxpayers
