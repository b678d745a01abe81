"""tax data schema: what the official rules need

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

The décote's and the allowance's rates, the reduction's rate and full-rate ceilings,
the single parent's (case T) family-quotient cap. The reduction was abolished from
tax year 2021: its columns become nullable, NULL meaning "no reduction that year".
``batch_alter_table`` so that SQLite, which cannot alter a column, copies the table.
"""

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Amount = sa.Numeric(14, 4)

NEW_COLUMNS = (
    "discount_rate",
    "allowance_rate",
    "reduction_rate",
    "single_full_reduction_ceiling",
    "couple_full_reduction_ceiling",
    "single_parent_qf_cap",
)
REDUCTION_COLUMNS = (
    "single_income_ceiling_for_reduction",
    "couple_income_ceiling_for_reduction",
    "half_share_reduction_value",
)


def upgrade():
    with op.batch_alter_table("tax_years") as batch:
        for name in NEW_COLUMNS:
            batch.add_column(sa.Column(name, Amount, nullable=True))
        for name in REDUCTION_COLUMNS:
            batch.alter_column(name, existing_type=Amount, nullable=True)


def downgrade():
    with op.batch_alter_table("tax_years") as batch:
        for name in REDUCTION_COLUMNS:
            batch.alter_column(name, existing_type=Amount, nullable=False)
        for name in reversed(NEW_COLUMNS):
            batch.drop_column(name)
