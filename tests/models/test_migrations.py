"""The alembic migrations and the loader, on SQLite, PostgreSQL and MariaDB."""

import dataclasses
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from alembic import command
from taxapp.models import TaxDataMissing, load_all_tax_data, load_tax_data
from tests.conftest import alembic_config
from tests.tax.conftest import DATA_2019, DATA_BY_YEAR, TAX_YEARS

COURSE_FIELDS = [f.name for f in dataclasses.fields(DATA_2019) if getattr(DATA_2019, f.name) is not None]


def load(url, year=2019):
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            return load_tax_data(session, year)
    finally:
        engine.dispose()


def load_all(url):
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            return load_all_tax_data(session)
    finally:
        engine.dispose()


def course_part(data):
    return {name: getattr(data, name) for name in COURSE_FIELDS}


def test_upgrade_loads_the_2019_data_exactly(migrated_url):
    data = load(migrated_url)
    assert course_part(data) == course_part(DATA_2019)
    assert data == DATA_BY_YEAR[2019]


def test_every_year_equals_the_published_parameters(migrated_url):
    # tests/data/tax-parameters-by-income-year.json: the law's figures, with their references
    assert load_all(migrated_url) == DATA_BY_YEAR
    assert list(load_all(migrated_url)) == TAX_YEARS == list(range(2019, 2027))


def test_numbers_are_stored_exactly(migrated_url):
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:
        coeffn = connection.execute(
            sa.text("SELECT coeffn FROM tax_brackets WHERE tax_year = 2019 AND position = 3")
        ).scalar_one()
        limit = connection.execute(
            sa.text("SELECT upper_limit FROM tax_brackets WHERE tax_year = 2019 AND position = 4")
        ).scalar_one()
        rates = connection.execute(
            sa.text(
                "SELECT discount_rate, reduction_rate, half_share_reduction_value FROM tax_years WHERE tax_year = 2026"
            )
        ).one()
    engine.dispose()
    assert str(float(coeffn)) == "13913.69"
    assert limit is None
    assert Decimal(str(rates[0])) == Decimal("0.4525") and rates[1] is None and rates[2] is None


def test_a_year_not_in_the_database_is_missing(migrated_url):
    with pytest.raises(TaxDataMissing):
        load(migrated_url, 2018)
    with pytest.raises(TaxDataMissing):
        load(migrated_url, 2027)


def test_downgrade_step_by_step_and_upgrade_again(migrated_url):
    config = alembic_config(migrated_url)
    command.downgrade(config, "0004")  # the years 2020–2026 go
    assert list(load_all(migrated_url)) == [2019]
    assert load(migrated_url) == DATA_BY_YEAR[2019]
    command.downgrade(config, "0003")  # 2019 back to the course's figures only
    assert load(migrated_url) == DATA_2019
    command.downgrade(config, "0002")  # the official rules' columns go
    engine = sa.create_engine(migrated_url)
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("tax_years")}
    engine.dispose()
    assert "discount_rate" not in columns and not columns["half_share_reduction_value"]["nullable"]
    command.upgrade(config, "head")
    assert load_all(migrated_url) == DATA_BY_YEAR


def test_downgrade_removes_everything_and_upgrade_again_restores(migrated_url):
    config = alembic_config(migrated_url)
    command.downgrade(config, "0001")
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:  # the schema of 0001, which the model no longer reads
        assert connection.execute(sa.text("SELECT COUNT(*) FROM tax_years")).scalar_one() == 0
    command.downgrade(config, "base")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert not {"tax_years", "tax_brackets"} & tables
    command.upgrade(config, "head")
    assert load(migrated_url) == DATA_BY_YEAR[2019]
