"""The tax administration's data, one set per tax year, and its loader.

Amounts are stored as exact decimals (``Numeric``): a single-precision ``FLOAT``
column, which MySQL/MariaDB would give for ``Float``, turns 13913.69 into
13913.7. They become ``float`` only when loaded, because the course's calculation
reproduces the original's float arithmetic; the official rules read each float
back as its shortest decimal, which is the stored value (``taxapp.tax.official``).

Every year in the database is loaded at start-up: the years come from the data
migrations, never from a list in the code.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from ..tax import HOUSEHOLD_KEYS, HouseholdData, TaxData
from .meta import Base

Amount = Numeric(14, 4)


class TaxYear(Base):
    __tablename__ = "tax_years"

    tax_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    qf_half_share_cap: Mapped[Decimal] = mapped_column(Amount)
    # NULL from tax year 2021: no reduction
    single_income_ceiling_for_reduction: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    couple_income_ceiling_for_reduction: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    half_share_reduction_value: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    single_discount_ceiling: Mapped[Decimal] = mapped_column(Amount)
    couple_discount_ceiling: Mapped[Decimal] = mapped_column(Amount)
    single_tax_ceiling_for_discount: Mapped[Decimal] = mapped_column(Amount)
    couple_tax_ceiling_for_discount: Mapped[Decimal] = mapped_column(Amount)
    max_10_percent_allowance: Mapped[Decimal] = mapped_column(Amount)
    min_10_percent_allowance: Mapped[Decimal] = mapped_column(Amount)
    # the official rules' (revision 0003)
    discount_rate: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    allowance_rate: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    reduction_rate: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    single_full_reduction_ceiling: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    couple_full_reduction_ceiling: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    single_parent_qf_cap: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)

    brackets: Mapped[list[TaxBracket]] = relationship(order_by="TaxBracket.position", back_populates="year")


class TaxBracket(Base):
    """One bracket; ``upper_limit`` is NULL for the last, unbounded one."""

    __tablename__ = "tax_brackets"

    tax_year: Mapped[int] = mapped_column(ForeignKey("tax_years.tax_year"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    upper_limit: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    coeffr: Mapped[Decimal] = mapped_column(Amount)
    coeffn: Mapped[Decimal] = mapped_column(Amount)

    year: Mapped[TaxYear] = relationship(back_populates="brackets")


class HouseholdFigures(Base):
    """What the whole household's rules read beyond the tax year's (revision 0006): one
    column per field of ``taxapp.tax.HouseholdData``, NULL where a rule does not exist
    that year (the differential contribution before tax year 2026)."""

    __tablename__ = "household_figures"

    tax_year: Mapped[int] = mapped_column(ForeignKey("tax_years.tax_year"), primary_key=True)


for _name in HOUSEHOLD_KEYS:  # the columns, named as the dataclass's fields
    setattr(HouseholdFigures, _name, mapped_column(Amount, nullable=_name.startswith("cdhr_")))


class TaxDataMissing(LookupError):
    """The configured tax year has no data (migrations not run, or another year)."""


PARAMETERS = tuple(
    name for name in TaxData.__dataclass_fields__ if name not in ("limits", "coeffr", "coeffn", "tax_year", "household")
)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _household_data(figures: HouseholdFigures | None) -> HouseholdData | None:
    if figures is None:
        return None
    return HouseholdData(**{name: _float(getattr(figures, name)) for name in HOUSEHOLD_KEYS})


def _tax_data(year: TaxYear, household: HouseholdFigures | None = None) -> TaxData:
    brackets = year.brackets
    return TaxData(
        limits=tuple(0.0 if b.upper_limit is None else float(b.upper_limit) for b in brackets),
        coeffr=tuple(float(b.coeffr) for b in brackets),
        coeffn=tuple(float(b.coeffn) for b in brackets),
        tax_year=year.tax_year,
        **{name: _float(getattr(year, name)) for name in PARAMETERS},
        household=_household_data(household),
    )


def _household_figures(dbsession: Session) -> dict[int, HouseholdFigures]:
    """{tax year: its household figures}; none in a database migrated before revision
    0006, which still serves the salary rules (the household's actions then have no year)."""
    if not inspect(dbsession.connection()).has_table(HouseholdFigures.__tablename__):
        return {}
    return {figures.tax_year: figures for figures in dbsession.scalars(select(HouseholdFigures))}


def load_tax_data(dbsession: Session, tax_year: int) -> TaxData:
    """Read the data of ``tax_year`` and turn it into the calculation's input."""
    year = dbsession.scalars(select(TaxYear).where(TaxYear.tax_year == tax_year)).one_or_none()
    if year is None or not year.brackets:
        raise TaxDataMissing(f"no tax data for tax year {tax_year}")
    return _tax_data(year, _household_figures(dbsession).get(tax_year))


def load_all_tax_data(dbsession: Session) -> dict[int, TaxData]:
    """Every tax year the database has (with its brackets), in order: {year: data}."""
    years = dbsession.scalars(select(TaxYear).options(selectinload(TaxYear.brackets)).order_by(TaxYear.tax_year)).all()
    households = _household_figures(dbsession)
    return {year.tax_year: _tax_data(year, households.get(year.tax_year)) for year in years if year.brackets}
