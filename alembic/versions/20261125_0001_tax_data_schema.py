"""tax data schema: tax_years and tax_brackets

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Amount = sa.Numeric(14, 4)


def upgrade():
    op.create_table(
        "tax_years",
        sa.Column("tax_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("qf_half_share_cap", Amount, nullable=False),
        sa.Column("single_income_ceiling_for_reduction", Amount, nullable=False),
        sa.Column("couple_income_ceiling_for_reduction", Amount, nullable=False),
        sa.Column("half_share_reduction_value", Amount, nullable=False),
        sa.Column("single_discount_ceiling", Amount, nullable=False),
        sa.Column("couple_discount_ceiling", Amount, nullable=False),
        sa.Column("single_tax_ceiling_for_discount", Amount, nullable=False),
        sa.Column("couple_tax_ceiling_for_discount", Amount, nullable=False),
        sa.Column("max_10_percent_allowance", Amount, nullable=False),
        sa.Column("min_10_percent_allowance", Amount, nullable=False),
        sa.PrimaryKeyConstraint("tax_year", name=op.f("pk_tax_years")),
    )
    op.create_table(
        "tax_brackets",
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("upper_limit", Amount, nullable=True),
        sa.Column("coeffr", Amount, nullable=False),
        sa.Column("coeffn", Amount, nullable=False),
        sa.ForeignKeyConstraint(["tax_year"], ["tax_years.tax_year"], name=op.f("fk_tax_brackets_tax_year_tax_years")),
        sa.PrimaryKeyConstraint("tax_year", "position", name=op.f("pk_tax_brackets")),
    )


def downgrade():
    op.drop_table("tax_brackets")
    op.drop_table("tax_years")
