"""tax data: the whole household's figures of tax years 2019 to 2026

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

A data migration: the figures of each year's law, written here as decimals; they
never change. They are OpenFisca-France 176.1.8's parameters (its tree
``parameters/impot_revenu/``), checked against it by tests/tax/test_household_oracle.py,
except the refund threshold, which OpenFisca does not have (CGI art. 1965 L).
A later year is a new migration of this shape with its own rows.

The references. What each figure is (docs/households.md):

- pension_allowance_*: CGI art. 158-5-a (10 %, a minimum per pensioner, a maximum per household);
- special_allowance_*: CGI art. 157 bis (over 65 or disabled: the full amount up to the first
  ceiling of the net income, half of it up to the second);
- alimony_adult_child_ceiling: CGI art. 156 II-2° and 196 B;
- box_l_qf_cap, disability_qf_reduction, widowed_qf_reduction: CGI art. 197 I-2;
- aid_donations_*: CGI art. 200 1 ter; donations_rate, donations_income_share: CGI art. 200 1;
- home_employment_*: CGI art. 199 sexdecies; childcare_*: CGI art. 200 quater B;
- tax_advantages_cap: CGI art. 200-0 A;
- collection_threshold (61 € before the credits), collection_threshold_after_credits (12 €):
  CGI art. 1657 1 bis; refund_threshold (8 €): CGI art. 1965 L;
- cehr_*: CGI art. 223 sexies (Loi 2011-1977, LF pour 2012, art. 2);
- cdhr_*: CGI art. 224, created by Loi 2025-127 du 14/02/2025 (LF pour 2025), art. 10, for the
  incomes of 2025 (tax year 2026).

The amounts indexed each year (the pensions', the special allowance's, the alimony's, the
family quotient's), by the finance law of the year or the decree that published them:

| tax year | indexed by |
|---|---|
| 2019 | Loi 2018-1317 du 28/12/2018 (LF pour 2019), art. 2 and 30; Décret 2019-559 du 06/06/2019 |
| 2020 | Loi 2019-1479 du 28/12/2019 (LF pour 2020), art. 2, 50 and 157 |
| 2021 | Loi 2020-1721 du 29/12/2020 (LF pour 2021), art. 2; Décret 2020-897 du 22/07/2020 |
| 2022 | Loi 2021-1900 du 30/12/2021 (LF pour 2022), art. 2; Décret 2021-744 du 09/06/2021 |
| 2023 | Loi 2022-1726 du 30/12/2022 (LF pour 2023), art. 2; Décret 2023-422 du 31/05/2023 |
| 2024 | Loi 2023-1322 du 29/12/2023 (LF pour 2024), art. 2; Décret 2024-496 du 30/05/2024 |
| 2025 | Loi 2025-127 du 14/02/2025 (LF pour 2025), art. 2 |
| 2026 | Loi 2026-103 du 19/02/2026 (LF pour 2026), art. 4; Décret 2026-562 du 29/06/2026, art. 2 |

The aid donations' ceiling: 537 € (Décret 2019-559), 546 € (Décret 2020-897), 1,000 € from the
incomes of 2020 (Loi 2020-473 du 25/04/2020, LFR pour 2020, art. 14), 2,000 € for the incomes
of 2025 (Loi 2026-103, LF pour 2026, art. 28). The childcare ceiling: 2,300 €, 3,500 € from the
incomes of 2022 (CGI art. 200 quater B).
"""

from decimal import Decimal as D

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The same in every year 2019–2026.
UNCHANGED = {
    "pension_allowance_rate": D("0.1"),
    "aid_donations_rate": D("0.75"),
    "donations_rate": D("0.66"),
    "donations_income_share": D("0.2"),
    "home_employment_rate": D("0.5"),
    "home_employment_ceiling": D("12000"),
    "home_employment_increase": D("1500"),
    "home_employment_max_ceiling": D("15000"),
    "home_employment_disabled_ceiling": D("20000"),
    "childcare_rate": D("0.5"),
    "tax_advantages_cap": D("10000"),
    "collection_threshold": D("61"),
    "collection_threshold_after_credits": D("12"),
    "refund_threshold": D("8"),
    "cehr_rate_1": D("0.03"),
    "cehr_rate_2": D("0.04"),
    "cehr_single_threshold_1": D("250000"),
    "cehr_single_threshold_2": D("500000"),
    "cehr_couple_threshold_1": D("500000"),
    "cehr_couple_threshold_2": D("1000000"),
}

# The figures that change, one row per tax year (incomes of the year before).
CHANGING = (
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
    "aid_donations_ceiling",
    "childcare_ceiling",
)
# fmt: off
YEARS = {
    #      pensions: min max  special allowance: full, up to, half, up to  alimony  QF: L, disabled, widowed  aid  childcare
    2019: ("389", "3812", "2416", "15140", "1208", "24390", "5888", "927", "1547", "1728", "537", "2300"),
    2020: ("393", "3850", "2442", "15300", "1221", "24640", "5947", "936", "1562", "1745", "546", "2300"),
    2021: ("394", "3858", "2448", "15340", "1224", "24690", "5959", "938", "1565", "1748", "1000", "2300"),
    2022: ("400", "3912", "2484", "15560", "1242", "25040", "6042", "951", "1587", "1772", "1000", "2300"),
    2023: ("422", "4123", "2620", "16410", "1310", "26400", "6368", "1002", "1673", "1868", "1000", "3500"),
    2024: ("442", "4321", "2746", "17200", "1373", "27670", "6674", "1050", "1753", "1958", "1000", "3500"),
    2025: ("450", "4399", "2796", "17510", "1398", "28170", "6794", "1069", "1785", "1993", "1000", "3500"),
    2026: ("454", "4439", "2822", "17670", "1411", "28430", "6855", "1079", "1801", "2011", "2000", "3500"),
}
# fmt: on

# The differential contribution (CGI 224), for the incomes of 2025 only.
DIFFERENTIAL = {
    2026: {
        "cdhr_rate": D("0.2"),
        "cdhr_single_threshold": D("250000"),
        "cdhr_couple_threshold": D("500000"),
        "cdhr_discount_rate": D("0.825"),
        "cdhr_single_discount_ceiling": D("330000"),
        "cdhr_couple_discount_ceiling": D("660000"),
        "cdhr_dependent_increase": D("1500"),
        "cdhr_couple_increase": D("12500"),
    },
}

Amount = sa.Numeric(14, 4)
COLUMNS = [*UNCHANGED, *CHANGING, *DIFFERENTIAL[2026]]
household_figures = sa.table(
    "household_figures", sa.column("tax_year", sa.Integer), *(sa.column(name, Amount) for name in COLUMNS)
)


def rows() -> list[dict]:
    return [
        {
            "tax_year": year,
            **UNCHANGED,
            **{name: D(value) for name, value in zip(CHANGING, values, strict=True)},
            **dict.fromkeys(DIFFERENTIAL[2026]),  # NULL: no such contribution that year
            **DIFFERENTIAL.get(year, {}),
        }
        for year, values in YEARS.items()
    ]


def upgrade():
    op.bulk_insert(household_figures, rows())


def downgrade():
    op.execute(household_figures.delete().where(household_figures.c.tax_year.in_(list(YEARS))))
