"""Validation of what clients post, with the contract's exact messages (docs/api.md).

Values are read strictly: whole numbers are ASCII digits only (``"2abc"``, ``"1.5"``,
``"-1"`` are invalid values, never a crash), surrounding spaces are ignored, and the
invalid value is quoted back stripped (``married`` also lower-cased). A field sent
twice is read as its values joined by a comma, so it is an invalid value, never a
silent choice of one of them. A number of any length is an invalid value (never
``int()``'s refusal of more than 4,300 digits). No Pyramid import: the functions take
plain mappings.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .contract import LOGIN_FIELDS_MESSAGE, MAX_CHILDREN, MAX_SALARY, TAX_FIELDS_MESSAGE
from .errors import ActionFailed, Problem
from .tax import COURSE_YEAR, RULES, Taxpayer, default_rules

CSRF_FIELD = "csrf_token"

LOGIN_FIELDS = ("user", "password")
TAX_FIELDS = ("married", "children", "salary")
# Optional: a simulation made with none of them is the course's, and says nothing of them.
YEAR_FIELDS = ("year", "rules", "single_parent")

# Keys of a calculated simulation: a batch client may send back what it received.
SIMULATION_KEYS = ("id", "tax", "surcharge", "discount", "reduction", "rate")
_REQUIRED_KEYS = frozenset(TAX_FIELDS)
_ALLOWED_KEYS = _REQUIRED_KEYS | frozenset(SIMULATION_KEYS) | frozenset(YEAR_FIELDS)
MAX_YEAR_DIGITS = 6


class YearOptions:
    """The tax years the server has (from the database) and its default one."""

    def __init__(self, years, default: int):
        self.years = tuple(sorted(years))
        self.default = default
        self.default_rules = {year: default_rules(year) for year in self.years}
        self.year_message = f"for parameter [year (one of {', '.join(map(str, self.years))})]"

    def year(self, text: str) -> tuple[int | None, str | None]:
        """(year, None) or (None, the message) for a year as sent."""
        if text.isascii() and text.isdigit() and len(text) <= MAX_YEAR_DIGITS and int(text) in self.years:
            return int(text), None
        return None, f"Invalid value [{text}] {self.year_message}"


def _year_fields(
    texts: dict[str, str], married: str | None, children: int | None, options: YearOptions
) -> tuple[dict, list[str], list[Problem]]:
    """year, rules and single_parent as sent (stripped texts), resolved; their messages
    and the same as problems (for the pages).

    Returns ({"year", "rules", "single_parent"}, errors, problems): year and rules with
    their defaults, single_parent None when it was not sent. Whether case T applies is
    judged only when what it depends on is valid.
    """
    errors, problems = [], []
    year, rules, single_parent = options.default, None, None
    if "year" in texts:
        year, error = options.year(texts["year"])
        if error:
            errors.append(error)
            problems.append(Problem("year", "invalid"))
    if "rules" in texts:
        rules = texts["rules"].lower()
        if rules not in RULES:
            errors.append(f"Invalid value [{rules}] for parameter [rules (course/official)]")
            problems.append(Problem("rules", "invalid"))
            rules = None
        elif rules == "course" and year is not None and year != COURSE_YEAR:
            errors.append(
                f"Invalid value [course] for parameter [rules (the course rules exist for {COURSE_YEAR} only)]"
            )
            problems.append(Problem("rules", "course-only", str(COURSE_YEAR)))
            rules = None
    elif year is not None:
        rules = default_rules(year)
    if "single_parent" in texts:
        value = texts["single_parent"].lower()
        judged = married in ("yes", "no") and children is not None and rules is not None
        applies = married == "no" and children and rules == "official"
        if value not in ("yes", "no") or (value == "yes" and judged and not applies):
            errors.append(
                f"Invalid value [{value}] for parameter [single_parent "
                "(yes only when not married, with children, under the official rules)]"
            )
            problems.append(Problem("single_parent", "invalid"))
        single_parent = value == "yes"
    return {"year": year, "rules": rules, "single_parent": single_parent}, errors, problems


def _fields(form, allowed: tuple[str, ...], message: str) -> dict[str, str]:
    """The posted fields as {name: value}; an unexpected field refuses the whole form."""
    names = set(form.keys())
    if names - set(allowed) - {CSRF_FIELD}:
        raise ActionFailed([message], problems=[Problem(None, "unexpected-fields")])
    return {name: ",".join(form.getall(name)) for name in allowed if name in names}


def login_form(form) -> tuple[str, str]:
    """(user, password) from the authenticate-user form."""
    fields = _fields(form, LOGIN_FIELDS, LOGIN_FIELDS_MESSAGE)
    missing = [name for name in LOGIN_FIELDS if name not in fields]
    if missing:
        raise ActionFailed(
            [f"[{name}] parameter missing" for name in missing], problems=[Problem(name, "missing") for name in missing]
        )
    return fields["user"], fields["password"]


def _married_error(value: str) -> str | None:
    return None if value in ("yes", "no") else f"Invalid value [{value}] for parameter [married (yes/no)]"


def _whole_number(value: str, name: str, maximum: int) -> tuple[int | None, str | None]:
    """(number, None) or (None, the contract's message) for a digits-only value.

    The length is checked before ``int()``: a value of 64 KiB of digits is only too large.
    """
    digits = value.lstrip("0") or "0"
    if value.isascii() and value.isdigit() and len(digits) <= len(str(maximum)) and int(digits) <= maximum:
        return int(digits), None
    return None, f"Invalid value [{value}] for parameter [{name} (integer >= 0)]"


def taxpayer_form(form, options: YearOptions) -> Taxpayer:
    """The taxpayer of the calculate-tax form; every error found, in the contract's order."""
    fields = _fields(form, TAX_FIELDS + YEAR_FIELDS, TAX_FIELDS_MESSAGE)
    errors: list[str] = []
    problems: list[Problem] = []
    married = fields.get("married")
    if married is None:
        errors.append("[married] parameter missing")
        problems.append(Problem("married", "missing"))
    else:
        married = married.strip().lower()
        if error := _married_error(married):
            errors.append(error)
            problems.append(Problem("married", "invalid"))
    numbers = {}
    for name, maximum in (("children", MAX_CHILDREN), ("salary", MAX_SALARY)):
        if name not in fields:
            errors.append(f"parameter [{name}] missing")
            problems.append(Problem(name, "missing"))
            continue
        numbers[name], error = _whole_number(fields[name].strip(), name, maximum)
        if error:
            errors.append(error)
            problems.append(Problem(name, "invalid"))
    texts = {name: fields[name].strip() for name in YEAR_FIELDS if name in fields}
    extra, extra_errors, extra_problems = (
        _year_fields(texts, married, numbers.get("children"), options) if texts else ({}, [], [])
    )
    errors += extra_errors
    problems += extra_problems
    if errors:
        raise ActionFailed(errors, problems=problems)
    return Taxpayer(married=married == "yes", children=numbers["children"], salary=numbers["salary"], **extra)


def admindata_year(query, options: YearOptions) -> int | None:
    """The ``year`` of get-admindata's query, None when not asked."""
    if "year" not in query:
        return None
    year, error = options.year(",".join(query.getall("year")).strip())
    if error:
        raise ActionFailed([error], problems=[Problem("year", "invalid")])
    return year


def admindata_household(query, year: int | None, household_years: YearOptions | None) -> int | None:
    """get-admindata's ``household=yes``: the year whose household figures to add (the
    query's, else the newest); None when not asked (``household=no`` or absent)."""
    if "household" not in query:
        return None
    value = ",".join(query.getall("household")).strip().lower()
    if value not in ("yes", "no"):
        raise ActionFailed([f"Invalid value [{value}] for parameter [household (yes/no)]"])
    if value == "no":
        return None
    if household_years is None:  # a database migrated before revision 0006
        raise ActionFailed(["Invalid value [yes] for parameter [household (the database has no household figures)]"])
    if year is None:
        return household_years.default
    if year not in household_years.years:
        raise ActionFailed([f"Invalid value [{year}] {household_years.year_message}"])
    return year


# --- calculate-taxes -------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text} is out of range")
    return value


class DuplicateKeys(dict):
    """A JSON object that named a key more than once (the last value kept, as JSON does)."""

    duplicate: str


def pairs_with_duplicates(pairs: list) -> dict:
    # object_pairs_hook: a dict, or a DuplicateKeys naming the first key given twice
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen = set()
    duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
    obj = DuplicateKeys(obj)
    obj.duplicate = duplicate
    return obj


# A \uD800-\uDFFF escape: the only way a JSON text decoded from UTF-8 (strictly, as
# parse_json_body does) can hold a surrogate. Its presence (even escaped, or as half of a
# valid pair) only triggers the exact check below, so the usual body costs one search.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _invalid_json(message: str) -> ActionFailed:
    return ActionFailed([f"The POST body is not a valid JSON string: {message}"])


def parse_json_body(body: bytes, object_pairs_hook=None) -> Any:
    """Strict JSON in UTF-8: no NaN/Infinity, no number outside the float range, no lone
    surrogate (``"\\ud800"``: no UTF-8 text can carry it, so no answer could echo it).

    The body is decoded here, strictly: ``json.loads`` of bytes would also read UTF-16
    and UTF-32 and decode with ``surrogatepass``, letting the UTF-8 bytes of a surrogate
    (``b"\\xed\\xa0\\x80"``) through to an answer that could not be written. A UTF-8 byte
    order mark is allowed, as it was (RFC 8259 lets a parser ignore it)."""
    try:
        value = json.loads(
            body.decode("utf-8-sig"),
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=object_pairs_hook,
        )
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _invalid_json(str(error) if not isinstance(error, RecursionError) else "nesting too deep") from None
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        raise _invalid_json("a string holds a lone surrogate (\\ud800-\\udfff)")
    return value


def _batch_items(body: bytes) -> Any:
    """The parsed batch, its items ``DuplicateKeys`` where a key is given twice.

    Parsing with an ``object_pairs_hook`` costs a Python call per item (+30 % on
    10,000 items), so it is done only when the body could name a key twice: every
    key is followed by a colon, so when the body holds exactly as many colons as the
    items have keys, no key was given twice (colons inside strings, or nested
    objects, only send the body to the exact parse).
    """
    items = parse_json_body(body)
    if not isinstance(items, list) or (
        all(type(item) is dict for item in items) and body.count(b":") == sum(map(len, items))
    ):
        return items
    return parse_json_body(body, object_pairs_hook=pairs_with_duplicates)


def _as_text(value: Any) -> str:
    """The value as quoted in a message: itself if a string, else its JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _item_text(value: Any) -> str:
    """An item's value as a form would give it: a string stripped, an integer's digits, else its JSON."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _as_text(value)


def _item_taxpayer(item: dict, options: YearOptions) -> tuple[Taxpayer | None, str | None]:  # noqa: C901, PLR0911 (one pass per item, measured)
    # called once per item of a batch of up to 10,000: a fast path for the usual
    # item, set operations on the keys, and a fast path for JSON integers
    if type(item) is DuplicateKeys:
        return None, f"The key [{item.duplicate}] is given twice"
    married, children, salary = item.get("married"), item.get("children"), item.get("salary")
    if (  # the usual item, checked at once
        married in ("yes", "no")
        and type(children) is int
        and type(salary) is int
        and 0 <= children <= MAX_CHILDREN
        and 0 <= salary <= MAX_SALARY
    ):
        if len(item) == 3:
            return Taxpayer(married == "yes", children, salary), None
        year = item.get("year")
        if len(item) == 4 and type(year) is int and year in options.default_rules:  # and a year alone
            return Taxpayer(married == "yes", children, salary, None, year, options.default_rules[year]), None
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
        numbers[name], error = _whole_number(_item_text(value), name, maximum)
        if error:
            return None, error
    texts = {name: _item_text(item[name]) for name in YEAR_FIELDS if name in item}
    extra, errors, _ = _year_fields(texts, married, numbers["children"], options) if texts else ({}, [], [])
    if errors:
        return None, errors[0]
    return Taxpayer(married=married == "yes", children=numbers["children"], salary=numbers["salary"], **extra), None


def batch_list(items: Any, max_items: int, what: str) -> list[dict]:
    """A batch body's items: a non-empty list of at most ``max_items`` objects."""
    if not isinstance(items, list) or not items:
        raise ActionFailed(["The POST body is not a list, or the list is empty"])
    if not all(isinstance(item, dict) for item in items):
        raise ActionFailed(["The body of the POST request must be a list of dictionaries"])
    if len(items) > max_items:
        raise ActionFailed([f"The list holds more than {max_items} {what}"])
    return items


def taxpayers_batch(body: bytes, max_items: int, options: YearOptions) -> list[Taxpayer]:
    """The taxpayers of a calculate-taxes body; every faulty item is reported."""
    items = batch_list(_batch_items(body), max_items, "taxpayers")
    taxpayers, faulty = [], []
    for item in items:
        taxpayer, error = _item_taxpayer(item, options)
        if error:
            faulty.append({**item, "error": error})
        else:
            taxpayers.append(taxpayer)
    if faulty:
        raise ActionFailed(faulty)
    return taxpayers
