"""Incident mails: one mail a kind per interval, sent from a bounded queue by one thread.

The mails go to a real SMTP server (aiosmtpd); each test mails a recipient of its own,
so it reads only its own mails. The fault is injected where a real part cannot make
one on demand: the tax calculation of the view raises.
"""

import dataclasses
import re
import socket
import threading
import time
import uuid

import pytest
from webtest import TestApp

from taxapp import main
from tests.conftest import app_settings, free_port
from tests.functional.conftest import start
from tests.functional.test_failures import wait_for

TAXPAYER = {"married": "yes", "children": "1", "salary": "1"}
INTERVAL = 1.0


class Fault(Exception):
    pass


class OtherFault(Exception):
    pass


@pytest.fixture
def recipient():
    return f"{uuid.uuid4().hex}@example.org"


@pytest.fixture
def mailing(sqlite_url, redis_url, smtp_server, recipient, monkeypatch):
    """``mailing(**settings)``: a JSON client of an application mailing ``recipient``,
    whose calculate-tax raises ``Fault``, or the exception class its ``raises`` names."""
    import taxapp.views.actions

    faults = {}

    def broken(tax_years, default_year, taxpayer):
        raise faults.get(taxpayer.salary, Fault)(f"fault {taxpayer.salary}")

    monkeypatch.setattr(taxapp.views.actions, "calculate_taxpayer", broken)
    apps = []

    def make(port=None, **settings):
        app = main(
            {},
            **app_settings(
                sqlite_url,
                redis_url,
                **{
                    "taxapp.mail.host": "127.0.0.1",
                    "taxapp.mail.port": str(port or smtp_server.port),
                    "taxapp.mail.to": recipient,
                    "taxapp.mail.min_interval": str(INTERVAL),
                    **settings,
                },
            ),
        )
        apps.append(app)
        client = start(TestApp(app), "json")
        client.faults = faults
        return client

    yield make
    for app in apps:
        if app.registry.get("taxapp.incident_mails"):
            app.registry["taxapp.incident_mails"].stop()


def incident(client, salary=1):
    resp = client.post("/calculate-tax", {**TAXPAYER, "salary": str(salary)}, status=500)
    assert resp.json["status"] == 131
    return resp.json["response"][0].rsplit(" ", 1)[1]


def mails_to(smtp_server, recipient):
    return [m for m in list(smtp_server.messages) if f"To: {recipient}\n" in m]


def test_a_burst_of_one_kind_is_one_mail_and_the_next_mail_counts_the_rest(mailing, smtp_server, recipient):
    client = mailing()
    ids = [incident(client) for _ in range(50)]
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 1)
    (first,) = mails_to(smtp_server, recipient)
    assert ids[0] in first and "test_incident_mails.Fault on calculate-tax" in first and "Traceback" in first
    time.sleep(0.5)
    assert len(mails_to(smtp_server, recipient)) == 1  # the other 49 were held back

    time.sleep(INTERVAL)
    last = incident(client)
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 2)
    second = mails_to(smtp_server, recipient)[1]
    assert last in second
    assert re.search(r"and 49 more incidents of this kind since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", second)
    assert ids[1] in second  # the first held ones are named, to find them in the log


def test_two_kinds_are_two_mails(mailing, smtp_server, recipient):
    client = mailing()
    client.faults[2] = OtherFault
    for _ in range(5):
        incident(client, 1), incident(client, 2)
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 2)
    time.sleep(0.5)
    mails = mails_to(smtp_server, recipient)
    assert len(mails) == 2
    assert sorted(m.splitlines()[5] for m in mails) == [
        "tests.functional.test_incident_mails.Fault on calculate-tax",
        "tests.functional.test_incident_mails.OtherFault on calculate-tax",
    ]


def test_the_thread_count_does_not_grow_with_incidents(mailing, smtp_server, recipient):
    client = mailing()
    incident(client)
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 1)
    threads = threading.active_count()
    client.faults.update({n: type(f"Fault{n}", (Exception,), {}) for n in range(100, 130)})
    for n in range(100, 130):  # 30 kinds: 30 mails, one thread sends them all
        incident(client, n)
    assert threading.active_count() == threads
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 31)
    assert threading.active_count() == threads


def test_the_held_incidents_are_mailed_when_the_process_stops(mailing, smtp_server, recipient):
    client = mailing(**{"taxapp.mail.min_interval": "3600"})
    for _ in range(5):
        incident(client)
    mails = client.app.registry["taxapp.incident_mails"]
    listener = mails._listener._thread
    mails.stop()
    assert not listener.is_alive()
    sent = mails_to(smtp_server, recipient)
    assert len(sent) == 2 and "and 4 more incidents of this kind since" in sent[1]


def test_a_dead_mail_server_never_holds_an_answer_and_dropped_mails_are_counted(mailing, smtp_server, recipient):
    """An SMTP server that accepts connections and never answers: the one sending thread
    waits on it, the queue fills, and every request is still answered at once."""
    black_hole = socket.create_server(("127.0.0.1", free_port()))
    try:
        client = mailing(port=black_hole.getsockname()[1], **{"taxapp.mail.queue_size": "3"})
        mails = client.app.registry["taxapp.incident_mails"]
        incident(client, 100)
        black_hole.settimeout(5)
        held, _ = black_hole.accept()  # the sending thread is now stuck on this connection
        kinds = range(101, 151)
        client.faults.update({n: type(f"Fault{n}", (Exception,), {}) for n in kinds})
        threads = threading.active_count()
        for n in kinds:  # 50 kinds: 3 wait in the queue, 47 are dropped
            incident(client, n)
        assert threading.active_count() == threads
        assert mails._queue.dropped == len(kinds) - 3
        # the server comes back: the stuck mail fails, the queued ones go, the next says the drops
        mails._handler.mail = dataclasses.replace(mails._handler.mail, port=smtp_server.port)
        held.close()
    finally:
        black_hole.close()
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 3, seconds=15)
    client.faults[200] = OtherFault  # a kind not mailed yet
    incident(client, 200)
    assert wait_for(lambda: len(mails_to(smtp_server, recipient)) == 4)
    assert f"{len(kinds) - 3} incident mails were dropped before this one" in mails_to(smtp_server, recipient)[3]
