"""The SQL side: engine, ``request.dbsession`` through pyramid_tm, the tax data.

The tax data of every year is read once, when the application starts, and kept in
the registry: it is read-only for the life of the process and no request needs the
database. Only the configured default year (``taxapp.tax_year``) must be there.
So pyramid_tm (a transaction begun and committed around a request) is active only
for the paths of ``DATABASE_PATHS`` — none today: the begin/commit cost 7–24 % of a
request's CPU time in-process, for nothing (docs/performance.md). A view that uses
``request.dbsession`` adds its path there; until it does, its first query fails
(pyramid_tm's explicit transaction manager has no transaction begun), so the
omission cannot go unnoticed.
"""

import zope.sqlalchemy
from sqlalchemy import engine_from_config
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers, sessionmaker

from .meta import Base  # noqa: F401
from .taxdata import (  # noqa: F401
    HouseholdFigures,
    TaxBracket,
    TaxDataMissing,
    TaxYear,
    load_all_tax_data,
    load_tax_data,
)

configure_mappers()


# Path prefixes of the requests whose views use request.dbsession.
DATABASE_PATHS: tuple[str, ...] = ()


def uses_database(request) -> bool:
    """pyramid_tm's ``tm.activate_hook``: a transaction only where the database is used.
    The WSGI path as sent (``request.path_info`` would raise on a path that is not UTF-8)."""
    return request.environ.get("PATH_INFO", "").startswith(DATABASE_PATHS)


def get_engine(settings, prefix="sqlalchemy."):
    return engine_from_config(settings, prefix)


def get_session_factory(engine):
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to the transaction manager (pyramid_tm commits or aborts it)."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    from ..errors import StartupError

    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # pyramid_tm would otherwise ask the security policy for the user on every
    # request, which reads the session even for a 404.
    settings.setdefault("tm.annotate_user", "false")
    settings.setdefault("tm.activate_hook", uses_database)
    config.include("pyramid_tm")

    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory

    tax_year = int(settings.get("taxapp.tax_year", 2019))
    try:
        with session_factory() as dbsession:
            tax_years = load_all_tax_data(dbsession)
        if tax_year not in tax_years:
            raise TaxDataMissing(f"no tax data for tax year {tax_year}")
    except (TaxDataMissing, SQLAlchemyError) as error:
        raise StartupError(
            f"tax data for {tax_year} missing or unreadable ({type(error).__name__}): run alembic upgrade head",
            exit_code=2,
        ) from None
    finally:
        # Close the start-up connection: requests that need the database open their own.
        engine.dispose()
    # every year the database has, {tax year: TaxData}; "tax_data" is the default year's
    config.registry["tax_years"] = tax_years
    config.registry["tax_data"] = tax_years[tax_year]

    def dbsession(request):
        return get_tm_session(session_factory, request.tm, request=request)

    config.add_request_method(dbsession, reify=True)
