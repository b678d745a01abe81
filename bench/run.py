#!/usr/bin/env python3
"""taxapp's load benchmark (targets: README, "Performance and scale"): ``make bench``, or ``python bench/run.py``.

What it does, all on 127.0.0.1:

1. the ceilings: a bare waitress "hello" WSGI app (``bench/hello.py``), then the same
   answer through a one-view Pyramid app, each under the same wrk load as taxapp;
2. ``pserve`` on an ini generated from development.ini (same waitress threads), but
   with the real Redis (``--redis-url``, default 127.0.0.1:6379 database 14, flushed
   before and after), a freshly migrated SQLite file and the log in a temporary
   folder; then wrk with the Lua scripts of ``bench/wrk/`` on each scenario, each in
   a session prepared beforehand (the cookie given to wrk);
3. no lost update: the calculate-tax run shares ONE session among every connection;
   each 200 answer's simulation id is kept, and list-simulations afterwards must
   list each of them once (it may list a few more: requests wrk abandoned when its
   time was up, which the server still answered);
4. the batch: calculate-taxes with 10,000 taxpayers in one request (median wall time
   of several) against the bare calculation loop over the same inputs, in-process;
5. memory: the pserve process's RSS at start, after each row, and its peak (VmHWM); pserve runs
   with MALLOC_ARENA_MAX=2 (``--malloc-arena-max``), the setting the README recommends.

The table goes to ``bench/results/latest.md`` (git-ignored) and to stdout; the exit
status is 1 when a target is missed.

``--profile`` instead samples the pserve process with py-spy during calculate-tax,
list-simulations (1,000) and the 10,000-taxpayer batch, and writes the collapsed
stacks and a summary (``bench/results/profile.md``).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
WRK_SCRIPTS = BENCH / "wrk"
BIN = Path(sys.executable).parent

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}
# The 11 taxpayers of the original course (docs/tax-rules.md).
COURSE = [("yes", 2, 55555), ("yes", 2, 50000), ("yes", 3, 50000), ("no", 2, 100000), ("no", 3, 100000),
          ("yes", 3, 100000), ("yes", 5, 100000), ("no", 0, 100000), ("yes", 2, 30000), ("no", 0, 200000),
          ("yes", 3, 200000)]

TARGETS = {
    "ceiling_share": 0.50,  # calculate-tax req/s >= 50 % of the bare hello's
    "batch_seconds": 1.0,  # 10,000 taxpayers in one request
    "batch_ratio": 3.0,  # ... <= 3x the bare loop
    "list_ratio": 3.0,  # list-simulations p50 with 1,000 <= 3x with 10
    "rss_mib": 120,
}


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


# --- servers ----------------------------------------------------------------------------


class Server:
    """A server process on 127.0.0.1:port, its output in ``log``; up once ``/`` answers."""

    def __init__(self, command: list, port: int, log: Path, cwd: Path, env: dict | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                            env={**os.environ, **(env or {})})
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


def bench_ini(tmp: Path, port: int, redis_url: str) -> Path:
    """development.ini with the real Redis, a SQLite file and the log under ``tmp``, on ``port``."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read(ROOT / "development.ini")
    ini["app:main"]["sqlalchemy.url"] = f"sqlite:///{tmp / 'taxapp.sqlite'}"
    ini["app:main"]["redis.url"] = redis_url
    ini["alembic"]["script_location"] = str(ROOT / "alembic")
    ini["server:main"]["listen"] = f"127.0.0.1:{port}"
    ini["handler_file"]["args"] = repr((str(tmp / "taxapp.log"),))
    path = tmp / "bench.ini"
    with open(path, "w") as out:
        ini.write(out)
    return path


@contextlib.contextmanager
def taxapp_server(tmp: Path, redis_url: str, malloc_arena_max: int = 0):
    port = free_port()
    ini = bench_ini(tmp, port, redis_url)
    subprocess.run([BIN / "alembic", "-c", ini, "upgrade", "head"], check=True, cwd=tmp,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {"MALLOC_ARENA_MAX": str(malloc_arena_max)} if malloc_arena_max else {}
    server = Server([BIN / "pserve", ini], port, tmp / "pserve.out", cwd=tmp, env=env)
    try:
        yield server
    finally:
        server.stop()


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
        items.append({"married": rng.choice(("yes", "no")), "children": rng.randint(0, 6),
                      "salary": rng.randint(0, 250_000)})
    return items[:count]


def batch_body(count: int) -> bytes:
    return json.dumps(taxpayers(count)).encode()


# --- wrk ----------------------------------------------------------------------------------


class Wrk:
    def __init__(self, binary: str, threads: int, connections: int, seconds: float):
        self.binary = binary
        self.options = ["-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
        self.connections = connections

    def run(self, url: str, script: str, args=(), cookie: str | None = None) -> dict:
        headers = ["-H", f"Cookie: {cookie}"] if cookie else []
        command = [self.binary, *self.options, *headers, "-s", script, url, "--", *map(str, args)]
        done = subprocess.run(command, cwd=WRK_SCRIPTS, capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
        if done.returncode != 0 or line is None:
            sys.exit(f"bench: wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        result = json.loads(line[len("WRK_JSON "):])
        seconds = result["duration_us"] / 1e6
        result["rps"] = result["requests"] / seconds
        result["p50_ms"] = result["p50_us"] / 1000
        result["p99_ms"] = result["p99_us"] / 1000
        result["seconds"] = seconds
        return result


# --- the scenarios ----------------------------------------------------------------------


def write_body(tmp: Path, name: str, body: bytes) -> Path:
    path = tmp / name
    path.write_bytes(body)
    return path


def prepare_sessions(base: str, tmp: Path) -> tuple[dict, dict]:
    """The sessions and bodies of the scenarios, prepared before any load."""
    sessions = {"calculate": Session(base), "small": Session(base), "large": Session(base),
                "xml": Session(base, "xml"), "batch11": Session(base), "batch1000": Session(base)}
    sessions["small"].call("POST", "/calculate-taxes", batch_body(10), JSON)
    sessions["large"].call("POST", "/calculate-taxes", batch_body(1000), JSON)
    bodies = {"form": write_body(tmp, "form.txt", urlencode(TAXPAYER).encode()),
              "batch11": write_body(tmp, "batch11.json", batch_body(11)),
              "batch1000": write_body(tmp, "batch1000.json", batch_body(1000))}
    return sessions, bodies


def scenarios(base: str, sessions: dict, bodies: dict, ids_file: Path) -> list[tuple]:
    """(name, url, script, wrk args, cookie) of each taxapp scenario, in the order they run."""
    s = sessions
    return [
        ("calculate-tax (JSON)", f"{base}/calculate-tax", "acknowledged.lua",
         ["POST", bodies["form"], FORM, ids_file], s["calculate"].cookie),
        ("list-simulations (10)", f"{base}/list-simulations", "request.lua", ["GET"], s["small"].cookie),
        ("list-simulations (1000)", f"{base}/list-simulations", "request.lua", ["GET"], s["large"].cookie),
        ("get-admindata (JSON)", f"{base}/get-admindata", "request.lua", ["GET"], s["small"].cookie),
        ("get-admindata (XML)", f"{base}/get-admindata", "request.lua", ["GET"], s["xml"].cookie),
        ("calculate-taxes (11)", f"{base}/calculate-taxes", "request.lua",
         ["POST", bodies["batch11"], JSON], s["batch11"].cookie),
        ("calculate-taxes (1000)", f"{base}/calculate-taxes", "request.lua",
         ["POST", bodies["batch1000"], JSON], s["batch1000"].cookie),
        ("login (init-session + authenticate-user)", base, "login.lua", [], None),
    ]


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
        "in_flight_at_stop": extra,
        "ok": not missing and len(set(listed)) == len(listed) and 0 <= extra <= connections,
    }


BARE_LOOP = """
import json, sys, time
from taxapp.tax import TaxData, calculate_tax
admindata, rows = json.load(sys.stdin)
data = TaxData.from_dict(admindata)
inputs = [tuple(row) for row in rows]
start = time.perf_counter()
[calculate_tax(data, married, children, salary) for married, children, salary in inputs]
print(time.perf_counter() - start)
"""


def batch_check(base: str, count: int, runs: int) -> dict:
    """Median wall time of calculate-taxes with ``count`` taxpayers vs the bare loop.

    Each request is followed by one run of the bare loop, in a fresh Python process
    (as the server's is, not this one's, full of the benchmark's own objects), so
    that both medians come from the same moments of this shared, noisy machine.
    """
    body = batch_body(count)
    inputs = [(t["married"] == "yes", t["children"], t["salary"]) for t in taxpayers(count)]
    walls, bares = [], []
    admindata = None
    for _ in range(runs):
        session = Session(base)  # a fresh session each time, its login outside the timing
        admindata = admindata or session.json("GET", "/get-admindata")
        start = time.perf_counter()
        answer = session.call("POST", "/calculate-taxes", body, JSON)
        walls.append(time.perf_counter() - start)
        assert len(json.loads(answer)["response"]) == count
        loop = subprocess.run([sys.executable, "-c", BARE_LOOP], input=json.dumps([admindata, inputs]),
                              capture_output=True, text=True, check=True, cwd=ROOT)
        bares.append(float(loop.stdout))
    wall, bare = statistics.median(walls), statistics.median(bares)
    return {"count": count, "runs": runs, "wall_s": wall, "min_s": min(walls), "max_s": max(walls),
            "bare_s": bare, "ratio": wall / bare}


# --- the report -------------------------------------------------------------------------


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.machine())
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {system}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def report(args, rows: list, lost: dict, batch: dict, memory: dict, threads: int) -> tuple[str, bool]:
    ceiling = rows[0][1]["rps"]
    by_name = {name: result for name, result in rows}
    lines = [
        "# taxapp benchmark",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {machine()}; load average (1 min) when the run started: {args.load:.2f}"
        + (" — **the machine was busy: figures are low and noisy**" if args.load > 0.5 else ""),
        f"- command: `make bench` (`python bench/run.py --duration {args.duration} --connections {args.connections}"
        f" --threads {args.threads} --malloc-arena-max {args.malloc_arena_max}`)",
        f"- load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s per row, client and server on the same"
        f" machine; pserve with development.ini's waitress threads ({threads}), real Redis, SQLite, log to a file,"
        f" MALLOC_ARENA_MAX={args.malloc_arena_max or 'unset'}",
        "",
        "| scenario | requests/s | p50 ms | p99 ms | non-2xx | % of ceiling | pserve RSS after, MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        note = ""
        if "logins" in r.get("counters", {}):
            note = f" ({r['counters']['logins'] / r['seconds']:.0f} logins/s)"
        lines.append(f"| {name}{note} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['non2xx'] + r['socket_errors']} | {100 * r['rps'] / ceiling:.0f} % | "
                     + (f"{r['rss_kib'] / 1024:.1f} |" if "rss_kib" in r else "– |"))
    calc = by_name["calculate-tax (JSON)"]
    share = calc["rps"] / ceiling
    list_ratio = by_name["list-simulations (1000)"]["p50_ms"] / by_name["list-simulations (10)"]["p50_ms"]
    rss = memory["VmHWM"] / 1024
    checks = [
        ("calculate-tax ≥ 50 % of the ceiling's requests/s", f"{100 * share:.0f} %",
         share >= TARGETS["ceiling_share"]),
        ("10,000-taxpayer batch < 1 s", f"{batch['wall_s'] * 1000:.0f} ms (median of {batch['runs']})",
         batch["wall_s"] < TARGETS["batch_seconds"]),
        ("10,000-taxpayer batch ≤ 3× the bare loop",
         f"{batch['ratio']:.2f}× (bare loop {batch['bare_s'] * 1000:.0f} ms)",
         batch["ratio"] <= TARGETS["batch_ratio"]),
        ("list-simulations p50: 1,000 simulations ≤ 3× 10", f"{list_ratio:.2f}×", list_ratio <= TARGETS["list_ratio"]),
        ("pserve RSS < 120 MB under load (peak)",
         f"{rss:.1f} MiB (at start {memory['started'] / 1024:.1f}, before the batch "
         f"{memory['before_batch'] / 1024:.1f}, after it {memory['VmRSS'] / 1024:.1f})",
         rss < TARGETS["rss_mib"]),
        ("no lost update (calculate-tax in one session)",
         f"{lost['acknowledged']} acknowledged (200), {lost['listed']} listed, {lost['missing']} missing",
         lost["ok"]),
    ]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {verdict(ok)} |" for name, value, ok in checks]
    lines += [
        "",
        "No lost update: the calculate-tax row ran every connection in ONE session. "
        f"wrk's answers by status: {lost['answers']}; the session then listed {lost['listed']} simulations "
        f"for {lost['acknowledged']} acknowledged, every acknowledged id among them: {lost['missing'] == 0}, "
        f"ids distinct: {lost['distinct_ids']}; {lost['in_flight_at_stop']} more were requests still in flight when "
        f"wrk stopped (answered by the server, never read by wrk; at most one per connection, {args.connections}).",
        "",
        f"Batch: calculate-taxes with {batch['count']:,} taxpayers, {batch['runs']} requests: median "
        f"{batch['wall_s'] * 1000:.0f} ms (min {batch['min_s'] * 1000:.0f}, max {batch['max_s'] * 1000:.0f}); "
        f"the bare loop of taxapp.tax.calculate_tax over the same inputs: {batch['bare_s'] * 1000:.1f} ms.",
    ]
    return "\n".join(lines) + "\n", all(ok for _, _, ok in checks)


# --- profiling (--profile) ----------------------------------------------------------------


def py_spy() -> str:
    found = shutil.which("py-spy") or (str(BIN / "py-spy") if (BIN / "py-spy").exists() else None)
    if not found:
        sys.exit(f"bench: py-spy is not installed: {sys.executable} -m pip install py-spy")
    return found


@contextlib.contextmanager
def sampling(pid: int, seconds: float, output: Path):
    spy = subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "500",
                            "--gil", "--format", "raw", "--nolineno", "--output", str(output)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    ("waitress outside the app (HTTP parsing, sending, task queue)",
     lambda frames: not any(frame.startswith("Router.__call__") for frame in frames)),
    ("session load (pyramid_session_redis: GET, cookie signature, JSON)",
     _through("RedisSessionFactory.<locals>.factory")),
    ("session write / TTL refresh (finished callback)", _through("_deferred_callback")),
    ("simulations store (taxapp/simulations.py)", _through("taxapp/simulations.py")),
    ("Redis client, all calls (redis-py)", _through("(redis/")),
    ("form and batch validation (taxapp/forms.py)", _through("taxapp/forms.py")),
    ("tax calculation (taxapp/tax)", _through("taxapp/tax/")),
    ("JSON encoding", _through("json/encoder.py")),
    ("JSON decoding", _through("json/decoder.py")),
    ("taxapp/renderers (with the response_type predicate, which loads the session)",
     _through("taxapp/renderers/")),
    ("request log line (logging)", _through("(logging/")),
    ("pyramid_tm's own work (its tween, outside the view)",
     lambda frames: _through("pyramid_tm/")(frames) and not _through("excview_tween")(frames)),
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

    return "\n\n".join([f"{total} samples of the thread holding the GIL (the Python process's CPU time).",
                          table("component (inclusive, overlapping)", components, len(COMPONENTS)),
                          table("own time, by package", packages), table("own time, by function", self_time)])


def profile(args, wrk: Wrk, tmp: Path) -> None:
    RESULTS.mkdir(exist_ok=True)
    out = ["# taxapp profile (py-spy, pserve under load)", "", f"- machine: {machine()}",
           "- command: `python bench/run.py --profile`", ""]
    with taxapp_server(tmp, args.redis_url) as server:
        sessions, bodies = prepare_sessions(server.url, tmp)
        wrk.run(server.url + "/calculate-tax", "request.lua", ["POST", bodies["form"], FORM],
                sessions["calculate"].cookie)  # warm-up
        runs = {
            "calculate-tax": lambda: wrk.run(server.url + "/calculate-tax", "request.lua",
                                             ["POST", bodies["form"], FORM], sessions["calculate"].cookie),
            "list-simulations-1000": lambda: wrk.run(server.url + "/list-simulations", "request.lua", ["GET"],
                                                     sessions["large"].cookie),
            "batch-10000": lambda: batch_loop(server.url, args.duration),
        }
        for name, run in runs.items():
            collapsed = RESULTS / f"profile-{name}.txt"
            with sampling(server.pid, args.duration, collapsed):
                run()
            out += [f"## {name}", "", summarize(collapsed), ""]
    text = "\n".join(out)
    (RESULTS / "profile.md").write_text(text)
    print(text)


def batch_loop(base: str, seconds: float) -> None:
    """10,000-taxpayer requests one after the other, a new session every 5."""
    body = batch_body(10_000)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session = Session(base)
        for _ in range(5):
            session.call("POST", "/calculate-taxes", body, JSON)


# --- main -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--batch-runs", type=int, default=5, help="10,000-taxpayer requests timed (default 5)")
    parser.add_argument("--redis-url", default=os.environ.get("TAXAPP_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--malloc-arena-max", type=int, default=2,
                        help="MALLOC_ARENA_MAX for pserve, as the README recommends (0: glibc's default)")
    parser.add_argument("--profile", action="store_true", help="profile with py-spy instead of benchmarking")
    args = parser.parse_args()
    args.load = os.getloadavg()[0]  # other work on the machine skews every figure

    wrk = Wrk(ensure_wrk(), args.threads, args.connections, args.duration)
    ensure_redis(args.redis_url)
    threads = waitress_threads()
    with tempfile.TemporaryDirectory(prefix="taxapp-bench-") as name:
        tmp = Path(name)
        try:
            if args.profile:
                profile(args, wrk, tmp)
                return 0
            text, ok = benchmark(args, wrk, tmp, threads)
        finally:
            ensure_redis(args.redis_url)  # flush what the run left
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(text)
    print(text)
    print(f"(written to {RESULTS / 'latest.md'})")
    return 0 if ok else 1


def benchmark(args, wrk: Wrk, tmp: Path, threads: int) -> tuple[str, bool]:
    rows = []
    for label, pyramid in (("ceiling: bare waitress WSGI hello", False), ("Pyramid hello (one view)", True)):
        server = hello_server(tmp, threads, pyramid)
        try:
            wrk.run(server.url + "/", "request.lua", ["GET"])  # warm-up
            rows.append((label, wrk.run(server.url + "/", "request.lua", ["GET"])))
        finally:
            server.stop()
        progress(*rows[-1])
    ids_file = tmp / "acknowledged-ids.txt"
    with taxapp_server(tmp, args.redis_url, args.malloc_arena_max) as server:
        started = server.memory_kib()["VmRSS"]
        sessions, bodies = prepare_sessions(server.url, tmp)
        # warm-up, in a session of its own (the measured one must start empty)
        warm_up = Session(server.url).cookie
        wrk.run(server.url + "/calculate-tax", "request.lua", ["POST", bodies["form"], FORM], warm_up)
        lost = None
        for name, url, script, wrk_args, cookie in scenarios(server.url, sessions, bodies, ids_file):
            rows.append((name, {**wrk.run(url, script, wrk_args, cookie), "rss_kib": server.memory_kib()["VmRSS"]}))
            progress(*rows[-1])
            if lost is None:
                lost = lost_update_check(sessions["calculate"], rows[-1][1], ids_file, args.connections)
        before_batch = server.memory_kib()["VmRSS"]
        batch = batch_check(server.url, 10_000, args.batch_runs)
        memory = {**server.memory_kib(), "started": started, "before_batch": before_batch}
    return report(args, rows, lost, batch, memory, threads)


def progress(name: str, result: dict) -> None:
    print(f"bench: {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
