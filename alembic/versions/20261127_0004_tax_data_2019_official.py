"""tax data: the official rules' figures of tax year 2019

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Completes the course's 2019 row (0002) with the columns 0003 added. Figures from
the law of each year (docs/tax-years.md lists the references), written here as
decimals: they never change.
"""

from decimal import Decimal as D

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TAX_YEAR = 2019

PARAMETERS = {
    "discount_rate": D("0.75"),
    "allowance_rate": D("0.1"),
    "reduction_rate": D("0.2"),
    "single_full_reduction_ceiling": D("18985"),
    "couple_full_reduction_ceiling": D("37970"),
    "single_parent_qf_cap": D("3660"),
}

Amount = sa.Numeric(14, 4)
tax_years = sa.table("tax_years", sa.column("tax_year", sa.Integer), *(sa.column(name, Amount) for name in PARAMETERS))


def upgrade():
    op.execute(tax_years.update().where(tax_years.c.tax_year == TAX_YEAR).values(**PARAMETERS))


def downgrade():
    op.execute(tax_years.update().where(tax_years.c.tax_year == TAX_YEAR).values(**dict.fromkeys(PARAMETERS)))
