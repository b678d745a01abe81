"""Start-up failures of ``pserve`` and ``alembic``: one line on stderr and an exit status, no traceback."""

import socket
import sqlite3

from tests.conftest import ROOT, free_port

from .conftest import development_ini, environment, run

PRODUCTION = str(ROOT / "production.ini")


def assert_one_line(done, status, line):
    assert done.returncode == status, done.stderr
    assert done.stderr.splitlines() == [line]


def test_pserve_production_without_its_environment_says_which_variable(tmp_path):
    done = run("pserve", PRODUCTION, f"http_port={free_port()}", cwd=tmp_path)
    assert_one_line(done, 1, "taxapp: environment variable TAXAPP_DATABASE_URL is not set (needed by the ini file)")


def test_a_missing_variable_is_mailed_with_the_mail_settings_the_environment_gives(tmp_path, sqlite_url, smtp_server):
    recipient = f"admin-{tmp_path.name}@example.org"
    env = environment(
        TAXAPP_DATABASE_URL=sqlite_url,
        TAXAPP_MAIL_HOST="127.0.0.1",
        TAXAPP_MAIL_PORT=str(smtp_server.port),
        TAXAPP_MAIL_TO=recipient,
    )
    done = run("pserve", PRODUCTION, f"http_port={free_port()}", env=env, cwd=tmp_path)
    assert_one_line(done, 1, "taxapp: environment variable TAXAPP_REDIS_URL is not set (needed by the ini file)")
    mails = [m for m in smtp_server.messages if f"To: {recipient}" in m]
    assert len(mails) == 1 and "start-up failed" in mails[0] and "TAXAPP_REDIS_URL is not set" in mails[0]


def test_alembic_production_without_the_database_url_says_so(tmp_path):
    done = run("alembic", "-c", PRODUCTION, "upgrade", "head", cwd=tmp_path)
    assert_one_line(done, 1, "alembic: environment variable TAXAPP_DATABASE_URL is not set (needed by the ini file)")


def test_alembic_production_needs_the_database_url_only(tmp_path):
    database = tmp_path / "taxapp.sqlite"
    done = run(
        "alembic",
        "-c",
        PRODUCTION,
        "upgrade",
        "head",
        cwd=tmp_path,
        env=environment(TAXAPP_DATABASE_URL=f"sqlite:///{database}"),
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_a_busy_port_is_one_line_naming_the_argument_that_changes_it(tmp_path, sqlite_url, redis_url):
    ini = development_ini(tmp_path, **{"sqlalchemy.url": sqlite_url, "redis.url": redis_url})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("pserve", str(ini), f"http_port={port}", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"taxapp: cannot listen on 127.0.0.1:{port}: the port is in use; choose another with "
        f"pserve {ini} http_port=PORT (make serve PORT=PORT)"
    ]
