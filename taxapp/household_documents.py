"""The household document of calculate-household and calculate-households (docs/households.md).

The document's keys are declared once, in ``DOCUMENT``, ``PERSON`` and ``DEPENDENT``
(type, default, what is allowed, the tax form's box): the validation below walks
them, the echo of the document fills in their defaults, and the API's description
(docs/households.md, the OpenAPI schema) is made from them.

Validation is strict and says every fault, each naming the path of its key in the
course's style: ``Invalid value [<v>] for parameter [<path> (<what is allowed>)]``,
``[<path>] parameter missing``, ``Unknown parameter [<path>]``; ``<v>`` is the value
as sent, a string itself, anything else its JSON text (``2.5``, ``true``, ``null``).
Amounts are JSON integers (a digit string or ``2.0`` is refused: the document is for
programs), flags JSON booleans. The rules between keys (two declarants when married,
box T only for a single parent…) are judged only when the keys they read are valid,
so that each fault is said once. No Pyramid import.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from .contract import MAX_CHILDREN, MAX_SALARY
from .errors import ActionFailed, Problem
from .forms import DuplicateKeys, batch_list, pairs_with_duplicates, parse_json_body
from .tax import TaxData, calculate_household
from .tax.household import ADULT_AGE, STATUSES, YOUNG_CHILD_AGE, Dependent, Household, HouseholdResult, Person
from .tax.steps import explain

MAX_AMOUNT = MAX_SALARY  # every amount: a whole number of euros from 0 to 1,000,000,000
FIRST_BIRTH_YEAR = 1900
OLDEST_ATTACHED_AGE = 24  # an attached adult child is under 25 on 1 January (CGI 6-3), unless disabled
MAX_ALIMONY_CHILDREN = 2  # boxes 6EL and 6EM
REQUIRED = object()  # a key without a default

NOT_AN_OBJECT = "The POST body is not a valid JSON string: a household document is a JSON object"


class Key(NamedTuple):
    """One key of the document: its kind (``amount``, ``flag``, ``year``, ``born``,
    ``status``, ``amounts``, ``persons``, ``dependents``, ``expenses``), its default, the
    tax form's box, and what it means (docs/households.md)."""

    name: str
    kind: str
    default: Any
    box: str
    meaning: str


DOCUMENT = (
    Key("year", "year", None, "", "the tax year (incomes of the year before); default: the newest"),
    Key("status", "status", REQUIRED, "C, M/O, D, V", "single, married (or PACS), divorced (or separated), widowed"),
    Key("declarants", "persons", REQUIRED, "", "declarant 1, and declarant 2 when married"),
    Key("dependents", "dependents", (), "", "children and attached adult children in the household's charge"),
    Key("single_parent", "flag", False, "T", "not married, living alone with dependents"),
    Key("raised_children_alone", "flag", False, "L", "living alone, raised a child alone for at least five years"),
    Key("alimony_adult_children", "amounts", (), "6EL, 6EM", "alimony paid to adult children not attached, per child"),
    Key("alimony_other", "amount", 0, "6GU", "other alimony paid (former spouse, minor children elsewhere, parents)"),
    Key("donations", "amount", 0, "7UF", "gifts to charities of general interest"),
    Key("donations_to_aid", "amount", 0, "7UD", "gifts to organisations helping people in difficulty"),
    Key("home_employment", "amount", 0, "7DB", "home help paid, net of aid"),
    Key("childcare", "amounts", (), "7GA–7GC, 7GE–7GG", "childcare outside the home, per dependent under 6, in order"),
)
PERSON = (
    Key("born", "born", REQUIRED, "", "year of birth"),
    Key("salary", "amount", 0, "1AJ, 1BJ", "taxable salaries"),
    Key("unemployment", "amount", 0, "1AP, 1BP", "taxable unemployment benefit"),
    Key("actual_expenses", "expenses", None, "1AK, 1BK", "actual professional expenses, instead of the 10 % allowance"),
    Key("pension", "amount", 0, "1AS, 1BS", "taxable pensions"),
    Key("disabled", "flag", False, "P, F", "a disability card or pension of at least 40 %"),
)
DEPENDENT = (
    Key("born", "born", REQUIRED, "", "year of birth"),
    Key("shared_custody", "flag", False, "H, I", "alternating residence: quarter shares"),
    Key("disabled", "flag", False, "G, I", "a disability card"),
)


class HouseholdOptions:
    """The tax years the server has the household's figures for, the newest the default."""

    def __init__(self, years):
        self.years = tuple(sorted(years))
        # a database migrated before revision 0006 has none: every document is refused
        self.default = self.years[-1] if self.years else None
        self.allowed_years = (
            f"one of {', '.join(map(str, self.years))}" if self.years else "none: the database has no household figures"
        )


class _Faults:
    """The messages of one document, in the order its keys are read, and the same as
    problems for the pages (``Problem(path, kind)``: the household page says each in plain
    words next to its field; a rule between keys has a kind of its own)."""

    def __init__(self):
        self.messages: list[str] = []
        self.problems: list[Problem] = []

    def invalid(self, path: str, value: Any, allowed: str, kind: str = "invalid") -> None:
        self.messages.append(f"Invalid value [{_as_text(value)}] for parameter [{path} ({allowed})]")
        self.problems.append(Problem(path, kind))

    def missing(self, path: str) -> None:
        self.messages.append(f"[{path}] parameter missing")
        self.problems.append(Problem(path, "missing"))

    def unknown(self, path: str) -> None:
        self.messages.append(f"Unknown parameter [{path}]")
        self.problems.append(Problem(path, "unknown"))

    def twice(self, path: str) -> None:
        self.messages.append(f"[{path}] parameter given twice")
        self.problems.append(Problem(path, "twice"))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _is_int(value: Any) -> bool:
    return type(value) is int


AMOUNT_ALLOWED = f"integer from 0 to {MAX_AMOUNT}"
DEPENDENTS_ALLOWED = f"a list of at most {MAX_CHILDREN} dependents"
ALIMONY_ALLOWED = f"a list of at most {MAX_ALIMONY_CHILDREN} amounts"


# The path of a faulty key is written only when there is a fault: ``prefix`` + ``name``.


def _amount(value: Any, prefix: str, name: str, faults: _Faults) -> int | None:
    if type(value) is int and 0 <= value <= MAX_AMOUNT:
        return value
    faults.invalid(prefix + name, value, AMOUNT_ALLOWED)
    return None


def _flag(value: Any, prefix: str, name: str, faults: _Faults) -> bool | None:
    if type(value) is bool:
        return value
    faults.invalid(prefix + name, value, "true or false")
    return None


class _Table(NamedTuple):
    """One object's keys, read once: their names, the required ones, the defaults."""

    keys: tuple[Key, ...]
    names: frozenset
    required: tuple[str, ...]
    defaults: dict


def _table(keys: tuple[Key, ...]) -> _Table:
    return _Table(
        keys,
        frozenset(key.name for key in keys),
        tuple(key.name for key in keys if key.default is REQUIRED),
        {key.name: key.default for key in keys if key.default is not REQUIRED},
    )


def _keys(obj: dict, table: _Table, path: str, faults: _Faults) -> dict:
    """The object's values by key name (defaults for the absent ones, REQUIRED said missing).

    Set operations first: a batch reads 10,000 documents, and most have every key right."""
    if type(obj) is DuplicateKeys:
        faults.twice(f"{path}{obj.duplicate}")
    if not table.names.issuperset(obj):
        for name in obj:
            if name not in table.names:
                faults.unknown(f"{path}{name}")
    values = {**table.defaults, **obj}
    for name in table.required:
        if name not in obj:
            faults.missing(f"{path}{name}")
            values[name] = REQUIRED
    return values


_DOCUMENT, _PERSON, _DEPENDENT = _table(DOCUMENT), _table(PERSON), _table(DEPENDENT)


def _born(value: Any, path: str, income_year: int, faults: _Faults) -> int | None:
    if _is_int(value) and FIRST_BIRTH_YEAR <= value <= income_year:
        return value
    faults.invalid(path, value, f"year of birth from {FIRST_BIRTH_YEAR} to {income_year}")
    return None


# The usual person and dependent are checked at once (a batch reads 10,000 documents, and
# most of them have nothing wrong); anything else takes the checked way, which names each
# fault. tests/unit/test_household_documents.py checks that the two ways agree.


def _person(obj: Any, path: str, income_year: int, faults: _Faults) -> Person | None:
    if type(obj) is dict and _PERSON.names.issuperset(obj):
        born, expenses = obj.get("born"), obj.get("actual_expenses")
        salary, unemployment = obj.get("salary", 0), obj.get("unemployment", 0)
        pension, disabled = obj.get("pension", 0), obj.get("disabled", False)
        if (
            type(born) is int
            and FIRST_BIRTH_YEAR <= born <= income_year
            and type(salary) is int
            and 0 <= salary <= MAX_AMOUNT
            and type(unemployment) is int
            and 0 <= unemployment <= MAX_AMOUNT
            and type(pension) is int
            and 0 <= pension <= MAX_AMOUNT
            and (
                (expenses is None and "actual_expenses" not in obj)
                or (type(expenses) is int and 0 <= expenses <= MAX_AMOUNT)
            )
            and type(disabled) is bool
        ):
            return Person(born, salary, unemployment, expenses, pension, disabled)
    return _checked_person(obj, path, income_year, faults)


def _checked_person(obj: Any, path: str, income_year: int, faults: _Faults) -> Person | None:
    if not isinstance(obj, dict):
        faults.invalid(path, obj, "an object: born, salary, unemployment, actual_expenses, pension, disabled")
        return None
    before = len(faults.messages)
    prefix = path + "."
    v = _keys(obj, _PERSON, prefix, faults)
    born = None if v["born"] is REQUIRED else _born(v["born"], prefix + "born", income_year, faults)
    salary = _amount(v["salary"], prefix, "salary", faults)
    unemployment = _amount(v["unemployment"], prefix, "unemployment", faults)
    expenses = v["actual_expenses"]
    if expenses is not None or "actual_expenses" in obj:
        expenses = _amount(expenses, prefix, "actual_expenses", faults)
    pension = _amount(v["pension"], prefix, "pension", faults)
    disabled = _flag(v["disabled"], prefix, "disabled", faults)
    if len(faults.messages) > before:
        return None
    return Person(born, salary, unemployment, expenses, pension, disabled)


def _dependent(obj: Any, path: str, income_year: int, faults: _Faults) -> Dependent | None:
    if type(obj) is dict and _DEPENDENT.names.issuperset(obj):
        born, shared, disabled = obj.get("born"), obj.get("shared_custody", False), obj.get("disabled", False)
        if (
            type(born) is int
            and type(shared) is bool
            and type(disabled) is bool
            and FIRST_BIRTH_YEAR <= born <= income_year
            and (
                disabled
                or (
                    born >= income_year - 1 - OLDEST_ATTACHED_AGE
                    and not (shared and income_year - 1 - born >= ADULT_AGE)
                )
            )
        ):
            return Dependent(born, shared, disabled)
    return _checked_dependent(obj, path, income_year, faults)


def _checked_dependent(obj: Any, path: str, income_year: int, faults: _Faults) -> Dependent | None:
    if not isinstance(obj, dict):
        faults.invalid(path, obj, "an object: born, shared_custody, disabled")
        return None
    before = len(faults.messages)
    prefix = path + "."
    v = _keys(obj, _DEPENDENT, prefix, faults)
    # a dependent is born by the income year, and under 25 on 1 January unless disabled
    oldest = income_year - 1 - OLDEST_ATTACHED_AGE

    def allowed_birth():
        return f"year of birth from {oldest} to {income_year}, earlier if disabled"

    born = v["born"]
    if born is not REQUIRED and not (_is_int(born) and FIRST_BIRTH_YEAR <= born <= income_year):
        faults.invalid(f"{path}.born", born, allowed_birth())
        born = None
    shared = _flag(v["shared_custody"], prefix, "shared_custody", faults)
    disabled = _flag(v["disabled"], prefix, "disabled", faults)
    if born not in (None, REQUIRED) and disabled is False:  # the rules between its keys
        if born < oldest:
            faults.invalid(f"{path}.born", born, allowed_birth(), "too-old")
        elif shared and income_year - 1 - born >= ADULT_AGE:
            faults.invalid(
                f"{path}.shared_custody",
                shared,
                f"false for an adult child: 18 or more on 1 January {income_year}",
                "adult-shared",
            )
    if len(faults.messages) > before:
        return None
    return Dependent(born, shared, disabled)


def _list(value: Any, path: str, allowed, faults: _Faults, most: int) -> list | tuple | None:
    """A list of at most ``most`` items; ``allowed`` (or ``allowed()``) says what is allowed."""
    if type(value) in (list, tuple) and len(value) <= most:
        return value
    faults.invalid(path, value, allowed if isinstance(allowed, str) else allowed())
    return None


def _amounts(items, name: str, faults: _Faults) -> list:
    """A list's amounts, each fault named ``name[i]``."""
    amounts = []
    for i, amount in enumerate(items):
        amounts.append(
            amount if type(amount) is int and 0 <= amount <= MAX_AMOUNT else _amount(amount, name, f"[{i}]", faults)
        )
    return amounts


def read_household(doc: Any, options: HouseholdOptions) -> tuple[int, Household, dict]:
    """(year, household, the document as understood) of a valid document; else
    ``ActionFailed`` with every fault's message."""
    faults = _Faults()
    household = _read(doc, options, faults)
    if faults.messages:
        raise ActionFailed(faults.messages, problems=faults.problems)
    return household


def _read(doc: Any, options: HouseholdOptions, faults: _Faults):  # noqa: C901 (one pass over the keys, in order)
    if options.default is None:  # no year to compute in
        faults.invalid("year", doc.get("year"), options.allowed_years)
        return None
    v = _keys(doc, _DOCUMENT, "", faults)
    year = options.default if v["year"] is None and "year" not in doc else v["year"]
    if not (_is_int(year) and year in options.years):
        faults.invalid("year", year, options.allowed_years)
        year = None
    income_year = (year or options.default) - 1
    status = v["status"]
    if status is REQUIRED:
        status = None
    elif status not in STATUSES:
        faults.invalid("status", status, "single, married, divorced or widowed")
        status = None
    married = status == "married"

    declarants = []
    value = v["declarants"]
    if value is not REQUIRED:
        # how many: judged only when the status is known
        expected = (2,) if married else (1,) if status else (1, 2)
        items = value if type(value) in (list, tuple) and len(value) in expected else None
        if items is None:
            count = (
                "2 persons when married"
                if married
                else "1 person unless married"
                if status
                else "1 person, 2 when married"
            )
            faults.invalid("declarants", value, f"a list of {count}", "count")
        for i, obj in enumerate(items or ()):
            declarants.append(_person(obj, f"declarants[{i}]", income_year, faults))

    dependents = []
    items = _list(
        v["dependents"], "dependents", lambda: f"a list of at most {MAX_CHILDREN} dependents", faults, MAX_CHILDREN
    )
    for i, obj in enumerate(items or ()):
        dependents.append(_dependent(obj, f"dependents[{i}]", income_year, faults))
    dependents_known = items is not None and None not in dependents

    single_parent = _flag(v["single_parent"], "", "single_parent", faults)
    if (
        single_parent
        and status is not None
        and dependents_known
        and (status not in ("single", "divorced") or not dependents)
    ):
        faults.invalid("single_parent", True, "true only when single or divorced, with dependents", "rule")
    alone = _flag(v["raised_children_alone"], "", "raised_children_alone", faults)
    if alone and status is not None and dependents_known and (married or dependents):
        faults.invalid("raised_children_alone", True, "true only when not married, without dependents", "rule")

    items = _list(
        v["alimony_adult_children"],
        "alimony_adult_children",
        ALIMONY_ALLOWED,
        faults,
        MAX_ALIMONY_CHILDREN,
    )
    alimony_children = _amounts(items or (), "alimony_adult_children", faults)
    alimony_other = _amount(v["alimony_other"], "", "alimony_other", faults)
    donations = _amount(v["donations"], "", "donations", faults)
    donations_to_aid = _amount(v["donations_to_aid"], "", "donations_to_aid", faults)
    home_employment = _amount(v["home_employment"], "", "home_employment", faults)

    young = sum(1 for d in dependents if d is not None and income_year - 1 - d.born < YOUNG_CHILD_AGE)
    most = young if dependents_known else MAX_CHILDREN
    items = _list(
        v["childcare"],
        "childcare",
        lambda: f"a list of at most {most} amounts: one per dependent under 6 on 1 January {income_year}",
        faults,
        most,
    )
    childcare = _amounts(items or (), "childcare", faults)

    if faults.messages:
        return None
    household = Household(
        status=status,
        declarants=tuple(declarants),
        dependents=tuple(dependents),
        single_parent=single_parent,
        raised_children_alone=alone,
        alimony_adult_children=tuple(alimony_children),
        alimony_other=alimony_other,
        donations=donations,
        donations_to_aid=donations_to_aid,
        home_employment=home_employment,
        childcare=tuple(childcare),
    )
    return year, household, document_of(year, household)


def document_of(year: int, household: Household) -> dict:
    """The document as understood: every default filled in, in the keys' order (the
    actual expenses only where they were given, so that it can be sent back as it is)."""

    def person(p: Person) -> dict:
        out = {"born": p.born, "salary": p.salary, "unemployment": p.unemployment}
        if p.actual_expenses is not None:
            out["actual_expenses"] = p.actual_expenses
        out["pension"] = p.pension
        out["disabled"] = p.disabled
        return out

    return {
        "year": year,
        "status": household.status,
        "declarants": [person(p) for p in household.declarants],
        "dependents": [
            {"born": d.born, "shared_custody": d.shared_custody, "disabled": d.disabled} for d in household.dependents
        ],
        "single_parent": household.single_parent,
        "raised_children_alone": household.raised_children_alone,
        "alimony_adult_children": list(household.alimony_adult_children),
        "alimony_other": household.alimony_other,
        "donations": household.donations,
        "donations_to_aid": household.donations_to_aid,
        "home_employment": household.home_employment,
        "childcare": list(household.childcare),
    }


def _document_body(body: bytes) -> Any:
    """The parsed body, an object naming a key twice a ``DuplicateKeys``."""
    return parse_json_body(body, object_pairs_hook=pairs_with_duplicates)


def household_body(body: bytes, options: HouseholdOptions) -> tuple[int, Household, dict]:
    """The household of a calculate-household body."""
    doc = _document_body(body)
    if not isinstance(doc, dict):
        raise ActionFailed([NOT_AN_OBJECT])
    return read_household(doc, options)


def households_body(body: bytes, max_items: int, options: HouseholdOptions) -> list[tuple[int, Household, dict]]:
    """The households of a calculate-households body, all or none: each faulty item is
    answered as sent with its ``errors``."""
    items = batch_list(_document_body(body), max_items, "households")
    households, faulty = [], []
    for item in items:
        faults = _Faults()
        household = _read(item, options, faults)
        if faults.messages:
            faulty.append({**item, "errors": faults.messages})
        else:
            households.append(household)
    if faulty:
        raise ActionFailed(faulty)
    return households


def calculated(data: TaxData, household: Household, document: dict, explained: bool = True) -> dict:
    """calculate-household's answer of a valid document in the year of ``data`` (without its
    ``steps`` when not ``explained``: calculate-households' items)."""
    return household_answer(data, document, calculate_household(data, household), explained)


def household_answer(data: TaxData, document: dict, result: HouseholdResult, explained: bool = True) -> dict:
    """calculate-household's answer (docs/households.md), without its id (the simulation
    store gives it): the document as understood, the figures the contract requires, then
    how they come about. The client computes the same locally."""
    it = result.income_tax
    return {
        "household": document,
        "shares": it.shares,
        "taxable_income": it.taxable_income,
        "reference_income": it.reference_income,
        "rate": it.rate,
        "discount": it.discount,
        "tax": it.tax,
        "tax_reductions": result.tax_reductions,
        "tax_credits": result.tax_credits,
        "high_income_contribution": result.high_income_contribution,
        "differential_contribution": result.differential_contribution,
        "due": result.due,
        "incomes": [
            {
                "salaries": p.salaries,
                "salary_deduction": p.salary_deduction,
                "actual_expenses": p.actual_expenses,
                "pensions": p.pensions,
                "pension_allowance": p.pension_allowance,
            }
            for p in it.persons
        ],
        "pension_allowance_cap": it.pension_allowance_cap,
        "gross_income": it.gross_income,
        "alimony": it.alimony,
        "net_income": it.net_income,
        "special_allowance": it.special_allowance,
        "gross_tax": it.gross_tax,
        "family_quotient_cap": it.family_quotient_cap,
        "complementary_reduction": it.complementary_reduction,
        "reduction": it.reduction,
        "donation_reduction": result.donation_reduction,
        "home_employment_credit": result.home_employment_credit,
        "childcare_credit": result.childcare_credit,
        "not_collected": result.not_collected,
        # the calculation explained (taxapp.tax.steps); a batch's items leave it out: it would
        # double a 10,000-household batch's time and its simulations' size (docs/households.md)
        **({"steps": explain(data, result)} if explained else {}),
    }
