#!/usr/bin/env python3
"""taxapp's load benchmark: ``make bench`` (``python bench/run.py``), ``make soak`` (``--soak``).

What ``make bench`` does, all on 127.0.0.1, in one run:

1. the ceilings: a bare waitress "hello" WSGI app (``bench/hello.py``), then the same
   answer through a one-view Pyramid app, under the same wrk load as the servers;
2. taxapp: ``pserve`` on an ini generated from development.ini (same waitress threads),
   with the real Redis (``--redis-url``, default 127.0.0.1:6379 database 14, flushed
   before and after), a freshly migrated SQLite file and the log in a temporary folder;
3. the course's server (the "peer", a reconstruction of the Flask server taxapp is
   compared with), when its folder is found (``--peer``, by default ``shared/peer``
   beside this checkout): it runs from its own virtualenv (``bench/.peer-venv``,
   created with pip when missing; ``--peer-venv`` to use another), with its sessions in
   Redis database 13 (``--peer-redis-db``, flushed before and after), its SQLite file
   and log in the temporary folder. When it is absent the run says so ("peer absent")
   and measures taxapp alone;
4. each scenario of ``SCENARIOS`` on the course's server then on taxapp, one after the
   other (so both figures come from the same minutes of a shared machine), with wrk
   and the Lua scripts of ``bench/wrk/``. **One session per connection**: wrk runs with
   as many threads as connections (``-tN -cN``): each wrk thread drives one connection,
   and its Lua state picks its own line of a cookies file (``stats.lua``), the N
   sessions being prepared beforehand;
5. no lost update: calculate-tax with every connection in ONE session; each 200
   answer's simulation id is kept, and list-simulations afterwards must list each of
   them once (it may list a few more: requests wrk abandoned when its time was up,
   which the server still answered). The course's server is shown the same way (it
   loses simulations by design: its session is rewritten whole);
6. login: init-session + authenticate-user, against the bare verification rate: passlib's
   ``pbkdf2_sha256.verify`` of the development hash in a loop, in a fresh process with as
   many threads as waitress has (hashlib's PBKDF2 releases the GIL, so the server's
   threads can use every core for it, and so can the loop), for as long as a wrk run,
   alternated with taxapp's login runs (``--login-rounds``, default 3): each login run is
   compared with the mean of the bare runs around it, the median round counts;
7. the batch: calculate-taxes with 10,000 taxpayers in one request (median wall time
   of several) against the bare calculation loop over the same inputs, for both rule
   sets (the course's, and the official rules of the latest year the database has);
8. memory: the pserve process's RSS at start, after each row, and its peak (VmHWM); pserve
   runs with MALLOC_ARENA_MAX=2 (``--malloc-arena-max``), the setting the docs recommend.

The tables go to ``bench/results/latest.md`` (git-ignored) and to stdout; the exit
status is 1 when a target is missed.

``--soak`` runs taxapp alone under a mixed load (``bench/wrk/soak.lua``) for
``--minutes`` (default 10) at 80 % of the peak rate measured first with the same mix,
and reports errors, RSS every 30 s and p99 per minute (``bench/results/soak.md``).

``--profile`` samples the pserve process with py-spy (``--spy-options``, default
``--gil``) during the scenarios given by ``--only`` and writes the collapsed stacks and
a summary (``bench/results/profile-*.txt``, ``profile.md``).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
WRK_SCRIPTS = BENCH / "wrk"
BIN = Path(sys.executable).parent

# The course's server, when this checkout sits beside the course material (optional).
PEER_DEFAULT = ROOT.parent / "shared" / "peer"
PEER_VENV = BENCH / ".peer-venv"
PEER_PACKAGES = ["flask", "flask-session", "redis", "passlib", "xmltodict", "sqlalchemy", "waitress"]
PEER_THREADS = 8  # the course's waitress threads

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}
# The 11 taxpayers of the original course (docs/tax-rules.md).
COURSE = [
    ("yes", 2, 55555),
    ("yes", 2, 50000),
    ("yes", 3, 50000),
    ("no", 2, 100000),
    ("no", 3, 100000),
    ("yes", 3, 100000),
    ("yes", 5, 100000),
    ("no", 0, 100000),
    ("yes", 2, 30000),
    ("no", 0, 200000),
    ("yes", 3, 200000),
]

TARGETS = {
    "batch_seconds": 1.0,  # 10,000 taxpayers in one request
    "batch_ratio": 3.0,  # ... <= 3x the bare loop
    "list_ratio": 3.0,  # list-simulations p50 with 1,000 <= 3x with 10
    "login_share": 0.90,  # logins/s >= 90 % of the bare pbkdf2 verification rate
    "rss_mib": 120,
}


class Scenario(NamedTuple):
    key: str
    label: str
    target: float | None  # taxapp / course requests/s at least; None: taxapp only, no ratio


SCENARIOS = [
    Scenario("calc", "calculate-tax, one session per connection", 4.0),
    Scenario("admin_json", "get-admindata JSON", 4.0),
    Scenario("admin_xml", "get-admindata XML", 4.0),
    Scenario("list10", "list-simulations (10)", 4.0),
    Scenario("batch11", "calculate-taxes, 11 taxpayers, one session per connection", 5.0),
    Scenario("login", "login: init-session + authenticate-user", None),
    Scenario("list1000", "list-simulations (1,000)", None),
    Scenario("batch1000", "calculate-taxes, 1,000 taxpayers", None),
]
TAXAPP_ONLY = {"list1000", "batch1000"}  # the course's server keeps simulations in its session


# --- tools ------------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        sys.exit("bench: wrk is not installed; as root: apt-get install -y wrk (Debian's package)")
    print("bench: installing wrk (apt-get install -y wrk)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("bench: wrk still not found after apt-get install")


def ensure_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        client.flushdb()  # the benchmark's own database only
    except redis.ConnectionError:
        sys.exit(f"bench: no Redis answers at {url}; start one (redis-server) or give --redis-url")
    finally:
        client.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def waitress_threads() -> int:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "development.ini")
    return int(ini["server:main"].get("threads", 4))


def development_hash() -> str:
    """The admin user's pbkdf2 hash of development.ini (what the login rows verify)."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "development.ini")
    return next(line.split()[1] for line in ini["app:main"]["taxapp.users"].splitlines() if line.strip())


# --- servers ----------------------------------------------------------------------------


class Server:
    """A server process on 127.0.0.1:port, its output in ``log``; up once ``/`` answers."""

    def __init__(self, command: list, port: int, log: Path, cwd: Path, env: dict | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"bench: {command[0]} exited with {self.process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # an HTTP answer: it is up
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit(f"bench: {command[0]} did not answer on {self.url}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_kib(self) -> dict:
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                fields[name] = int(value.split()[0])
        return fields

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far, all its threads."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def hello_server(tmp: Path, threads: int, pyramid: bool) -> Server:
    port = free_port()
    target = ["--call", "hello:pyramid_app"] if pyramid else ["hello:app"]
    command = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", f"--threads={threads}", *target]
    return Server(command, port, tmp / ("pyramid-hello.log" if pyramid else "hello.log"), cwd=BENCH)


def bench_ini(tmp: Path, port: int, redis_url: str, threads: int) -> Path:
    """development.ini with the real Redis, a SQLite file and the log under ``tmp``, on ``port``."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read(ROOT / "development.ini")
    ini["app:main"]["sqlalchemy.url"] = f"sqlite:///{tmp / 'taxapp.sqlite'}"
    ini["app:main"]["redis.url"] = redis_url
    # the one-session no-lost-update row adds more simulations to its session than a client would
    ini["app:main"]["taxapp.max_simulations"] = "10000000"
    # wrk's connections, all from 127.0.0.1, start sessions far faster than people do
    ini["app:main"]["taxapp.sessions.max_new_per_address"] = "1000000000"
    ini["alembic"]["script_location"] = str(ROOT / "alembic")
    if "listen" in ini["server:main"]:
        ini["server:main"]["listen"] = f"127.0.0.1:{port}"
    else:  # host, and the port from http_port
        ini["server:main"]["host"] = "127.0.0.1"
        ini["DEFAULT"]["http_port"] = str(port)
    ini["server:main"]["threads"] = str(threads)
    ini["handler_file"]["args"] = repr((str(tmp / "taxapp.log"),))
    path = tmp / "bench.ini"
    with open(path, "w") as out:
        ini.write(out)
    return path


@contextlib.contextmanager
def taxapp_server(tmp: Path, redis_url: str, threads: int, malloc_arena_max: int = 0):
    port = free_port()
    ini = bench_ini(tmp, port, redis_url, threads)
    subprocess.run(
        [BIN / "alembic", "-c", ini, "upgrade", "head"],
        check=True,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {"MALLOC_ARENA_MAX": str(malloc_arena_max)} if malloc_arena_max else {}
    server = Server([BIN / "pserve", ini], port, tmp / "pserve.out", cwd=tmp, env=env)
    try:
        yield server
    finally:
        server.stop()


def peer_python(args) -> Path | None:
    """The peer's interpreter: ``--peer-venv``'s, or bench/.peer-venv's (created when missing)."""
    venv = Path(args.peer_venv) if args.peer_venv else PEER_VENV
    python = venv / "bin" / "python"
    if python.exists():
        return python
    if args.peer_venv:
        print(f"peer absent: no interpreter at {python}", flush=True)
        return None
    print(
        f"bench: creating the course server's virtualenv in {venv} (pip install {' '.join(PEER_PACKAGES)})", flush=True
    )
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(venv, ignore_errors=True)
        print(f"peer absent: its virtualenv could not be made ({error})", flush=True)
        return None
    return python


def redis_url_with_db(url: str, db: int) -> str:
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if last.isdigit() else f"{url.rstrip('/')}/{db}"


@contextlib.contextmanager
def peer_server(args, tmp: Path):
    """The course's server on a free port, or None (with the reason printed) when absent."""
    app = Path(args.peer) / "app.py"
    if args.no_peer or not app.exists():
        print(
            f"peer absent: {'--no-peer' if args.no_peer else f'no {app}'}; taxapp is measured alone, "
            "without the ratios",
            flush=True,
        )
        yield None
        return
    python = peer_python(args)
    if python is None:
        yield None
        return
    home = tmp / "peer"
    home.mkdir()
    redis_url = redis_url_with_db(args.redis_url, args.peer_redis_db)
    ensure_redis(redis_url)
    host_port = args.redis_url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    env = {
        "PEER_PORT": str(free_port()),
        "PEER_HOST": "127.0.0.1",
        "PEER_THREADS": str(PEER_THREADS),
        "PEER_REDIS_HOST": host,
        "PEER_REDIS_PORT": port or "6379",
        "PEER_REDIS_DB": str(args.peer_redis_db),
        "PEER_DB": str(home / "admindata.sqlite"),
        "PEER_LOG": str(home / "logs.txt"),
    }
    server = Server([python, app], int(env["PEER_PORT"]), home / "peer.out", cwd=home, env=env)
    try:
        yield server
    finally:
        server.stop()
        ensure_redis(redis_url)  # flush its sessions


# --- sessions of the service, for setting up and for the checks ---------------------


class Session:
    """One client session (its own cookie jar): init-session, and login unless told not to."""

    def __init__(self, base: str, response_type: str = "json", login: bool = True):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.call("GET", f"/init-session/{response_type}")
        if login:
            self.call("POST", "/authenticate-user", urlencode({"user": "admin", "password": "admin"}).encode(), FORM)

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str = FORM) -> bytes:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            request.add_header("Content-Type", content_type)
        with self.opener.open(request, timeout=60) as answer:
            return answer.read()

    def json(self, method: str, path: str, body: bytes | None = None, content_type: str = FORM):
        return json.loads(self.call(method, path, body, content_type))["response"]

    @property
    def cookie(self) -> str:
        return next(f"{c.name}={c.value}" for c in self.jar if c.name == "session")


def taxpayers(count: int, seed: int = 6) -> list[dict]:
    """``count`` taxpayers: the course's 11 first, then random ones (fixed seed)."""
    rng = random.Random(seed)
    items = [{"married": m, "children": c, "salary": s} for m, c, s in COURSE]
    while len(items) < count:
        items.append(
            {"married": rng.choice(("yes", "no")), "children": rng.randint(0, 6), "salary": rng.randint(0, 250_000)}
        )
    return items[:count]


def batch_body(count: int) -> bytes:
    return json.dumps(taxpayers(count)).encode()


# --- wrk ----------------------------------------------------------------------------------


class Wrk:
    """wrk with as many threads as connections: one connection per thread (stats.lua)."""

    def __init__(self, binary: str, connections: int, seconds: float):
        self.binary = binary
        self.connections = connections
        self.seconds = seconds

    def command(self, url: str, script: str, args=(), seconds: float | None = None) -> list:
        c = str(self.connections)
        return [
            self.binary,
            "-t",
            c,
            "-c",
            c,
            "-d",
            f"{seconds or self.seconds}s",
            "--timeout",
            "10s",
            "-s",
            script,
            url,
            "--",
            *map(str, args),
        ]

    def run(self, url: str, script: str, args=(), seconds: float | None = None) -> dict:
        done = subprocess.run(self.command(url, script, args, seconds), cwd=WRK_SCRIPTS, capture_output=True, text=True)
        return self.parse(done)

    @staticmethod
    def parse(done) -> dict:
        line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
        if done.returncode != 0 or line is None:
            sys.exit(f"bench: wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        result = json.loads(line[len("WRK_JSON ") :])
        seconds = result["duration_us"] / 1e6
        result["rps"] = result["requests"] / seconds
        result["p50_ms"] = result["p50_us"] / 1000
        result["p99_ms"] = result["p99_us"] / 1000
        result["seconds"] = seconds
        result["errors"] = result["non2xx"] + result["socket_errors"]
        return result


# --- the scenarios ----------------------------------------------------------------------


def write_body(tmp: Path, name: str, body: bytes) -> Path:
    path = tmp / name
    path.write_bytes(body)
    return path


def cookies_file(path: Path, sessions: list[Session]) -> Path:
    path.write_text("".join(f"{s.cookie}\n" for s in sessions))
    return path


def prepare(base: str, directory: Path, connections: int, taxapp: bool) -> dict:
    """The cookies files of the scenarios (one session per connection), prepared before any load."""
    directory.mkdir(exist_ok=True)

    def sessions(response_type="json", simulations=0):
        made = [Session(base, response_type) for _ in range(connections)]
        for session in made:
            if simulations:
                session.call("POST", "/calculate-taxes", batch_body(simulations), JSON)
        return made

    listed = sessions(simulations=10)
    prepared = {
        "calc": sessions(),
        "list10": listed,
        "admin_json": listed,
        "admin_xml": sessions("xml"),
        "batch11": sessions(),
        "one": [Session(base)] * connections,
    }
    if taxapp:
        prepared.update(list1000=sessions(simulations=1000), batch1000=sessions())
    files = {key: cookies_file(directory / f"{key}.cookies", made) for key, made in prepared.items()}
    files["sessions"] = prepared
    return files


def scenario_command(key: str, base: str, cookies: dict, bodies: dict) -> tuple[str, str, list]:
    """(url, wrk script, script arguments) of a scenario."""
    if key == "login":
        return base, "login.lua", []
    path, method, body = {
        "calc": ("/calculate-tax", "POST", ("form", FORM)),
        "admin_json": ("/get-admindata", "GET", None),
        "admin_xml": ("/get-admindata", "GET", None),
        "list10": ("/list-simulations", "GET", None),
        "list1000": ("/list-simulations", "GET", None),
        "batch11": ("/calculate-taxes", "POST", ("batch11", JSON)),
        "batch1000": ("/calculate-taxes", "POST", ("batch1000", JSON)),
    }[key]
    args = [cookies[key], method] + ([bodies[body[0]], body[1]] if body else [])
    return base + path, "request.lua", args


def lost_update_check(session: Session, run: dict, ids_file: Path, connections: int) -> dict:
    acknowledged = [int(line) for line in ids_file.read_text().split()]
    listed = [s["id"] for s in session.json("GET", "/list-simulations")]
    missing = set(acknowledged) - set(listed)
    extra = len(listed) - len(acknowledged)
    return {
        "answers": {str(k): v for k, v in sorted(run["statuses"].items())},
        "acknowledged": len(acknowledged),
        "listed": len(listed),
        "distinct_ids": len(set(listed)) == len(listed) and len(set(acknowledged)) == len(acknowledged),
        "missing": len(missing),
        "lost": max(0, len(acknowledged) - len(listed)),
        "in_flight_at_stop": extra,
        "ok": not missing and len(set(listed)) == len(listed) and 0 <= extra <= connections,
    }


BARE_LOOP = """
import json, sys, time
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from taxapp.models import load_all_tax_data
from taxapp.tax import default_rules, course, official
url, year, rows = json.load(sys.stdin)
with Session(create_engine(url)) as dbsession:
    data = load_all_tax_data(dbsession)[year]
calculate = {"course": course.calculate_tax, "official": official.calculate_tax}[default_rules(year)]
inputs = [tuple(row) for row in rows]
start = time.perf_counter()
[calculate(data, married, children, salary) for married, children, salary in inputs]
print(time.perf_counter() - start)
"""


def batch_check(base: str, database_url: str, count: int, runs: int, year: int | None = None) -> dict:
    """Median wall time of calculate-taxes with ``count`` taxpayers vs the bare loop.

    ``year``: every taxpayer of that tax year, under that year's default rules (the
    official rules after the course's year); None: no year, the course's rules.
    Each request is followed by one run of the bare loop of the same rules, in a fresh
    Python process (as the server's is, not this one's, full of the benchmark's own
    objects), so that both medians come from the same moments of this shared, noisy machine.
    """
    from taxapp.tax import COURSE_YEAR, default_rules

    items = [{**t, "year": year} if year else t for t in taxpayers(count)]
    body = json.dumps(items).encode()
    inputs = [(t["married"] == "yes", t["children"], t["salary"]) for t in items]
    walls, bares = [], []
    for _ in range(runs):
        session = Session(base)  # a fresh session each time, its login outside the timing
        start = time.perf_counter()
        answer = session.call("POST", "/calculate-taxes", body, JSON)
        walls.append(time.perf_counter() - start)
        assert len(json.loads(answer)["response"]) == count
        loop = subprocess.run(
            [sys.executable, "-c", BARE_LOOP],
            input=json.dumps([database_url, year or COURSE_YEAR, inputs]),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        bares.append(float(loop.stdout))
        session.call("GET", "/end-session")
    wall, bare = statistics.median(walls), statistics.median(bares)
    return {
        "count": count,
        "runs": runs,
        "wall_s": wall,
        "min_s": min(walls),
        "max_s": max(walls),
        "bare_s": bare,
        "ratio": wall / bare,
        "rules": default_rules(year or COURSE_YEAR),
        "year": year or COURSE_YEAR,
    }


def latest_year(database_url: str) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session as DatabaseSession

    from taxapp.models import load_all_tax_data

    with DatabaseSession(create_engine(database_url)) as dbsession:
        return max(load_all_tax_data(dbsession))


PBKDF2_LOOP = """
import sys, threading, time
from passlib.hash import pbkdf2_sha256
hashed, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
counts = [0] * threads
start = time.perf_counter()
stop = start + seconds
def loop(i):
    while time.perf_counter() < stop:
        pbkdf2_sha256.verify("admin", hashed)
        counts[i] += 1
workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(sum(counts) / (time.perf_counter() - start))
"""


def bare_verify_rate(threads: int, seconds: float) -> float:
    """Verifications per second of the development hash: ``threads`` threads of one process."""
    done = subprocess.run(
        [sys.executable, "-c", PBKDF2_LOOP, development_hash(), str(threads), str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(done.stdout)


# --- the report -------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            l.split(":", 1)[1].strip()
            for l in Path("/proc/cpuinfo").read_text().splitlines()
            if l.startswith("model name")
        ),
        platform.machine(),
    )
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {system}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def logins_per_second(result: dict) -> float:
    return result["counters"].get("logins", 0) / result["seconds"]


def header(args, title: str, command: str) -> list:
    busy = args.load[0] > 0.5
    return [
        f"# {title}",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: {machine()}",
        f"- load average (1/5/15 min) at the start: {'/'.join(f'{x:.2f}' for x in args.load)}, at the end: "
        f"{load_average()}"
        + (
            " — **busy machine: absolute figures are low and noisy; the ratios of rows run side by side hold better**"
            if busy
            else ""
        ),
        f"- command: `{command}`",
    ]


def report(
    args, rows: dict, ceilings: list, peer: bool, lost: dict, login: dict, batches: list, memory: dict, threads: int
) -> tuple[str, bool]:
    ceiling = ceilings[0][1]["rps"]
    lines = header(
        args,
        "taxapp benchmark, side by side with the course's server",
        "make bench (python bench/run.py " + " ".join(args.argv) + ")",
    )
    lines += [
        f"- load: wrk -t{args.connections} -c{args.connections} -d{args.duration}s per row (one connection per wrk "
        f"thread, one session per connection), client and servers on the same machine; taxapp: pserve, waitress "
        f"threads {threads}, real Redis, SQLite, log to a file, MALLOC_ARENA_MAX={args.malloc_arena_max or 'unset'}; "
        + (
            f"the course's server: waitress threads {PEER_THREADS}, Redis database {args.peer_redis_db}"
            if peer
            else "**peer absent**: no course's server, no ratios"
        ),
        "",
        "| scenario | course req/s | taxapp req/s | taxapp / course | target | server CPU ms a request "
        "(course / taxapp) | taxapp p50 / p99 ms | course p50 / p99 ms | errors (course / taxapp) | "
        "taxapp RSS after, MiB |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for scenario in SCENARIOS:
        mine, theirs = rows[scenario.key].get("taxapp"), rows[scenario.key].get("peer")
        if mine is None:
            continue
        ratio = mine["rps"] / theirs["rps"] if theirs else None
        target = f"≥ {scenario.target:g}×" if scenario.target else "–"
        extra = ""
        if scenario.key == "login":
            extra = f" ({logins_per_second(mine):.0f} logins/s" + (
                f"; course {logins_per_second(theirs):.0f})" if theirs else ")"
            )
        course = (
            (
                f"{theirs['rps']:.0f}",
                f"{theirs['p50_ms']:.1f} / {theirs['p99_ms']:.1f}",
                theirs["errors"],
                f"{theirs['cpu_ms']:.2f}",
            )
            if theirs
            else ("–", "–", "–", "–")
        )
        lines.append(
            f"| {scenario.label}{extra} | {course[0]} | {mine['rps']:.0f} | "
            f"{f'{ratio:.2f}×' if ratio else '–'} | {target} | {course[3]} / {mine['cpu_ms']:.2f} | "
            f"{mine['p50_ms']:.1f} / {mine['p99_ms']:.1f} | "
            f"{course[1]} | {course[2]} / {mine['errors']} | {mine['rss_kib'] / 1024:.1f} |"
        )
        if scenario.target:
            checks.append(
                (
                    f"{scenario.label}: taxapp ≥ {scenario.target:g}× the course's server",
                    f"{ratio:.2f}×" if ratio else "not measured (peer absent)",
                    None if ratio is None else ratio >= scenario.target,
                )
            )
    lines += [
        "",
        "| ceiling (same wrk load) | requests/s | server CPU ms a request | p50 ms | p99 ms | errors | "
        "% of the bare hello |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    calc = rows["calc"]["taxapp"]
    for name, r in [*ceilings, ("(taxapp calculate-tax, for scale)", calc)]:
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['cpu_ms']:.2f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['errors']} | {100 * r['rps'] / ceiling:.0f} % |"
        )
    list_ratio = rows["list1000"]["taxapp"]["p50_ms"] / rows["list10"]["taxapp"]["p50_ms"]
    logins = logins_per_second(rows["login"]["taxapp"])
    rss = memory["VmHWM"] / 1024
    checks += [
        (
            f"login ≥ 90 % of the bare pbkdf2 verification rate ({threads} threads)",
            f"{logins:.0f} logins/s = {100 * logins / login['bare']:.0f} % of {login['bare']:.0f} verifications/s, the "
            f"median of {len(login['ratios'])} rounds ({', '.join(f'{100 * r:.0f} %' for r in login['ratios'])}; bare "
            f"runs {', '.join(f'{b:.0f}' for b in login['bares'])} /s)",
            logins >= TARGETS["login_share"] * login["bare"],
        ),
        *[
            check
            for batch in batches
            for check in (
                (
                    f"10,000-taxpayer batch < 1 s ({batch['rules']} rules, {batch['year']})",
                    f"{batch['wall_s'] * 1000:.0f} ms (median of {batch['runs']})",
                    batch["wall_s"] < TARGETS["batch_seconds"],
                ),
                (
                    f"10,000-taxpayer batch ≤ 3× the bare loop ({batch['rules']} rules, {batch['year']})",
                    f"{batch['ratio']:.2f}× (bare loop {batch['bare_s'] * 1000:.0f} ms)",
                    batch["ratio"] <= TARGETS["batch_ratio"],
                ),
            )
        ],
        ("list-simulations p50: 1,000 simulations ≤ 3× 10", f"{list_ratio:.2f}×", list_ratio <= TARGETS["list_ratio"]),
        (
            "pserve RSS < 120 MB under load (peak)",
            f"{rss:.1f} MiB (at start {memory['started'] / 1024:.1f}, before the batch "
            f"{memory['before_batch'] / 1024:.1f}, after it {memory['VmRSS'] / 1024:.1f})",
            rss < TARGETS["rss_mib"],
        ),
        (
            "no lost update (calculate-tax, every connection in ONE session)",
            f"{lost['taxapp']['acknowledged']} acknowledged (200), {lost['taxapp']['listed']} listed, "
            f"{lost['taxapp']['missing']} missing",
            lost["taxapp"]["ok"],
        ),
    ]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'not measured' if ok is None else verdict(ok)} |" for name, value, ok in checks]
    mine = lost["taxapp"]
    lines += [
        "",
        "No lost update: the one-session run sent every connection's calculate-tax in ONE session. taxapp's "
        f"answers by status: {mine['answers']}; the session then listed {mine['listed']} simulations for "
        f"{mine['acknowledged']} acknowledged, every acknowledged id among them: {mine['missing'] == 0}, ids distinct: "
        f"{mine['distinct_ids']}; {mine['in_flight_at_stop']} more were requests still in flight when wrk stopped "
        f"(answered by the server, never read by wrk; at most one per connection, {args.connections}).",
    ]
    if "peer" in lost:
        theirs = lost["peer"]
        lines.append(
            f"The course's server in the same conditions: {theirs['acknowledged']} acknowledged, "
            f"{theirs['listed']} listed: {theirs['lost']} simulations lost (its session is rewritten whole "
            "by each request: the course's design)."
        )
    lines += [
        "",
        f"Login: the bare rate is passlib's pbkdf2_sha256.verify of development.ini's hash in a loop, {threads} "
        f"threads in one process as the server's waitress threads (hashlib releases the GIL during PBKDF2), "
        f"{args.duration} s runs alternated with taxapp's login runs; each login run is compared with the mean of "
        f"the bare runs around it, and the median round is the row.",
        "",
    ]
    lines += [
        f"Batch, {batch['rules']} rules ({batch['year']}): calculate-taxes with {batch['count']:,} taxpayers, "
        f"{batch['runs']} requests, each in a fresh session: median {batch['wall_s'] * 1000:.0f} ms (min "
        f"{batch['min_s'] * 1000:.0f}, max {batch['max_s'] * 1000:.0f}); the bare loop of taxapp.tax."
        f"{batch['rules']}.calculate_tax over the same inputs: {batch['bare_s'] * 1000:.1f} ms."
        for batch in batches
    ]
    return "\n".join(lines) + "\n", all(ok is not False for _, _, ok in checks)


# --- make bench -------------------------------------------------------------------------


def benchmark(args, wrk: Wrk, tmp: Path, threads: int) -> tuple[str, bool]:
    ceilings = []
    for label, pyramid in (("bare waitress WSGI hello", False), ("Pyramid hello (one view)", True)):
        server = hello_server(tmp, threads, pyramid)
        try:
            wrk.run(server.url + "/", "request.lua", ["-", "GET"], seconds=2)  # warm-up
            cpu = server.cpu_seconds()
            result = wrk.run(server.url + "/", "request.lua", ["-", "GET"])
            result["cpu_ms"] = 1000 * (server.cpu_seconds() - cpu) / max(result["requests"], 1)
            ceilings.append((label, result))
        finally:
            server.stop()
        progress(label, ceilings[-1][1])
    bodies = {
        "form": write_body(tmp, "form.txt", urlencode(TAXPAYER).encode()),
        "batch11": write_body(tmp, "batch11.json", batch_body(11)),
        "batch1000": write_body(tmp, "batch1000.json", batch_body(1000)),
    }
    rows = {scenario.key: {} for scenario in SCENARIOS}
    lost = {}
    with taxapp_server(tmp, args.redis_url, threads, args.malloc_arena_max) as taxapp, peer_server(args, tmp) as peer:
        started = taxapp.memory_kib()["VmRSS"]
        servers = {"taxapp": taxapp, **({"peer": peer} if peer else {})}
        prepared = {
            side: prepare(server.url, tmp / side, args.connections, side == "taxapp")
            for side, server in servers.items()
        }
        for side, server in servers.items():  # warm-up, in sessions of its own
            warm = cookies_file(tmp / f"{side}-warm.cookies", [Session(server.url)] * args.connections)
            wrk.run(server.url + "/calculate-tax", "request.lua", [warm, "POST", bodies["form"], FORM], seconds=2)
        for scenario in SCENARIOS:
            sides = ["taxapp"] if scenario.key in TAXAPP_ONLY else ["peer", "taxapp"]
            for side in (s for s in sides if s in servers):
                url, script, script_args = scenario_command(scenario.key, servers[side].url, prepared[side], bodies)

                def row():
                    cpu = servers[side].cpu_seconds()
                    result = wrk.run(url, script, script_args)
                    result["cpu_ms"] = 1000 * (servers[side].cpu_seconds() - cpu) / max(result["requests"], 1)
                    return result

                if side == "taxapp" and scenario.key == "login":
                    result, login = login_rounds(row, threads, args)
                else:
                    result = row()
                if side == "taxapp":
                    result["rss_kib"] = taxapp.memory_kib()["VmRSS"]
                rows[scenario.key][side] = result
                progress(f"{side}: {scenario.label}", result)
        for side, server in servers.items():
            ids_file = tmp / f"{side}-acknowledged-ids.txt"
            result = wrk.run(
                server.url + "/calculate-tax",
                "acknowledged.lua",
                [prepared[side]["one"], "POST", bodies["form"], FORM, ids_file],
            )
            progress(f"{side}: calculate-tax, every connection in ONE session", result)
            lost[side] = lost_update_check(prepared[side]["sessions"]["one"][0], result, ids_file, args.connections)
        before_batch = taxapp.memory_kib()["VmRSS"]
        database_url = f"sqlite:///{tmp / 'taxapp.sqlite'}"
        batches = [
            batch_check(taxapp.url, database_url, 10_000, args.batch_runs),
            batch_check(taxapp.url, database_url, 10_000, args.batch_runs, latest_year(database_url)),
        ]
        memory = {**taxapp.memory_kib(), "started": started, "before_batch": before_batch}
    return report(args, rows, ceilings, "peer" in lost, lost, login, batches, memory, threads)


def login_rounds(row, threads: int, args) -> tuple[dict, dict]:
    """taxapp's login row against the bare verification loop, alternated: bare, login, bare,
    login, …, bare (``--login-rounds`` logins). Each login run is compared with the mean of the
    bare runs just before and after it; the round with the median ratio is the row."""
    bares = [bare_verify_rate(threads, args.duration)]
    rounds = []
    for _ in range(args.login_rounds):
        result = row()
        bares.append(bare_verify_rate(threads, args.duration))
        bare = (bares[-2] + bares[-1]) / 2
        rounds.append((logins_per_second(result) / bare, result, bare))
        print(
            f"bench: login round: {logins_per_second(result):.0f} logins/s, bare pbkdf2 verification "
            f"({threads} threads) {bares[-2]:.0f} before, {bares[-1]:.0f} after",
            flush=True,
        )
    ratio, result, bare = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
    return result, {"bare": bare, "bares": bares, "ratios": [r[0] for r in rounds]}


def progress(name: str, result: dict) -> None:
    cpu = f", {result['cpu_ms']:.2f} ms of server CPU a request" if "cpu_ms" in result else ""
    print(
        f"bench: {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"{result['errors']} errors{cpu} (load {load_average()})",
        flush=True,
    )


# --- make soak ----------------------------------------------------------------------------


def soak(args, wrk: Wrk, tmp: Path, threads: int) -> tuple[str, bool]:
    """taxapp alone, the mixed load of soak.lua at 80 % of its peak rate, minute after minute.

    Plain wrk cannot hold a request rate (wrk2's -R): each connection waits DELAY_MS before
    each request (soak.lua's delay()). With N connections, a mean latency L and a delay d,
    the rate is N / (L + d) (Little's law), so after each minute the delay is set again
    from the rate that minute reached: L = N / rate - d, then d = N / target - L.
    """
    form = write_body(tmp, "form.txt", urlencode(TAXPAYER).encode())
    batch = write_body(tmp, "batch11.json", batch_body(11))
    n = args.connections
    minutes = []
    with taxapp_server(tmp, args.redis_url, threads, args.malloc_arena_max) as server:
        url = server.url
        wrk.run(url, "soak.lua", [0, form, batch], seconds=3)  # warm-up
        peak = wrk.run(url, "soak.lua", [0, form, batch], seconds=args.peak_seconds)
        progress("soak: peak of the mixed load", peak)
        print(f"soak: answers other than 200 in the peak run: {unexpected(peak)}", flush=True)
        target = args.soak_share * peak["rps"]
        # delay in ms; a first guess: the latency at 80 % is half the peak's (Little's law: n / rate),
        # then a few short runs to come near the target before the minutes count
        delay = max(0.0, 1000 * n / target - 1000 * n / peak["rps"] / 2)
        for _ in range(args.calibration_runs):
            result = wrk.run(url, "soak.lua", [round(delay), form, batch], seconds=5)
            print(f"soak: calibration, delay {round(delay)} ms: {result['rps']:.0f} req/s", flush=True)
            if abs(result["rps"] - target) <= 0.05 * target:
                break
            delay = next_delay(n, target, result["rps"], delay)
        for minute in range(1, args.minutes + 1):
            rss = []
            sampler = threading.Timer(30, lambda: rss.append(server.memory_kib()["VmRSS"]))
            sampler.start()
            result = wrk.run(url, "soak.lua", [round(delay), form, batch], seconds=60)
            sampler.join()
            rss.append(server.memory_kib()["VmRSS"])
            result.update(minute=minute, delay_ms=round(delay), rss=rss, load=load_average())
            minutes.append(result)
            print(
                f"soak: minute {minute}: {result['rps']:.0f} req/s (target {target:.0f}, delay {round(delay)} ms), "
                f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, {result['errors']} errors "
                f"{unexpected(result)}, "
                f"RSS {' / '.join(f'{k / 1024:.1f}' for k in rss)} MiB (load {result['load']})",
                flush=True,
            )
            delay = next_delay(n, target, result["rps"], delay)
        memory = server.memory_kib()
    return soak_report(args, peak, target, minutes, memory)


def next_delay(connections: int, target: float, reached: float, delay: float) -> float:
    """The delay (ms) for ``target`` req/s, from the rate ``reached`` with ``delay``: the
    latency L = N / rate - delay, then N / target - L."""
    latency_ms = 1000 * connections / reached - round(delay)
    return max(0.0, 1000 * connections / target - latency_ms)


def unexpected(result: dict) -> dict:
    """The answers other than 200, by status."""
    return {status: n for status, n in result.get("statuses", {}).items() if status != "200"}


def soak_report(args, peak: dict, target: float, minutes: list, memory: dict) -> tuple[str, bool]:
    lines = header(args, "taxapp soak", "make soak (python bench/run.py " + " ".join(args.argv) + ")")
    lines += [
        f"- load: bench/wrk/soak.lua (init-session, login, 40 calculate-tax with list-simulations, get-admindata, "
        f"calculate-taxes (11), delete-simulation between them, end-session; again), wrk -t{args.connections} "
        f"-c{args.connections}, 60 s a minute; peak of the mix first ({args.peak_seconds} s, no delay): "
        f"{peak['rps']:.0f} req/s, p99 {peak['p99_ms']:.1f} ms; target {100 * args.soak_share:.0f} % of it: "
        f"{target:.0f} req/s",
        "",
        "| minute | req/s | delay ms | p50 ms | p99 ms | errors | RSS at 30 s, MiB | RSS at 60 s, MiB | load average |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in minutes:
        lines.append(
            f"| {m['minute']} | {m['rps']:.0f} | {m['delay_ms']} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | "
            f"{m['errors']} {unexpected(m) or ''} | {m['rss'][0] / 1024:.1f} | {m['rss'][-1] / 1024:.1f} | {m['load']} |"
        )
    errors = peak["errors"] + sum(m["errors"] for m in minutes)
    after_first = minutes[0]["rss"][-1]
    growth = (max(k for m in minutes for k in m["rss"]) - after_first) / after_first
    p99s = [m["p99_ms"] for m in minutes[1:]] or [minutes[0]["p99_ms"]]
    p99_median = statistics.median(p99s)
    rates = [m["rps"] for m in minutes[1:]] or [minutes[0]["rps"]]
    checks = [
        ("0 errors", f"{errors} (non-2xx and socket errors, peak run included)", errors == 0),
        (
            "RSS growth after the first minute < 10 %",
            f"{100 * growth:+.1f} % (from {after_first / 1024:.1f} MiB at the end of minute 1; peak VmHWM "
            f"{memory['VmHWM'] / 1024:.1f} MiB)",
            growth < 0.10,
        ),
        (
            "p99 stable: no minute after the first above 2× their median",
            f"median {p99_median:.1f} ms, max {max(p99s):.1f} ms",
            max(p99s) <= 2 * p99_median,
        ),
        (
            "rate held at the target (minutes after the first, within 15 %)",
            f"{min(rates):.0f}–{max(rates):.0f} req/s for {target:.0f}",
            all(abs(r - target) <= 0.15 * target for r in rates),
        ),
    ]
    lines += ["", "| check | measured | |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {verdict(ok)} |" for name, value, ok in checks]
    return "\n".join(lines) + "\n", all(ok for _, _, ok in checks)


# --- waitress threads (--compare-threads) -----------------------------------------------


def compare_threads(args, wrk: Wrk, tmp: Path, counts: list[int]) -> str:
    """taxapp with each number of waitress threads, all started at once, runs interleaved."""
    bodies = {"form": write_body(tmp, "form.txt", urlencode(TAXPAYER).encode())}
    keys = ("calc", "admin_json")
    results = {(n, key): [] for n in counts for key in keys}
    with contextlib.ExitStack() as stack:
        servers = {}
        for n in counts:
            home = tmp / f"threads-{n}"
            home.mkdir()
            servers[n] = stack.enter_context(taxapp_server(home, args.redis_url, n, args.malloc_arena_max))
        prepared = {
            n: prepare(server.url, tmp / f"threads-{n}" / "sessions", args.connections, False)
            for n, server in servers.items()
        }
        for n, server in servers.items():
            wrk.run(
                *scenario_command("calc", server.url, prepared[n], bodies)[:2],
                scenario_command("calc", server.url, prepared[n], bodies)[2],
                seconds=2,
            )  # warm-up
        for _ in range(args.rounds):
            for n, server in servers.items():
                for key in keys:
                    cpu = server.cpu_seconds()
                    result = wrk.run(*scenario_command(key, server.url, prepared[n], bodies))
                    result["cpu_ms"] = 1000 * (server.cpu_seconds() - cpu) / max(result["requests"], 1)
                    results[n, key].append((result["rps"], result["cpu_ms"]))
                    progress(f"{n} waitress threads: {key}", result)
    lines = [
        *header(args, "taxapp: waitress threads", "python bench/run.py " + " ".join(args.argv)),
        f"- wrk -t{args.connections} -c{args.connections} -d{args.duration}s, one session per connection; {args.rounds} rounds, the thread counts interleaved in each; median requests/s",
        "",
        "| waitress threads | calculate-tax req/s | its server CPU ms a request | get-admindata JSON req/s | its server CPU ms a request |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in counts:
        cells = [f"{statistics.median(r[i] for r in results[n, key]):.{2 * i}f}" for key in keys for i in (0, 1)]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --- profiling (--profile) ----------------------------------------------------------------


def py_spy() -> str:
    found = shutil.which("py-spy") or (str(BIN / "py-spy") if (BIN / "py-spy").exists() else None)
    if not found:
        sys.exit(f"bench: py-spy is not installed: {sys.executable} -m pip install py-spy")
    return found


@contextlib.contextmanager
def sampling(pid: int, seconds: float, output: Path, options: list):
    spy = subprocess.Popen(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "500",
            *options,
            "--format",
            "raw",
            "--nolineno",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)  # attached
    try:
        yield
    finally:
        spy.wait(seconds + 30)


def package_of(frame: str) -> str:
    """``func (path)`` -> the package the frame's file belongs to."""
    path = frame.rsplit("(", 1)[-1].rstrip(")")
    return path.split("/", 1)[0].removesuffix(".py") if "/" in path else path  # py-spy names files from sys.path


# Where a sample's time goes: (label, whether a stack, root first, is in it); a sample
# counts for every component its stack goes through, so the shares overlap.
def _through(text):
    return lambda frames: any(text in frame for frame in frames)


COMPONENTS = [
    (
        "waitress outside the app (HTTP parsing, sending, task queue)",
        lambda frames: not any(frame.startswith("Router.__call__") for frame in frames),
    ),
    (
        "session load (pyramid_session_redis: GET, cookie signature, JSON)",
        _through("RedisSessionFactory.<locals>.factory"),
    ),
    ("session write / TTL refresh (finished callback)", _through("_deferred_callback")),
    ("simulations store (taxapp/simulations.py)", _through("taxapp/simulations.py")),
    ("Redis client, all calls (redis-py)", _through("(redis/")),
    ("form and batch validation (taxapp/forms.py)", _through("taxapp/forms.py")),
    ("tax calculation (taxapp/tax)", _through("taxapp/tax/")),
    ("JSON encoding", _through("json/encoder.py")),
    ("JSON decoding", _through("json/decoder.py")),
    ("taxapp/renderers (with the response_type predicate, which loads the session)", _through("taxapp/renderers/")),
    ("request log line (logging)", _through("(logging/")),
    (
        "pyramid_tm's own work (its tween, outside the view)",
        lambda frames: _through("pyramid_tm/")(frames) and not _through("excview_tween")(frames),
    ),
]


def summarize(collapsed: Path, top: int = 12) -> str:
    self_time, packages, components = Counter(), Counter(), Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        count = int(count)
        total += count
        self_time[frames[-1]] += count
        packages[package_of(frames[-1])] += count
        for label, inside in COMPONENTS:
            if inside(frames):
                components[label] += count
    if not total:
        return "no samples\n"

    def table(title, counter, most=top):
        rows = [f"| {title} | % of samples |", "|---|---:|"]
        rows += [f"| `{name}` | {100 * n / total:.1f} |" for name, n in counter.most_common(most)]
        return "\n".join(rows)

    return "\n\n".join(
        [
            f"{total} samples of the thread holding the GIL (the Python process's CPU time).",
            table("component (inclusive, overlapping)", components, len(COMPONENTS)),
            table("own time, by package", packages),
            table("own time, by function", self_time),
        ]
    )


def profile(args, wrk: Wrk, tmp: Path, threads: int) -> str:
    """py-spy on pserve while wrk runs each scenario of ``--only`` (one session per connection)."""
    RESULTS.mkdir(exist_ok=True)
    out = [
        *header(args, "taxapp profile (py-spy, pserve under wrk)", "python bench/run.py " + " ".join(args.argv)),
        f"- py-spy options: `{args.spy_options}`",
        "",
    ]
    bodies = {
        "form": write_body(tmp, "form.txt", urlencode(TAXPAYER).encode()),
        "batch11": write_body(tmp, "batch11.json", batch_body(11)),
        "batch1000": write_body(tmp, "batch1000.json", batch_body(1000)),
    }
    with taxapp_server(tmp, args.redis_url, threads, args.malloc_arena_max) as server:
        prepared = prepare(server.url, tmp / "taxapp", args.connections, True)
        url, script, script_args = scenario_command("calc", server.url, prepared, bodies)
        wrk.run(url, script, script_args, seconds=2)  # warm-up
        for key in args.only or ["calc"]:
            url, script, script_args = scenario_command(key, server.url, prepared, bodies)
            collapsed = RESULTS / f"profile-{key}.txt"
            with sampling(server.pid, args.duration, collapsed, shlex.split(args.spy_options)):
                result = wrk.run(url, script, script_args)
            progress(f"profiled {key}", result)
            out += [f"## {key}: {result['rps']:.0f} req/s (load {load_average()})", "", summarize(collapsed), ""]
    text = "\n".join(out)
    (RESULTS / "profile.md").write_text(text)
    return text


# --- main -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections, one wrk thread and one session each (default 16)"
    )
    parser.add_argument("--batch-runs", type=int, default=5, help="10,000-taxpayer requests timed (default 5)")
    parser.add_argument(
        "--login-rounds", type=int, default=3, help="taxapp's login runs, each between two bare pbkdf2 runs (default 3)"
    )
    parser.add_argument("--redis-url", default=os.environ.get("TAXAPP_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    parser.add_argument(
        "--waitress-threads", type=int, default=0, help="taxapp's waitress threads (default: development.ini's)"
    )
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=2,
        help="MALLOC_ARENA_MAX for pserve, as the docs recommend (0: glibc's default)",
    )
    parser.add_argument("--peer", default=str(PEER_DEFAULT), help="the course's server's folder (its app.py)")
    parser.add_argument(
        "--peer-venv",
        default=os.environ.get("TAXAPP_BENCH_PEER_VENV"),
        help="an existing virtualenv for the course's server (default: bench/.peer-venv, made when missing)",
    )
    parser.add_argument("--peer-redis-db", type=int, default=13, help="the course's server's Redis database")
    parser.add_argument("--no-peer", action="store_true", help="measure taxapp alone")
    parser.add_argument("--soak", action="store_true", help="the soak run instead of the benchmark")
    parser.add_argument("--minutes", type=int, default=10, help="soak length in minutes (default 10)")
    parser.add_argument("--soak-share", type=float, default=0.8, help="soak rate, share of the peak (default 0.8)")
    parser.add_argument("--peak-seconds", type=int, default=15, help="soak: length of the peak measurement")
    parser.add_argument("--calibration-runs", type=int, default=4, help="soak: 5-second runs to set the delay")
    parser.add_argument("--profile", action="store_true", help="profile with py-spy instead of benchmarking")
    parser.add_argument(
        "--compare-threads",
        type=lambda text: [int(n) for n in text.split(",")],
        default=None,
        help="compare taxapp with these waitress thread counts (e.g. 2,4,8) instead of benchmarking",
    )
    parser.add_argument("--rounds", type=int, default=3, help="--compare-threads: rounds (default 3)")
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=None,
        help=f"--profile: scenarios, comma-separated ({','.join(s.key for s in SCENARIOS)})",
    )
    parser.add_argument("--spy-options", default="--gil", help="--profile: py-spy record options (default --gil)")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    args.load = os.getloadavg()  # other work on the machine skews every figure

    wrk = Wrk(ensure_wrk(), args.connections, args.duration)
    ensure_redis(args.redis_url)
    threads = args.waitress_threads or waitress_threads()
    with tempfile.TemporaryDirectory(prefix="taxapp-bench-") as name:
        tmp = Path(name)
        try:
            if args.profile:
                print(profile(args, wrk, tmp, threads))
                return 0
            if args.compare_threads:
                print(compare_threads(args, wrk, tmp, args.compare_threads))
                return 0
            run, output = (soak, "soak.md") if args.soak else (benchmark, "latest.md")
            text, ok = run(args, wrk, tmp, threads)
        finally:
            ensure_redis(args.redis_url)  # flush what the run left
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / output).write_text(text)
    print(text)
    print(f"(written to {RESULTS / output})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
