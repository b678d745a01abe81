"""Time per request with no HTTP server: the application called through WebTest.

``python bench/inprocess.py`` (after ``make install-test``; the real Redis at
127.0.0.1:6379, database 14, must answer). Each figure is the best of 5 rounds, so
that a busy moment of this shared machine counts as little as possible; the
WebTest client's own work is included (about 0.2 ms a request). Also times one
Redis GET through redis-py against the bare socket, the floor of every round trip.

``python bench/inprocess.py --compare`` measures what each hot-path change of
docs/performance.md is worth: the application built with each change undone in
turn (``VARIANTS``), the request log configured as development.ini does (a file),
calculate-tax and get-admindata timed in many short rounds, the variants
interleaved round by round so that the machine's busy moments fall on all of
them alike; the median round per variant, and its difference to "as committed".
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.config
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis
from alembic.config import Config
from pyramid.paster import get_appsettings
from webtest import TestApp

from alembic import command

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/14"
sys.path.insert(0, str(ROOT))

import taxapp.logs  # noqa: E402
import taxapp.requests  # noqa: E402
from taxapp import main  # noqa: E402
from taxapp.tax import calculate_tax, official  # noqa: E402


def best(function, repeat: int, rounds: int = 5) -> float:
    """Best per-call time in ms over ``rounds`` rounds of ``repeat`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        times.append((time.perf_counter() - start) / repeat * 1000)
    return min(times)


def application(directory: Path, redis_url: str = REDIS_URL, **overrides):
    url = f"sqlite:///{directory / 'taxapp.sqlite'}"
    config = Config(str(ROOT / "development.ini"))
    config.attributes["sqlalchemy.url"] = url
    command.upgrade(config, "head")
    settings = dict(get_appsettings(str(ROOT / "development.ini")))
    settings.update(
        {
            "sqlalchemy.url": url,
            "redis.url": redis_url,
            "pyramid.reload_templates": "false",
            # the batch rounds add 10,000 simulations each to one session
            "taxapp.max_simulations": "1000000",
        }
    )
    settings.update(overrides)
    return main({}, **settings)


CLIENTS: list[TestApp] = []  # ended at the end, so that the bench leaves nothing in Redis


def client(app, simulations: int = 0) -> TestApp:
    browser = TestApp(app)
    CLIENTS.append(browser)
    browser.get("/init-session/json")
    browser.post("/authenticate-user", {"user": "admin", "password": "admin"})
    if simulations:
        items = [{"married": "yes", "children": 2, "salary": 50000 + i} for i in range(simulations)]
        browser.post("/calculate-taxes", json.dumps(items), content_type="application/json")
    return browser


def redis_floor() -> tuple[float, float]:
    """(redis-py GET, bare socket send + recv) in µs of CPU, 20,000 GETs of 200 bytes."""
    r = redis.Redis.from_url(REDIS_URL)
    r.set("taxapp:bench:k", b"x" * 200)
    start = time.process_time()
    for _ in range(20000):
        r.get("taxapp:bench:k")
    client_us = (time.process_time() - start) / 20000 * 1e6
    with socket.create_connection(("127.0.0.1", 6379)) as s:
        s.sendall(b"*2\r\n$6\r\nSELECT\r\n$2\r\n14\r\n")
        s.recv(100)
        get = b"*2\r\n$3\r\nGET\r\n$14\r\ntaxapp:bench:k\r\n"
        start = time.process_time()
        for _ in range(20000):
            s.sendall(get)
            s.recv(1000)
        socket_us = (time.process_time() - start) / 20000 * 1e6
    r.delete("taxapp:bench:k")
    return client_us, socket_us


def main_() -> None:
    random.seed(6)
    items = [
        {"married": random.choice(["yes", "no"]), "children": random.randint(0, 6), "salary": random.randint(0, 300000)}
        for _ in range(10000)
    ]
    body = json.dumps(items)
    # the same taxpayers under the official rules of the latest year the database has
    official_items = [{**i, "year": 2026} for i in items]
    official_body = json.dumps(official_items)
    with tempfile.TemporaryDirectory() as directory:
        app = application(Path(directory))
        data = app.registry["tax_data"]
        form = {"married": "yes", "children": "2", "salary": "55555"}
        rows = []
        browser = client(app)
        rows.append(("calculate-tax", best(lambda: browser.post("/calculate-tax", form), 300)))
        rows.append(("get-admindata (JSON)", best(lambda: browser.get("/get-admindata"), 300)))
        for count in (10, 1000):
            listing = client(app, count)
            rows.append((f"list-simulations ({count})", best(lambda: listing.get("/list-simulations"), 200)))
        batch = client(app)
        rows.append(
            (
                "calculate-taxes (10,000)",
                best(lambda: batch.post("/calculate-taxes", body, content_type="application/json"), 1),
            )
        )
        rows.append(
            (
                "bare loop of calculate_tax (10,000)",
                best(
                    lambda: [calculate_tax(data, i["married"] == "yes", i["children"], i["salary"]) for i in items], 1
                ),
            )
        )
        rows.append(
            (
                "calculate-taxes (10,000, official 2026)",
                best(lambda: batch.post("/calculate-taxes", official_body, content_type="application/json"), 1),
            )
        )
        data_2026 = app.registry["tax_years"][2026]
        rows.append(
            (
                "bare loop of official.calculate_tax (10,000)",
                best(
                    lambda: [
                        official.calculate_tax(data_2026, i["married"] == "yes", i["children"], i["salary"])
                        for i in official_items
                    ],
                    1,
                ),
            )
        )
        rows += household_rows(app, batch)
        for browser in CLIENTS:
            browser.get("/end-session")
    print("| in-process (WebTest, no HTTP), best of 5 | ms per request |")
    print("|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} |")
    by_name = dict(rows)
    print(
        f"\nlist 1000 / list 10: {by_name['list-simulations (1000)'] / by_name['list-simulations (10)']:.2f}x; "
        f"batch / bare loop: {by_name['calculate-taxes (10,000)'] / by_name['bare loop of calculate_tax (10,000)']:.2f}x; "
        f"official: {by_name['calculate-taxes (10,000, official 2026)'] / by_name['bare loop of official.calculate_tax (10,000)']:.2f}x; "
        f"households: {by_name['calculate-households (10,000)'] / by_name['bare loop of calculate_household (10,000)']:.2f}x"
    )
    client_us, socket_us = redis_floor()
    print(f"Redis GET: redis-py {redis.__version__} {client_us:.0f} µs of CPU, bare socket {socket_us:.0f} µs")


def households(count: int, seed: int = 7) -> list[dict]:
    """A realistic mix of household documents (docs/households.md): couples with two
    incomes, pensioners, single parents, shared custody, gifts, home help, childcare."""
    rng = random.Random(seed)
    documents = []
    for _ in range(count):
        status = rng.choice(["single", "married", "married", "divorced", "widowed"])
        people = 2 if status == "married" else 1
        declarants = []
        for _ in range(people):
            born = rng.randint(1940, 2000)
            person = {"born": born, "salary": rng.randint(0, 90_000)} if born > 1960 else {"born": born}
            if born <= 1962:
                person["pension"] = rng.randint(8_000, 40_000)
            declarants.append(person)
        dependents = [
            {"born": rng.randint(2008, 2025), "shared_custody": rng.random() < 0.2}
            for _ in range(rng.choice([0, 0, 1, 2, 3]))
        ]
        doc = {"year": 2026, "status": status, "declarants": declarants, "dependents": dependents}
        if dependents and status in ("single", "divorced"):
            doc["single_parent"] = True
        if rng.random() < 0.3:
            doc["donations"] = rng.randint(50, 2_000)
        if rng.random() < 0.2:
            doc["home_employment"] = rng.randint(500, 12_000)
        young = sum(1 for d in dependents if d["born"] >= 2019)
        if young:
            doc["childcare"] = [rng.randint(0, 3_500) for _ in range(young)]
        documents.append(doc)
    return documents


def household_rows(app, batch: TestApp) -> list[tuple[str, float]]:
    """calculate-households of 10,000 documents against the bare loop of the engine."""
    from taxapp.household_documents import read_household
    from taxapp.tax import calculate_household

    documents = households(10_000)
    body = json.dumps(documents)
    options = app.registry["household_options"]
    data = app.registry["tax_years"][2026]
    prepared = [read_household(doc, options)[1] for doc in documents]
    return [
        (
            "calculate-households (10,000)",
            best(lambda: batch.post("/calculate-households", body, content_type="application/json"), 1),
        ),
        (
            "bare loop of calculate_household (10,000)",
            best(lambda: [calculate_household(data, h) for h in prepared], 1),
        ),
    ]


def request_log(directory: Path) -> None:
    """The logging of development.ini: the request log line to a file under ``directory``."""
    logging.config.fileConfig(
        ROOT / "development.ini", defaults={"here": str(directory)}, disable_existing_loggers=False
    )


def use_formatter(formatter_class) -> None:
    """The request log's formatter; None: the request log switched off."""
    logging.getLogger("taxapp.requests").disabled = formatter_class is None
    for handler in logging.getLogger("taxapp").handlers:
        handler.setFormatter((formatter_class or taxapp.logs.Formatter)(handler.formatter._fmt))


def undone_request_class(build):
    """Build the application without taxapp.requests (Pyramid's per-request class)."""
    saved = taxapp.requests.install_request_class
    taxapp.requests.install_request_class = lambda registry: None
    try:
        return build()
    finally:
        taxapp.requests.install_request_class = saved


# name: (how the application is built, the request log's formatter)
VARIANTS = {
    "as committed": (lambda d: application(d), taxapp.logs.Formatter),
    "without the request class (a class per request)": (
        lambda d: undone_request_class(lambda: application(d)),
        taxapp.logs.Formatter,
    ),
    "pyramid_tm active on every request": (lambda d: application(d, **{"tm.activate_hook": ""}), taxapp.logs.Formatter),
    "logging's own Formatter (strftime per line)": (lambda d: application(d), logging.Formatter),
    "(for scale) no request log line at all": (lambda d: application(d), None),
    "all three undone": (
        lambda d: undone_request_class(lambda: application(d, **{"tm.activate_hook": ""})),
        logging.Formatter,
    ),
}


def compare(rounds: int, per_round: int) -> None:
    form = {"married": "yes", "children": "2", "salary": "55555"}
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        (directory / "var").mkdir()
        request_log(directory)
        browsers = {}
        for variant, (build, formatter) in VARIANTS.items():
            browser = client(build(directory))
            browsers[variant] = (browser, formatter)
        times = {variant: {"calculate-tax": [], "get-admindata": []} for variant in VARIANTS}
        for _ in range(rounds):
            for variant, (browser, formatter) in browsers.items():
                use_formatter(formatter)
                for name, call in (
                    ("calculate-tax", lambda: browser.post("/calculate-tax", form)),
                    ("get-admindata", lambda: browser.get("/get-admindata")),
                ):
                    start = time.process_time()
                    for _ in range(per_round):
                        call()
                    times[variant][name].append((time.process_time() - start) / per_round * 1e6)
        lines = (directory / "var" / "taxapp.log").read_text().count("action=calculate-tax")
        for browser in CLIENTS:
            browser.get("/end-session")
    base = {name: statistics.median(values) for name, values in times["as committed"].items()}
    print(
        f"| variant ({rounds} rounds of {per_round} requests, CPU µs per request, median) | calculate-tax | "
        "vs committed | get-admindata | vs committed |"
    )
    print("|---|---:|---:|---:|---:|")
    for variant, by_name in times.items():
        cells = []
        for name in ("calculate-tax", "get-admindata"):
            median = statistics.median(by_name[name])
            cells += [f"{median:.0f}", f"{100 * (median / base[name] - 1):+.1f} %"]
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print(f"({lines} request log lines written; load average {os.getloadavg()[0]:.2f} at the end)")


def household_stages(count: int = 10_000) -> None:
    """Where a calculate-households request's time goes, stage by stage, without HTTP."""
    import gc

    import orjson

    from taxapp.household_documents import _document_body, calculated, households_body
    from taxapp.tax import calculate_household

    with tempfile.TemporaryDirectory() as directory:
        app = application(Path(directory))
    registry = app.registry
    body = json.dumps(households(count)).encode()
    read = households_body(body, count, registry["household_options"])
    data = registry["tax_years"][2026]
    answers = [calculated(data, h, doc) for _, h, doc in read]
    stages = [
        ("JSON parse, keys given twice checked", lambda: _document_body(body)),
        ("JSON parse alone (json.loads)", lambda: json.loads(body)),
        ("parse and read the documents", lambda: households_body(body, count, registry["household_options"])),
        ("the engine", lambda: [calculate_household(data, h) for _, h, _ in read]),
        ("the engine, its answers and their steps", lambda: [calculated(data, h, doc) for _, h, doc in read]),
        ("one JSON per simulation (Redis)", lambda: [orjson.dumps(a) for a in answers]),
        ("the answer's JSON", lambda: orjson.dumps(answers)),
    ]
    print(f"| stage, {count:,} documents, best of 3 (gc threshold {gc.get_threshold()[0]}) | ms |")
    print("|---|---:|")
    for name, function in stages:
        print(f"| {name} | {best(function, 1, rounds=3):.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="the hot-path changes, each undone in turn")
    parser.add_argument("--household-stages", action="store_true", help="a household batch's time, stage by stage")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=50)
    args = parser.parse_args()
    if args.compare:
        compare(args.rounds, args.per_round)
    elif args.household_stages:
        household_stages()
    else:
        main_()
