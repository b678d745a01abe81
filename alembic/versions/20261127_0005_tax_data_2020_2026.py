"""tax data: tax years 2020 to 2026 (incomes of 2019 to 2025)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

A data migration: the figures of each year's finance law (docs/tax-years.md lists
the references), written here as decimals; they never change. The 20 % reduction
was abolished from tax year 2021: its figures are None (NULL). A later year is a
new migration of this shape, with its own YEARS.
"""

from decimal import Decimal as D

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# tax year -> its figures; brackets: (upper_limit, coeffr, coeffn), None = the unbounded last one
YEARS = {
    2020: {  # incomes of 2019
        "qf_half_share_cap": D("1567"),
        "single_income_ceiling_for_reduction": D("21249"),
        "couple_income_ceiling_for_reduction": D("42498"),
        "half_share_reduction_value": D("3836"),
        "single_discount_ceiling": D("1208"),
        "couple_discount_ceiling": D("1990"),
        "single_tax_ceiling_for_discount": D("1611"),
        "couple_tax_ceiling_for_discount": D("2654"),
        "max_10_percent_allowance": D("12627"),
        "min_10_percent_allowance": D("441"),
        "discount_rate": D("0.75"),
        "allowance_rate": D("0.1"),
        "reduction_rate": D("0.2"),
        "single_full_reduction_ceiling": D("19176"),
        "couple_full_reduction_ceiling": D("38352"),
        "single_parent_qf_cap": D("3697"),
        "brackets": [
            (D("10064"), D("0"), D("0")),
            (D("27794"), D("0.14"), D("1408.96")),
            (D("74517"), D("0.3"), D("5856")),
            (D("157806"), D("0.41"), D("14052.87")),
            (None, D("0.45"), D("20365.11")),
        ],
    },
    2021: {  # incomes of 2020
        "qf_half_share_cap": D("1570"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("779"),
        "couple_discount_ceiling": D("1289"),
        "single_tax_ceiling_for_discount": D("1722"),
        "couple_tax_ceiling_for_discount": D("2849"),
        "max_10_percent_allowance": D("12652"),
        "min_10_percent_allowance": D("442"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("3704"),
        "brackets": [
            (D("10084"), D("0"), D("0")),
            (D("25710"), D("0.11"), D("1109.24")),
            (D("73516"), D("0.3"), D("5994.14")),
            (D("158122"), D("0.41"), D("14080.9")),
            (None, D("0.45"), D("20405.78")),
        ],
    },
    2022: {  # incomes of 2021
        "qf_half_share_cap": D("1592"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("790"),
        "couple_discount_ceiling": D("1307"),
        "single_tax_ceiling_for_discount": D("1746"),
        "couple_tax_ceiling_for_discount": D("2889"),
        "max_10_percent_allowance": D("12829"),
        "min_10_percent_allowance": D("448"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("3756"),
        "brackets": [
            (D("10225"), D("0"), D("0")),
            (D("26070"), D("0.11"), D("1124.75")),
            (D("74545"), D("0.3"), D("6078.05")),
            (D("160336"), D("0.41"), D("14278")),
            (None, D("0.45"), D("20691.44")),
        ],
    },
    2023: {  # incomes of 2022
        "qf_half_share_cap": D("1678"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("833"),
        "couple_discount_ceiling": D("1378"),
        "single_tax_ceiling_for_discount": D("1841"),
        "couple_tax_ceiling_for_discount": D("3046"),
        "max_10_percent_allowance": D("13522"),
        "min_10_percent_allowance": D("472"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("3959"),
        "brackets": [
            (D("10777"), D("0"), D("0")),
            (D("27478"), D("0.11"), D("1185.47")),
            (D("78570"), D("0.3"), D("6406.29")),
            (D("168994"), D("0.41"), D("15048.99")),
            (None, D("0.45"), D("21808.75")),
        ],
    },
    2024: {  # incomes of 2023
        "qf_half_share_cap": D("1759"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("873"),
        "couple_discount_ceiling": D("1444"),
        "single_tax_ceiling_for_discount": D("1930"),
        "couple_tax_ceiling_for_discount": D("3192"),
        "max_10_percent_allowance": D("14171"),
        "min_10_percent_allowance": D("495"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("4149"),
        "brackets": [
            (D("11294"), D("0"), D("0")),
            (D("28797"), D("0.11"), D("1242.34")),
            (D("82341"), D("0.3"), D("6713.77")),
            (D("177106"), D("0.41"), D("15771.28")),
            (None, D("0.45"), D("22855.52")),
        ],
    },
    2025: {  # incomes of 2024
        "qf_half_share_cap": D("1791"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("889"),
        "couple_discount_ceiling": D("1470"),
        "single_tax_ceiling_for_discount": D("1965"),
        "couple_tax_ceiling_for_discount": D("3249"),
        "max_10_percent_allowance": D("14426"),
        "min_10_percent_allowance": D("504"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("4224"),
        "brackets": [
            (D("11497"), D("0"), D("0")),
            (D("29315"), D("0.11"), D("1264.67")),
            (D("83823"), D("0.3"), D("6834.52")),
            (D("180294"), D("0.41"), D("16055.05")),
            (None, D("0.45"), D("23266.81")),
        ],
    },
    2026: {  # incomes of 2025
        "qf_half_share_cap": D("1807"),
        "single_income_ceiling_for_reduction": None,
        "couple_income_ceiling_for_reduction": None,
        "half_share_reduction_value": None,
        "single_discount_ceiling": D("897"),
        "couple_discount_ceiling": D("1483"),
        "single_tax_ceiling_for_discount": D("1983"),
        "couple_tax_ceiling_for_discount": D("3278"),
        "max_10_percent_allowance": D("14555"),
        "min_10_percent_allowance": D("509"),
        "discount_rate": D("0.4525"),
        "allowance_rate": D("0.1"),
        "reduction_rate": None,
        "single_full_reduction_ceiling": None,
        "couple_full_reduction_ceiling": None,
        "single_parent_qf_cap": D("4262"),
        "brackets": [
            (D("11600"), D("0"), D("0")),
            (D("29579"), D("0.11"), D("1276")),
            (D("84577"), D("0.3"), D("6896.01")),
            (D("181917"), D("0.41"), D("16199.48")),
            (None, D("0.45"), D("23476.16")),
        ],
    },
}

Amount = sa.Numeric(14, 4)
COLUMNS = [name for name in YEARS[min(YEARS)] if name != "brackets"]
tax_years = sa.table("tax_years", sa.column("tax_year", sa.Integer), *(sa.column(name, Amount) for name in COLUMNS))
tax_brackets = sa.table(
    "tax_brackets",
    sa.column("tax_year", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("upper_limit", Amount),
    sa.column("coeffr", Amount),
    sa.column("coeffn", Amount),
)


def upgrade():
    op.bulk_insert(
        tax_years, [{"tax_year": year, **{name: figures[name] for name in COLUMNS}} for year, figures in YEARS.items()]
    )
    op.bulk_insert(
        tax_brackets,
        [
            {"tax_year": year, "position": i, "upper_limit": limit, "coeffr": r, "coeffn": n}
            for year, figures in YEARS.items()
            for i, (limit, r, n) in enumerate(figures["brackets"])
        ],
    )


def downgrade():
    op.execute(tax_brackets.delete().where(tax_brackets.c.tax_year.in_(list(YEARS))))
    op.execute(tax_years.delete().where(tax_years.c.tax_year.in_(list(YEARS))))
