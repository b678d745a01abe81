"""tax data: the original application's 2019 set

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

A data migration: the figures are written here, as decimals, and never change.
Another year's data is a new migration of the same shape.
"""

from decimal import Decimal as D

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TAX_YEAR = 2019

PARAMETERS = {
    "tax_year": TAX_YEAR,
    "qf_half_share_cap": D("1551"),
    "single_income_ceiling_for_reduction": D("21037"),
    "couple_income_ceiling_for_reduction": D("42074"),
    "half_share_reduction_value": D("3797"),
    "single_discount_ceiling": D("1196"),
    "couple_discount_ceiling": D("1970"),
    "single_tax_ceiling_for_discount": D("1595"),
    "couple_tax_ceiling_for_discount": D("2627"),
    "max_10_percent_allowance": D("12502"),
    "min_10_percent_allowance": D("437"),
}

# (upper_limit, coeffr, coeffn); None = the unbounded last bracket
BRACKETS = [
    (D("9964"), D("0"), D("0")),
    (D("27519"), D("0.14"), D("1394.96")),
    (D("73779"), D("0.3"), D("5798")),
    (D("156244"), D("0.41"), D("13913.69")),
    (None, D("0.45"), D("20163.45")),
]

Amount = sa.Numeric(14, 4)
tax_years = sa.table("tax_years", *(sa.column(name, Amount) for name in PARAMETERS))
tax_brackets = sa.table(
    "tax_brackets",
    sa.column("tax_year", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("upper_limit", Amount),
    sa.column("coeffr", Amount),
    sa.column("coeffn", Amount),
)


def upgrade():
    op.bulk_insert(tax_years, [PARAMETERS])
    op.bulk_insert(
        tax_brackets,
        [
            {"tax_year": TAX_YEAR, "position": i, "upper_limit": limit, "coeffr": r, "coeffn": n}
            for i, (limit, r, n) in enumerate(BRACKETS)
        ],
    )


def downgrade():
    op.execute(tax_brackets.delete().where(tax_brackets.c.tax_year == TAX_YEAR))
    op.execute(tax_years.delete().where(tax_years.c.tax_year == TAX_YEAR))
