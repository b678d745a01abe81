"""Many taxpayers at once: over HTTP in parallel sessions, or locally from get-admindata.

Both functions answer one *record* per taxpayer, in the input's order, with the
same keys and value types, so that a file computed by the server and one
computed locally are identical:
``id, married, children, salary, tax, surcharge, discount, reduction, rate``;
a taxpayer given a year, rules or single_parent also has, after its salary,
``single_parent`` (when given), ``year`` and ``rules``, as the server answers.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence

from taxapp.contract import ACTIONS, BATCH_MAX
from taxapp.tax import TaxData, calculate_taxpayer, default_rules
from taxapp.tax import Taxpayer as Household

from .api import TaxappClient, TaxappError
from .taxpayers import Taxpayer

__all__ = ["BATCH_MAX", "RECORD_KEYS", "calculate_locally", "calculate_remotely", "needed_years", "record"]

#: The keys of an output record, in order.
RECORD_KEYS = ("id", "married", "children", "salary", "tax", "surcharge", "discount", "reduction", "rate")

_AMOUNTS = ("tax", "surcharge", "discount", "reduction")


def record(taxpayer: Taxpayer, simulation: dict) -> dict:
    """The output record of a taxpayer: the file's id and the simulation's values.

    Numbers are normalised (ints, and a float rate) so that JSON and XML answers
    and the local calculation all give the same record.
    """
    result = {"id": taxpayer.id, "married": str(simulation["married"]).lower()}
    for key in ("children", "salary"):
        result[key] = int(simulation[key])
    if "single_parent" in simulation:
        result["single_parent"] = str(simulation["single_parent"])
    if "year" in simulation:
        result["year"], result["rules"] = int(simulation["year"]), str(simulation["rules"])
    for key in _AMOUNTS:
        result[key] = int(simulation[key])
    result["rate"] = float(simulation["rate"])
    return result


def _shares(count: int, parts: int) -> list[tuple[int, int]]:
    """Split ``range(count)`` into ``parts`` contiguous (start, stop) slices of near-equal size."""
    size, extra = divmod(count, parts)
    bounds, start = [], 0
    for index in range(parts):
        stop = start + size + (1 if index < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


class _Cancelled(Exception):
    """Another worker failed: this one stops between two requests."""


def calculate_remotely(
    taxpayers: Sequence[Taxpayer],
    *,
    url: str,
    user: str,
    password: str,
    response_type: str = "json",
    workers: int = 1,
    chunk_size: int = BATCH_MAX,
    timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """Compute every taxpayer on the server, split among ``workers`` sessions.

    Each worker takes a contiguous share of the list and runs its own session:
    init-session, authenticate-user, one calculate-taxes request per chunk of at
    most ``chunk_size`` taxpayers, end-session. ``progress(n)`` is called (from the
    worker threads) after each chunk with the number of taxpayers it computed.

    Returns the records in the order of ``taxpayers``. The first failure (a
    :class:`~taxapp.client.api.ClientError`) stops the other workers after their
    current request and is raised.
    """
    if not 1 <= chunk_size <= BATCH_MAX:
        raise ValueError(f"chunk_size must be from 1 to {BATCH_MAX}")
    if not taxpayers:
        return []
    workers = max(1, min(workers, len(taxpayers)))
    stop = threading.Event()

    def work(start: int, end: int) -> list[dict]:
        with TaxappClient(url, response_type, timeout) as client:
            client.login(user, password)
            records = []
            for first in range(start, end, chunk_size):
                if stop.is_set():
                    raise _Cancelled
                chunk = taxpayers[first : min(first + chunk_size, end)]
                simulations = client.calculate_taxes(t.as_params() for t in chunk)
                records.extend(_checked_records(chunk, simulations))
                if progress is not None:
                    progress(len(chunk))
            return records

    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="taxapp-client") as pool:
        futures = [pool.submit(work, start, end) for start, end in _shares(len(taxpayers), workers)]
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
        failures = [f.exception() for f in done if f.exception() is not None]
        if failures:
            stop.set()
            concurrent.futures.wait(futures)
            raise next((e for e in failures if not isinstance(e, _Cancelled)), failures[0])
        return [item for future in futures for item in future.result()]


def _checked_records(chunk: Sequence[Taxpayer], simulations: list[dict]) -> list[dict]:
    """Pair each taxpayer with its simulation, checking the answer matches the request."""
    if len(simulations) != len(chunk) or any(
        (s.get("married"), s.get("children"), s.get("salary")) != (t.married, t.children, t.salary)
        for t, s in zip(chunk, simulations, strict=False)
    ):
        raise TaxappError(
            "calculate-taxes",
            ACTIONS["calculate-taxes"].status,
            200,
            [f"the answer's {len(simulations)} simulations do not match the {len(chunk)} taxpayers sent"],
        )
    return [record(t, s) for t, s in zip(chunk, simulations, strict=False)]


def calculate_locally(
    taxpayers: Sequence[Taxpayer], admindata_by_year: Mapping[int, dict], default_year: int
) -> list[dict]:
    """Compute every taxpayer with taxapp's own calculation and the server's figures.

    ``admindata_by_year``: the get-admindata answer of each year the taxpayers
    need (:meth:`~taxapp.client.api.TaxappClient.get_admindata`, with ``year=``),
    ``default_year`` the server's (its get-admindata without a year). The records
    are the ones :func:`calculate_remotely` gives for the same taxpayers.
    """
    tax_years = {int(year): TaxData.from_dict(data) for year, data in admindata_by_year.items()}
    records = []
    for taxpayer in taxpayers:
        household = Household(
            taxpayer.married == "yes",
            taxpayer.children,
            taxpayer.salary,
            single_parent=None if taxpayer.single_parent is None else taxpayer.single_parent == "yes",
            year=taxpayer.year,
            rules=taxpayer.rules,
        )
        result = calculate_taxpayer(tax_years, default_year, household)
        simulation = {**taxpayer.as_params(), **dataclasses.asdict(result)}
        if any(getattr(taxpayer, key) is not None for key in ("year", "rules", "single_parent")):
            year = taxpayer.year or default_year
            simulation["year"], simulation["rules"] = year, taxpayer.rules or default_rules(year)
        records.append(record(taxpayer, simulation))
    return records


def needed_years(taxpayers: Sequence[Taxpayer], default_year: int) -> list[int]:
    """The tax years a local calculation of ``taxpayers`` needs the figures of."""
    return sorted({t.year or default_year for t in taxpayers})
