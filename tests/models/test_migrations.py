"""The alembic migrations and the loader, on SQLite, PostgreSQL and MariaDB."""

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from taxapp.models import TaxDataMissing, load_tax_data
from tests.conftest import alembic_config
from tests.tax.conftest import DATA_2019


def load(url, year=2019):
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            return load_tax_data(session, year)
    finally:
        engine.dispose()


def test_upgrade_loads_the_2019_data_exactly(migrated_url):
    assert load(migrated_url) == DATA_2019


def test_numbers_are_stored_exactly(migrated_url):
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:
        coeffn = connection.execute(
            sa.text("SELECT coeffn FROM tax_brackets WHERE tax_year = 2019 AND position = 3")
        ).scalar_one()
        limit = connection.execute(
            sa.text("SELECT upper_limit FROM tax_brackets WHERE tax_year = 2019 AND position = 4")
        ).scalar_one()
    engine.dispose()
    assert str(float(coeffn)) == "13913.69"
    assert limit is None


def test_another_year_is_missing(migrated_url):
    with pytest.raises(TaxDataMissing):
        load(migrated_url, 2020)


def test_downgrade_removes_everything_and_upgrade_again_restores(migrated_url):
    config = alembic_config(migrated_url)
    command.downgrade(config, "0001")
    with pytest.raises(TaxDataMissing):
        load(migrated_url)
    command.downgrade(config, "base")
    engine = sa.create_engine(migrated_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert not {"tax_years", "tax_brackets"} & tables
    command.upgrade(config, "head")
    assert load(migrated_url) == DATA_2019
