"""Start-up: every year of the database in the registry; only the default year is required."""

import pytest

from alembic import command
from taxapp import main
from tests.conftest import alembic_config, app_settings
from tests.tax.conftest import DATA_BY_YEAR


def test_every_year_is_loaded_into_the_registry(sqlite_url, redis_url):
    app = main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.tax_year": "2024"}))
    assert app.registry["tax_years"] == DATA_BY_YEAR
    assert app.registry["tax_data"] == DATA_BY_YEAR[2024]


def test_a_missing_default_year_stops_the_start_with_one_line(sqlite_url, redis_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.tax_year": "2027"}))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tax data for 2027 missing" in err


def test_other_missing_years_do_not_stop_the_start(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path}/taxapp.sqlite"
    command.upgrade(alembic_config(url), "0004")  # 2019 only
    app = main({}, **app_settings(url, redis_url))
    assert list(app.registry["tax_years"]) == [2019]
