"""The hot path's mechanics (docs/performance.md): what each request is spared."""

import logging
import time

import pytest
from sqlalchemy import text
from webtest import TestApp

import taxapp.models
from taxapp import main
from taxapp.logs import Formatter
from tests.conftest import app_settings

from .conftest import start

TAXAPP = {"married": "yes", "children": "2", "salary": "55555"}
FORMAT = "%(asctime)s %(levelname)-5.5s [%(name)s][%(threadName)s] %(message)s"


def test_request_methods_are_on_one_class_built_at_start_up(app):
    # Pyramid applies add_request_method's properties to each request by building a
    # new class for it; here they are on the request factory's class, applied never.
    assert app.request_extensions is None
    attributes = vars(app.request_factory)
    for name in ("response_type", "simulations", "dbsession", "tm", "login_attempt"):
        assert name in attributes, name


def test_the_request_methods_still_work(json_client):
    # response_type (through the view predicate) and simulations (the store)
    added = json_client.post("/calculate-tax", TAXAPP).json["response"]
    listed = json_client.get("/list-simulations").json["response"]
    assert added in listed


# --- pyramid_tm only where the database is used ------------------------------------------


def probe_tween_factory(handler, registry):
    """Records, for each request, whether pyramid_tm opened a transaction around it."""

    def probe_tween(request):
        registry["transactions"].append((request.path, "tm.active" in request.environ))
        return handler(request)

    return probe_tween


def probe_view(request):
    return {"one": request.dbsession.execute(text("SELECT 1")).scalar()}


def database_probe(config):
    """The probe tween, and a view that reads the database."""
    config.registry["transactions"] = []
    config.add_tween(f"{__name__}.probe_tween_factory", under="pyramid_tm.tm_tween_factory")
    config.add_route("database-probe", "/database-probe")
    config.add_view(probe_view, route_name="database-probe", renderer="json")


@pytest.fixture(scope="module")
def probed_app(sqlite_url, redis_url):
    return main({}, **app_settings(sqlite_url, redis_url, **{"pyramid.includes": f"{__name__}.database_probe"}))


def test_no_transaction_for_the_actions(probed_app):
    client = start(TestApp(probed_app))
    client.post("/calculate-tax", TAXAPP)
    client.get("/list-simulations")
    client.get("/get-admindata")
    recorded = probed_app.registry["transactions"]
    assert ("/calculate-tax", False) in recorded and ("/get-admindata", False) in recorded
    assert not any(active for _, active in recorded)


def test_a_view_using_the_database_gets_a_transaction_when_its_path_is_listed(probed_app, monkeypatch):
    monkeypatch.setattr(taxapp.models, "DATABASE_PATHS", ("/database-probe",))
    client = TestApp(probed_app)
    assert client.get("/database-probe").json == {"one": 1}
    assert probed_app.registry["transactions"][-1] == ("/database-probe", True)


def test_a_view_using_the_database_fails_loudly_when_its_path_is_not_listed(probed_app):
    answer = TestApp(probed_app).get("/database-probe", status="*")
    assert answer.status_int == 500
    assert probed_app.registry["transactions"][-1] == ("/database-probe", False)


# --- the log line ---------------------------------------------------------------------------


def test_the_log_formatter_writes_the_lines_of_loggings_own():
    mine, reference = Formatter(FORMAT), logging.Formatter(FORMAT)
    now = time.time()
    for created in (now, now + 0.25, now + 1.5, now + 1.75, now + 3600.1, now):
        record = logging.LogRecord("taxapp.requests", logging.INFO, __file__, 1, "%s %s", ("GET", "/x"), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert mine.format(record) == reference.format(record)
