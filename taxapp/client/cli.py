"""``taxapp-client``: the console client (modes ``batch``, ``local``, ``households`` and ``demo``).

Run ``taxapp-client --help`` for the options. Connection settings come from the
options or from the environment (``TAXAPP_URL``, ``TAXAPP_USER``,
``TAXAPP_PASSWORD``); without a password the client asks for one when it runs
on a terminal.

Exit status: 0 every valid line was computed (bad lines are reported, not
fatal); 1 any other failure (unreadable input, unwritable output, a refused
action, a Secure session cookie over plain http); 2 wrong usage; 3 server
unreachable; 4 login refused.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from taxapp.contract import ACTIONS

from .api import DEFAULT_URL, RESPONSE_TYPES, ClientError, ServerUnreachable, TaxappClient, TaxappError
from .batch import BATCH_MAX, calculate_locally, calculate_remotely, needed_years
from .households import (
    calculate_households_locally,
    calculate_households_remotely,
    read_documents,
    server_years,
)
from .households import needed_years as years_of_documents
from .taxpayers import FIELDS, BadLine, Taxpayer, read_taxpayers

# The answer to a wrong user name or password (or to too many of them).
LOGIN_REFUSED = ("authenticate-user", ACTIONS["authenticate-user"].failure_status)

PROG = "taxapp-client"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_LOGIN_REFUSED = 0, 1, 2, 3, 4
DEFAULT_USER = "admin"
DEFAULT_WORKERS = 4

#: The taxpayers of the original course's clients, for the demo.
DEMO_TAXPAYERS = [
    ("yes", 2, 55555), ("yes", 2, 50000), ("yes", 3, 50000), ("no", 2, 100000),
    ("no", 3, 100000), ("yes", 3, 100000), ("yes", 5, 100000), ("no", 0, 100000),
    ("yes", 2, 30000), ("no", 0, 200000), ("yes", 3, 200000),
]  # fmt: skip


class CliError(Exception):
    """A failure reported as one line, with its exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILURE):
        super().__init__(message)
        self.code = code


@dataclass
class Connection:
    """Where and as whom to connect; the password is asked for only when needed."""

    url: str
    user: str
    response_type: str
    timeout: float
    password: str | None

    def get_password(self) -> str:
        if self.password is None:
            if not sys.stdin.isatty():
                raise CliError("no password: set TAXAPP_PASSWORD (or run on a terminal to be asked for it)")
            try:
                self.password = getpass.getpass(f"password of {self.user} at {self.url}: ")
            except EOFError:
                raise CliError("no password given") from None
        return self.password

    def client(self) -> TaxappClient:
        return TaxappClient(self.url, self.response_type, self.timeout)


# ------------------------------------------------------------------ input/output


def read_input(path: str, year: int | None = None, rules: str | None = None) -> tuple[list[Taxpayer], list[BadLine]]:
    """The taxpayers file (``-`` is stdin); ``year`` and ``rules`` for the lines without theirs."""
    if path == "-":
        return read_taxpayers(sys.stdin, year, rules)
    try:
        with open(path, encoding="utf-8") as lines:
            return read_taxpayers(lines, year, rules)
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None


def report_bad_lines(bad: list[BadLine], input_name: str, errors_path: str | None) -> None:
    """Write one line per bad line, ``INPUT:LINE: reason: text``, to the errors file or stderr."""
    lines = [f"{input_name}:{b.line}: {b.reason}: {b.text}\n" for b in bad]
    if errors_path is None:
        sys.stderr.writelines(lines)
        return
    _write(errors_path, "".join(lines))


def format_records(records: list[dict]) -> str:
    """The output file's text: a JSON list ordered by id, one record a line."""
    ordered = sorted(records, key=lambda r: r["id"])
    if not ordered:
        return "[]\n"
    return "[\n" + ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in ordered) + "\n]\n"


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as output:
            output.write(text)
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None


class Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal; thread-safe."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = total > 0 and self.stream.isatty()
        self.total, self.done = total, 0
        self._lock = threading.Lock()
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        with self._lock:
            self.done += count
            now = time.monotonic()
            if self.enabled and (now - self._drawn > 0.1 or self.done >= self.total):
                self._drawn = now
                filled = self.WIDTH * self.done // self.total
                bar = "#" * filled + "-" * (self.WIDTH - filled)
                self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self.stream.flush()


# ------------------------------------------------------------------ modes


def _summary(mode: str, count: int, how: str, bad: list[BadLine], args, started: float) -> None:
    skipped = ""
    if bad:
        where = f"see {args.errors}" if args.errors else "above"
        skipped = f", {len(bad)} bad line{'s' if len(bad) != 1 else ''} skipped ({where})"
    print(
        f"{PROG} {mode}: {count} taxpayer{'s' if count != 1 else ''} computed {how}{skipped}, "
        f"results in {args.output} ({time.monotonic() - started:.2f} s)",
        file=sys.stderr,
    )


def run_batch(args, connection: Connection) -> int:
    """Compute the file on the server, in ``--workers`` parallel sessions."""
    started = time.monotonic()
    taxpayers, bad = read_input(args.input, args.year, args.rules)
    report_bad_lines(bad, args.input, args.errors)
    records = []
    if taxpayers:
        password = connection.get_password()
        progress = Progress(len(taxpayers))
        try:
            records = calculate_remotely(
                taxpayers,
                url=connection.url,
                user=connection.user,
                password=password,
                response_type=connection.response_type,
                workers=args.workers,
                chunk_size=args.chunk_size,
                timeout=connection.timeout,
                progress=progress.advance,
            )
        finally:
            progress.close()
    _write(args.output, format_records(records))
    workers = min(args.workers, len(taxpayers)) or 1
    how = f"by {workers} session{'s' if workers != 1 else ''} ({connection.response_type})"
    _summary("batch", len(records), how, bad, args, started)
    return EXIT_OK


def run_local(args, connection: Connection) -> int:
    """Fetch get-admindata once a year needed, then compute the file with taxapp's own calculation."""
    started = time.monotonic()
    taxpayers, bad = read_input(args.input, args.year, args.rules)
    report_bad_lines(bad, args.input, args.errors)
    records, how = [], "locally"
    if taxpayers:
        with connection.client() as client:
            client.login(connection.user, connection.get_password())
            default_year = int(client.get_admindata()["tax_year"])
            years = needed_years(taxpayers, default_year)
            admindata = {year: client.get_admindata(year) for year in years}
        records = calculate_locally(taxpayers, admindata, default_year)
        how = f"locally with the {', '.join(map(str, years))} figures ({connection.response_type})"
    _write(args.output, format_records(records))
    _summary("local", len(records), how, bad, args, started)
    return EXIT_OK


def read_households(path: str) -> list:
    """The households file (``-`` is stdin): a JSON list of household documents."""
    try:
        if path == "-":
            return read_documents(sys.stdin.read())
        with open(path, encoding="utf-8") as file:
            return read_documents(file.read())
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    except ValueError as error:
        raise CliError(f"{path} is not a JSON list of household documents: {error}") from None


def report_faulty(faulty: list[tuple[int, list[str]]], input_name: str, errors_path: str | None) -> None:
    """One line per fault, ``INPUT:ITEM: message``, to the errors file or stderr."""
    lines = [f"{input_name}:{item}: {message}\n" for item, messages in faulty for message in messages]
    if errors_path is None:
        sys.stderr.writelines(lines)
        return
    _write(errors_path, "".join(lines))


def format_household_records(records: list[dict]) -> str:
    """The output file's text: a JSON list in the file's order, one record a line."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


def run_households(args, connection: Connection) -> int:
    """Compute a file of household documents on the server, or locally with --local."""
    started = time.monotonic()
    documents = read_households(args.input)
    records, faulty = [], []
    if documents:
        password = connection.get_password()
        progress = Progress(len(documents))
        try:
            if args.local:
                with connection.client() as client:
                    client.login(connection.user, password)
                    years = server_years(client)
                    needed = years_of_documents(documents, years)
                    admindata = {year: client.get_admindata(year, household=True) for year in needed}
                records, faulty = calculate_households_locally(documents, admindata, years)
                progress.advance(len(documents))
                how = f"locally with the {', '.join(map(str, needed))} figures ({connection.response_type})"
            else:
                records, faulty = calculate_households_remotely(
                    documents,
                    url=connection.url,
                    user=connection.user,
                    password=password,
                    response_type=connection.response_type,
                    workers=args.workers,
                    chunk_size=args.chunk_size,
                    timeout=connection.timeout,
                    progress=progress.advance,
                )
                how = f"on the server ({connection.response_type})"
        finally:
            progress.close()
    else:
        how = "(an empty file)"
    report_faulty(faulty, args.input, args.errors)
    _write(args.output, format_household_records(records))
    skipped = ""
    if faulty:
        where = f"see {args.errors}" if args.errors else "above"
        skipped = f", {len(faulty)} faulty document{'s' if len(faulty) != 1 else ''} skipped ({where})"
    print(
        f"{PROG} households: {len(records)} household{'s' if len(records) != 1 else ''} computed {how}{skipped}, "
        f"results in {args.output} ({time.monotonic() - started:.2f} s)",
        file=sys.stderr,
    )
    return EXIT_OK


_COLUMNS = (
    ("id", 4), ("married", -7), ("children", 8), ("salary", 10), ("tax", 7),
    ("surcharge", 9), ("discount", 8), ("reduction", 9), ("rate", 4),
)  # (name, width); a negative width aligns left  # fmt: skip


def _cell(name: str, value) -> str:
    return f"{value:.0%}" if name == "rate" else str(value)


def format_table(simulations: list[dict]) -> str:
    """Simulations as an aligned text table, one a line under a header."""
    if not simulations:
        return "(no simulations)"
    rows = [{name: name for name, _ in _COLUMNS}, *({n: _cell(n, sim[n]) for n, _ in _COLUMNS} for sim in simulations)]
    return "\n".join(
        "  ".join(row[name].ljust(-width) if width < 0 else row[name].rjust(width) for name, width in _COLUMNS)
        for row in rows
    )


def run_demo(args, connection: Connection, out: Callable[[str], None] = print) -> int:
    """The original's third client: a batch, the list, delete every odd id, the list again."""
    taxpayers = [{"married": m, "children": c, "salary": s} for m, c, s in DEMO_TAXPAYERS]
    with connection.client() as client:
        client.login(connection.user, connection.get_password())
        out(f"server {connection.url}, response type {connection.response_type}, user {connection.user}")
        simulations = client.calculate_taxes(taxpayers)
        out(f"\ncalculate-taxes: {len(simulations)} taxpayers computed")
        simulations = client.list_simulations()
        out(f"\nlist-simulations: {len(simulations)} simulations\n{format_table(simulations)}")
        odd = [sim["id"] for sim in simulations if sim["id"] % 2 == 1]
        for id_ in odd:
            client.delete_simulation(id_)
        out(f"\ndelete-simulation: deleted the odd ids {', '.join(map(str, odd))}")
        simulations = client.list_simulations()
        out(f"\nlist-simulations: {len(simulations)} simulations left\n{format_table(simulations)}")
        out(f"\nend-session: {client.end_session()}")
    return EXIT_OK


# ------------------------------------------------------------------ command line


def _positive(kind: type, maximum: int | None = None):
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0 or (maximum is not None and value > maximum):
            limit = f" and at most {maximum}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"must be greater than 0{limit}: {text}")
        return value

    return convert


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; the connection options are accepted before or after the mode."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection (before or after the mode)")
    group.add_argument("--url", default=argparse.SUPPRESS, help=f"server URL (env TAXAPP_URL; default {DEFAULT_URL})")
    group.add_argument("--user", default=argparse.SUPPRESS, help=f"login (env TAXAPP_USER; default {DEFAULT_USER})")
    group.add_argument(
        "--password",
        default=argparse.SUPPRESS,
        help="password; visible to every user of the machine: prefer the env TAXAPP_PASSWORD, "
        "or leave both unset to be asked for it on a terminal",
    )
    group.add_argument(
        "--format", choices=RESPONSE_TYPES, default=argparse.SUPPRESS, help="response type asked for (default json)"
    )
    group.add_argument(
        "--timeout", type=_positive(float), default=argparse.SUPPRESS, help="seconds per request (default 60)"
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[common],
        description="Console client of the taxapp tax service.",
        epilog="exit status: 0 done (bad input lines are reported, not fatal), 1 failure, 2 usage, "
        "3 server unreachable, 4 login refused",
    )
    modes = parser.add_subparsers(dest="mode", required=True, metavar="MODE")

    def files(mode):
        mode.add_argument("input", metavar="INPUT", help=f"taxpayers file, lines {FIELDS} (- = stdin)")
        mode.add_argument("output", metavar="OUTPUT", help="results, a JSON list ordered by id (- = stdout)")
        mode.add_argument("--errors", metavar="FILE", help="where to report the bad lines (default: stderr)")
        mode.add_argument(
            "--year", type=_positive(int, 9999), help="tax year of the lines without one (default: the server's)"
        )
        mode.add_argument(
            "--rules",
            choices=("course", "official"),
            help="rules of the lines without theirs (default: course for 2019, else official)",
        )

    batch = modes.add_parser("batch", parents=[common], help="compute a taxpayers file on the server")
    files(batch)
    batch.add_argument(
        "--workers", type=_positive(int, 64), default=DEFAULT_WORKERS,
        help=f"parallel sessions (default {DEFAULT_WORKERS})",
    )  # fmt: skip
    batch.add_argument(
        "--chunk-size", type=_positive(int, BATCH_MAX), default=BATCH_MAX,
        help=f"taxpayers per calculate-taxes request (default and maximum {BATCH_MAX})",
    )  # fmt: skip
    batch.set_defaults(run=run_batch)

    local = modes.add_parser("local", parents=[common], help="fetch the tax figures once, compute locally")
    files(local)
    local.set_defaults(run=run_local)

    households = modes.add_parser(
        "households", parents=[common], help="compute a file of household documents (docs/households.md)"
    )
    households.add_argument("input", metavar="INPUT", help="a JSON list of household documents (- = stdin)")
    households.add_argument("output", metavar="OUTPUT", help="results, a JSON list in the file's order (- = stdout)")
    households.add_argument("--errors", metavar="FILE", help="where to report the faulty documents (default: stderr)")
    households.add_argument(
        "--local", action="store_true", help="fetch the figures once a year, compute with taxapp's own engine"
    )
    households.add_argument(
        "--workers", type=_positive(int, 64), default=DEFAULT_WORKERS,
        help=f"parallel sessions on the server (default {DEFAULT_WORKERS})",
    )  # fmt: skip
    households.add_argument(
        "--chunk-size", type=_positive(int, BATCH_MAX), default=1000,
        help=f"households per calculate-households request (default 1000, at most {BATCH_MAX})",
    )  # fmt: skip
    households.set_defaults(run=run_households)

    demo = modes.add_parser("demo", parents=[common], help="batch, list, delete every odd id, list again")
    demo.set_defaults(run=run_demo)
    return parser


def connection_from(args, environ=os.environ) -> Connection:
    """Options first, then the environment, then the defaults."""
    return Connection(
        url=getattr(args, "url", None) or environ.get("TAXAPP_URL") or DEFAULT_URL,
        user=getattr(args, "user", None) or environ.get("TAXAPP_USER") or DEFAULT_USER,
        response_type=getattr(args, "format", "json"),
        timeout=getattr(args, "timeout", 60.0),
        password=getattr(args, "password", None) if hasattr(args, "password") else environ.get("TAXAPP_PASSWORD"),
    )


def _fail(message: str) -> None:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``taxapp-client``; returns the exit status."""
    args = build_parser().parse_args(argv)
    connection = connection_from(args)
    try:
        return args.run(args, connection)
    except CliError as error:
        _fail(str(error))
        return error.code
    except ServerUnreachable as error:
        _fail(str(error))
        return EXIT_UNREACHABLE
    except ClientError as error:  # a TaxappError, a SecureCookieOverHttp
        if isinstance(error, TaxappError) and (error.action, error.status) == LOGIN_REFUSED:
            _fail(f"login refused for user {connection.user!r} at {connection.url}: {'; '.join(error.messages)}")
            return EXIT_LOGIN_REFUSED
        _fail(str(error))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
