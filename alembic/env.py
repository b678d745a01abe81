"""Alembic environment: the database URL comes from the ini file given with ``-c``.

``alembic -c development.ini upgrade head`` reads ``sqlalchemy.url`` of the app
section, as the application does (only that setting: the migrations need no other
environment variable). ``-x url=...`` (or a ``sqlalchemy.url`` attribute set by a
program, as the tests do) overrides it. A missing environment variable ends the
command with one line and exit status 1, like the application's start.
"""

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import engine_from_config, pool

from alembic import context
from taxapp.errors import StartupError, exit_with
from taxapp.models.meta import Base
from taxapp.settings import expand_environment

config = context.config

url = context.get_x_argument(as_dictionary=True).get("url") or config.attributes.get("sqlalchemy.url")
if url:
    settings = {"sqlalchemy.url": url}
else:
    setup_logging(config.config_file_name)
    try:
        settings = expand_environment({"sqlalchemy.url": get_appsettings(config.config_file_name)["sqlalchemy.url"]})
    except StartupError as error:
        exit_with(error, "alembic")

target_metadata = Base.metadata


def run_migrations_offline():
    context.configure(url=settings["sqlalchemy.url"], target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = engine_from_config(settings, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
