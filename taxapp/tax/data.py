"""What the calculations read and return: a tax year's figures, a taxpayer, a result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
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

    def __post_init__(self) -> None:
        if not (len(self.limits) == len(self.coeffr) == len(self.coeffn) >= 1):
            raise ValueError("limits, coeffr and coeffn must be non-empty and of equal length")

    def as_dict(self, official: bool = False) -> dict:
        """The get-admindata shape: lists for the brackets, numbers as they are.

        Without ``official``, exactly the course's keys; with it, the official
        rules' keys too and ``rules_available``.
        """
        data = asdict(self)
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
        return cls(**values)


_FIELDS = [f.name for f in fields(TaxData)]
COURSE_KEYS = tuple(_FIELDS[: _FIELDS.index("tax_year") + 1])
OFFICIAL_KEYS = tuple(_FIELDS[len(COURSE_KEYS) :])


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
