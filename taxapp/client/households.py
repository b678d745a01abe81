"""Many household documents at once: on the server, or locally with the server's figures.

Both functions answer the same *records*, one per valid document in the file's
order: ``{"item": <its position in the file, from 1>, **the server's simulation}``
without the session's ``id``; and the faulty documents, each ``(item, messages)``
with the messages the server gives. A file computed by the server and one computed
locally are identical (docs/client.md).
"""

from __future__ import annotations

import concurrent.futures
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from taxapp.contract import ACTIONS, BATCH_MAX
from taxapp.errors import ActionFailed
from taxapp.household_documents import HouseholdOptions, calculated, read_household
from taxapp.tax import TaxData

from .api import TaxappClient, TaxappError

__all__ = ["calculate_households_locally", "calculate_households_remotely", "read_documents"]

Faulty = tuple[int, list[str]]  # (item, messages)
# what the server answers a batch holding something other than an object
NOT_A_DOCUMENT = "The body of the POST request must be a list of dictionaries"


def read_documents(text: str) -> list[Any]:
    """The documents of a households file: a JSON list (each item is judged later)."""
    documents = json.loads(text)
    if not isinstance(documents, list):
        raise ValueError("a households file is a JSON list of household documents")  # noqa: TRY004 (one error for a bad file)
    return documents


def _record(item: int, simulation: Mapping[str, Any]) -> dict:
    return {"item": item, **{key: value for key, value in simulation.items() if key != "id"}}


def calculate_households_remotely(
    documents: Sequence[Any],
    *,
    url: str,
    user: str,
    password: str,
    response_type: str = "json",
    workers: int = 1,
    chunk_size: int = BATCH_MAX,
    timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict], list[Faulty]]:
    """Compute the documents with calculate-households, split among ``workers`` sessions.

    A chunk the server refuses (1201) has its faulty documents reported (the server's
    messages) and the others sent again, so that one faulty document does not stop
    the file. ``progress(n)`` is called after each chunk.
    """
    if not 1 <= chunk_size <= BATCH_MAX:
        raise ValueError(f"chunk_size must be from 1 to {BATCH_MAX}")
    items = [(item, doc) for item, doc in enumerate(documents, start=1) if isinstance(doc, dict)]
    not_documents = [
        (item, [NOT_A_DOCUMENT]) for item, doc in enumerate(documents, start=1) if not isinstance(doc, dict)
    ]
    if not items:
        return [], not_documents
    chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    workers = max(1, min(workers, len(chunks)))

    def work(my_chunks) -> tuple[list[dict], list[Faulty]]:
        records, faulty = [], []
        with TaxappClient(url, response_type, timeout) as client:
            client.login(user, password)
            for chunk in my_chunks:
                done, refused = _send(client, chunk)
                records += done
                faulty += refused
                if progress is not None:
                    progress(len(chunk))
        return records, faulty

    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="taxapp-client") as pool:
        results = list(pool.map(work, [chunks[w::workers] for w in range(workers)]))
    records = sorted((r for done, _ in results for r in done), key=lambda r: r["item"])
    faulty = sorted([*not_documents, *(f for _, refused in results for f in refused)], key=lambda f: f[0])
    return records, faulty


def _send(client: TaxappClient, chunk: list[tuple[int, Any]]) -> tuple[list[dict], list[Faulty]]:
    """One calculate-households request; on 1201, the faulty ones apart and the rest again."""
    faulty: list[Faulty] = []
    while chunk:
        try:
            simulations = client.calculate_households(doc for _, doc in chunk)
        except TaxappError as error:
            if error.status != ACTIONS["calculate-households"].failure_status or not _are_items(error.response):
                raise
            refused = _faulty_items(chunk, error.response)
            if not refused:  # a refusal of the whole body (not a list…): every document is faulty
                return [], faulty + [(item, error.messages) for item, _ in chunk]
            faulty += refused
            bad = {item for item, _ in refused}
            chunk = [(item, doc) for item, doc in chunk if item not in bad]
            continue
        return [_record(item, s) for (item, _), s in zip(chunk, simulations, strict=True)], faulty
    return [], faulty


def _are_items(response: Any) -> bool:
    return isinstance(response, list) and all(isinstance(r, dict) for r in response)


def _faulty_items(chunk: list[tuple[int, Any]], response: list[dict]) -> list[Faulty]:
    """The server echoes each faulty document as sent, with its ``errors``: match them back."""
    faulty = []
    for echoed in response:
        sent = {key: value for key, value in echoed.items() if key != "errors"}
        messages = echoed.get("errors", [])
        faulty += [(item, list(messages)) for item, doc in chunk if doc == sent]
    return faulty


_YEARS_MESSAGE = re.compile(r"\(one of ([0-9, ]+)\)")


def server_years(client: TaxappClient) -> tuple[int, ...]:
    """The tax years the server has the household figures of: those its refusal of an
    impossible year names (the contract's message, docs/tax-years.md)."""
    try:
        client.get_admindata(0, household=True)
    except TaxappError as error:
        match = _YEARS_MESSAGE.search(" ".join(error.messages))
        if match:
            return tuple(int(year) for year in match.group(1).split(", "))
        raise
    raise TaxappError("get-admindata", None, 200, ["the server accepted tax year 0"])


def calculate_households_locally(
    documents: Sequence[Any], admindata_by_year: Mapping[int, dict], years: Sequence[int]
) -> tuple[list[dict], list[Faulty]]:
    """Compute the documents with taxapp's own engine and the server's figures.

    ``years``: the tax years the server has (:func:`server_years`);
    ``admindata_by_year``: ``get_admindata(year, household=True)`` of each year the
    documents need. Faulty documents get the messages the server would give.
    """
    options = HouseholdOptions(years)
    tax_years = {int(year): TaxData.from_dict(data) for year, data in admindata_by_year.items()}
    records, faulty = [], []
    for item, doc in enumerate(documents, start=1):
        if not isinstance(doc, dict):
            faulty.append((item, [NOT_A_DOCUMENT]))
            continue
        try:
            year, household, document = read_household(doc, options)
        except ActionFailed as error:  # the server's own messages
            faulty.append((item, list(error.messages)))
            continue
        records.append(_record(item, calculated(tax_years[year], household, document, explained=False)))
    return records, faulty


def needed_years(documents: Sequence[Any], years: Sequence[int]) -> list[int]:
    """The years whose figures a local calculation needs: the documents' valid ones, and
    the newest (the default)."""
    asked = {doc.get("year") for doc in documents if isinstance(doc, dict)}
    return sorted({y for y in asked if type(y) is int and y in years} | {max(years)})
