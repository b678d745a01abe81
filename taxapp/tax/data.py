"""What the calculations read and return: a tax year's figures, a taxpayer, a result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import NamedTuple

# The course's algorithm was written for, and only for, these figures.
COURSE_YEAR = 2019
RULES = ("course", "official")


def rules_available(tax_year: int) -> tuple[str, ...]:
    """The rules a tax year can be computed with."""
    return RULES if tax_year == COURSE_YEAR else ("official",)


def default_rules(tax_year: int) -> str:
    """The course's year keeps the course rules unless asked otherwise (its clients see nothing new)."""
    return rules_available(tax_year)[0]


@dataclass(frozen=True, slots=True)
class TaxData:
    """The tax administration's figures for one tax year.

    ``limits``, ``coeffr`` and ``coeffn`` describe the brackets in order; the last
    bracket is unbounded and its limit is written ``0`` (as in the original's data
    and in the get-admindata answer): the calculation never reads it.

    The fields after ``tax_year`` are the official rules' (docs/tax-years.md); they
    are ``None`` in the course's get-admindata answer, and the reduction's fields
    are ``None`` from tax year 2021, when the reduction was abolished. Numbers are
    ``float`` as the course rules need; the official rules read each back exactly
    from its shortest decimal form (``repr``), which is the stored decimal.
    """

    limits: tuple[float, ...]
    coeffr: tuple[float, ...]
    coeffn: tuple[float, ...]
    qf_half_share_cap: float
    single_income_ceiling_for_reduction: float | None
    couple_income_ceiling_for_reduction: float | None
    half_share_reduction_value: float | None
    single_discount_ceiling: float
    couple_discount_ceiling: float
    single_tax_ceiling_for_discount: float
    couple_tax_ceiling_for_discount: float
    max_10_percent_allowance: float
    min_10_percent_allowance: float
    tax_year: int
    discount_rate: float | None = None
    allowance_rate: float | None = None
    reduction_rate: float | None = None
    single_full_reduction_ceiling: float | None = None
    couple_full_reduction_ceiling: float | None = None
    single_parent_qf_cap: float | None = None
    # The whole household's figures of the year (None where the data has none: the
    # salary-only rules never read them). Not part of get-admindata's answers.
    household: HouseholdData | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (len(self.limits) == len(self.coeffr) == len(self.coeffn) >= 1):
            raise ValueError("limits, coeffr and coeffn must be non-empty and of equal length")

    def as_dict(self, official: bool = False) -> dict:
        """The get-admindata shape: lists for the brackets, numbers as they are.

        Without ``official``, exactly the course's keys; with it, the official
        rules' keys too and ``rules_available``.
        """
        data = asdict(self)
        data.pop("household")
        for key in ("limits", "coeffr", "coeffn"):
            data[key] = [_plain_number(v) for v in data[key]]
        for key, value in data.items():
            if not isinstance(value, list):
                data[key] = _plain_number(value)
        if not official:
            return {key: data[key] for key in COURSE_KEYS}
        data["rules_available"] = list(rules_available(self.tax_year))
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TaxData:
        """Build from the get-admindata shape (the inverse of :meth:`as_dict`)."""
        values = {key: data[key] for key in COURSE_KEYS}
        values.update({key: data[key] for key in OFFICIAL_KEYS if key in data})
        for key, value in values.items():
            if key in ("limits", "coeffr", "coeffn"):
                values[key] = tuple(float(v) for v in value)
            elif key == "tax_year":
                values[key] = int(value)
            elif value is not None:
                values[key] = float(value)
        if data.get("household") is not None:  # get-admindata?household=yes
            values["household"] = HouseholdData.from_dict(data["household"])
        return cls(**values)


_FIELDS = [f.name for f in fields(TaxData) if f.name != "household"]
COURSE_KEYS = tuple(_FIELDS[: _FIELDS.index("tax_year") + 1])
OFFICIAL_KEYS = tuple(_FIELDS[len(COURSE_KEYS) :])


@dataclass(frozen=True, slots=True)
class HouseholdData:
    """The figures of one tax year that the whole household's rules read beyond
    :class:`TaxData`'s (docs/households.md lists each with its article).

    Amounts in euros, rates as fractions (0.1 for 10 %), ``float`` as in
    :class:`TaxData` (the engine reads each back exactly from its shortest
    decimal form). The differential contribution's fields are ``None`` in the
    years without it (before tax year 2026).
    """

    # pensions: 10 % with a minimum per person and a maximum for the household (CGI 158-5-a)
    pension_allowance_rate: float
    pension_allowance_min: float
    pension_allowance_max: float
    # people over 65 or disabled with a modest net income (CGI 157 bis)
    special_allowance_full: float
    special_allowance_full_ceiling: float
    special_allowance_half: float
    special_allowance_half_ceiling: float
    # alimony to an adult child not attached, per child (CGI 156 II-2°, 196 B)
    alimony_adult_child_ceiling: float
    # the family quotient (CGI 197 I-2): box L's cap, the complementary reductions
    box_l_qf_cap: float
    disability_qf_reduction: float
    widowed_qf_reduction: float
    # donations (CGI 200): the general rate within a share of the taxable income; the aid's
    aid_donations_rate: float
    aid_donations_ceiling: float
    donations_rate: float
    donations_income_share: float
    # home employment (CGI 199 sexdecies) and childcare (CGI 200 quater B) credits
    home_employment_rate: float
    home_employment_ceiling: float
    home_employment_increase: float
    home_employment_max_ceiling: float
    home_employment_disabled_ceiling: float
    childcare_rate: float
    childcare_ceiling: float
    # the overall cap of tax advantages (CGI 200-0 A)
    tax_advantages_cap: float
    # collection (CGI 1657 1 bis, 1965 L)
    collection_threshold: float
    collection_threshold_after_credits: float
    refund_threshold: float
    # the high-income contribution (CGI 223 sexies): two rates above two thresholds
    cehr_rate_1: float
    cehr_rate_2: float
    cehr_single_threshold_1: float
    cehr_single_threshold_2: float
    cehr_couple_threshold_1: float
    cehr_couple_threshold_2: float
    # the differential contribution (CGI 224), from tax year 2026
    cdhr_rate: float | None = None
    cdhr_single_threshold: float | None = None
    cdhr_couple_threshold: float | None = None
    cdhr_discount_rate: float | None = None
    cdhr_single_discount_ceiling: float | None = None
    cdhr_couple_discount_ceiling: float | None = None
    cdhr_dependent_increase: float | None = None
    cdhr_couple_increase: float | None = None

    def as_dict(self) -> dict:
        return {key: _plain_number(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> HouseholdData:
        return cls(**{key: None if value is None else float(value) for key, value in data.items()})


HOUSEHOLD_KEYS = tuple(f.name for f in fields(HouseholdData))


def _plain_number(value: float | None) -> int | float | None:
    """1551.0 -> 1551 (the administration's whole amounts), 0.14 stays 0.14."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Taxpayer(NamedTuple):
    # a NamedTuple, not a frozen dataclass: a batch makes 10,000 of them, and a
    # frozen dataclass costs four times as much to build
    married: bool
    children: int
    salary: int
    # None: not sent (the simulation then shows neither, as the course's did)
    single_parent: bool | None = None
    year: int | None = None
    rules: str | None = None


@dataclass(frozen=True, slots=True)
class TaxResult:
    tax: int
    surcharge: int
    discount: int
    reduction: int
    rate: float


def shares(married: bool, children: int, single_parent: bool = False) -> float:
    """Number of shares (parts): ½ for each of the first two children, 1 for each further one."""
    parts = (2 if married else 1) + children / 2
    if children >= 3:
        parts += 0.5 * (children - 2)
    if single_parent:
        parts += 0.5
    return parts


def half_shares(children: int) -> int:
    """Half-shares the children bring (the course's ``h``)."""
    return children if children < 3 else 2 + 2 * (children - 2)
