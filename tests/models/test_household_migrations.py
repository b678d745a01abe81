"""Revisions 0006 and 0007 (the whole household's figures), on SQLite, PostgreSQL and MariaDB."""

import dataclasses
from decimal import Decimal

import sqlalchemy as sa

from alembic import command
from tests.conftest import alembic_config
from tests.models.test_migrations import load_all
from tests.tax.conftest import DATA_BY_YEAR, HOUSEHOLD_FIGURES, TAX_YEARS


def test_every_year_has_its_household_figures(migrated_url):
    years = load_all(migrated_url)
    assert {year: data.household for year, data in years.items()} == HOUSEHOLD_FIGURES
    assert sorted(HOUSEHOLD_FIGURES) == TAX_YEARS
    # the differential contribution exists from tax year 2026 only
    assert [year for year, data in years.items() if data.household.cdhr_rate is not None] == [2026]


def test_the_figures_are_stored_exactly(migrated_url):
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM household_figures WHERE tax_year = 2026")).mappings().one()
    engine.dispose()
    expected = dataclasses.asdict(HOUSEHOLD_FIGURES[2026])
    for name, value in expected.items():
        stored = Decimal(str(row[name])) if row[name] is not None else None  # SQLite gives floats
        assert stored == (None if value is None else Decimal(repr(value))), name


def test_downgrade_to_the_salary_rules_and_upgrade_again(migrated_url):
    config = alembic_config(migrated_url)
    command.downgrade(config, "0006")  # the figures go, the table stays
    assert all(data.household is None for data in load_all(migrated_url).values())
    command.downgrade(config, "0005")  # the table goes: the salary rules are served as before
    engine = sa.create_engine(migrated_url)
    assert "household_figures" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    years = load_all(migrated_url)
    assert years == DATA_BY_YEAR and all(data.household is None for data in years.values())
    command.upgrade(config, "head")
    assert {year: data.household for year, data in load_all(migrated_url).items()} == HOUSEHOLD_FIGURES
