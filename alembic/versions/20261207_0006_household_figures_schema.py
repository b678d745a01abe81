"""tax data schema: household_figures, what the whole household's rules read

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

One row per tax year beside tax_years (the salary rules' figures stay there, and
get-admindata answers them unchanged): pensions' allowance, the special allowance
of people over 65 or disabled, the alimony ceiling, the family quotient's other caps
and complementary reductions, the donations' rates and ceilings, the home-employment
and childcare credits, the overall cap of tax advantages, the collection thresholds,
the CEHR's and the CDHR's figures. docs/households.md says what each is, with its
article. Nullable only where a rule does not exist every year (the CDHR, from tax
year 2026).
"""

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Amount = sa.Numeric(14, 4)

COLUMNS = (
    "pension_allowance_rate",
    "pension_allowance_min",
    "pension_allowance_max",
    "special_allowance_full",
    "special_allowance_full_ceiling",
    "special_allowance_half",
    "special_allowance_half_ceiling",
    "alimony_adult_child_ceiling",
    "box_l_qf_cap",
    "disability_qf_reduction",
    "widowed_qf_reduction",
    "aid_donations_rate",
    "aid_donations_ceiling",
    "donations_rate",
    "donations_income_share",
    "home_employment_rate",
    "home_employment_ceiling",
    "home_employment_increase",
    "home_employment_max_ceiling",
    "home_employment_disabled_ceiling",
    "childcare_rate",
    "childcare_ceiling",
    "tax_advantages_cap",
    "collection_threshold",
    "collection_threshold_after_credits",
    "refund_threshold",
    "cehr_rate_1",
    "cehr_rate_2",
    "cehr_single_threshold_1",
    "cehr_single_threshold_2",
    "cehr_couple_threshold_1",
    "cehr_couple_threshold_2",
)
# the differential contribution (CGI 224): from tax year 2026 only
NULLABLE_COLUMNS = (
    "cdhr_rate",
    "cdhr_single_threshold",
    "cdhr_couple_threshold",
    "cdhr_discount_rate",
    "cdhr_single_discount_ceiling",
    "cdhr_couple_discount_ceiling",
    "cdhr_dependent_increase",
    "cdhr_couple_increase",
)


def upgrade():
    op.create_table(
        "household_figures",
        sa.Column("tax_year", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, Amount, nullable=False) for name in COLUMNS),
        *(sa.Column(name, Amount, nullable=True) for name in NULLABLE_COLUMNS),
        sa.ForeignKeyConstraint(
            ["tax_year"], ["tax_years.tax_year"], name=op.f("fk_household_figures_tax_year_tax_years")
        ),
        sa.PrimaryKeyConstraint("tax_year", name=op.f("pk_household_figures")),
    )


def downgrade():
    op.drop_table("household_figures")
