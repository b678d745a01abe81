"""The HTTP client library: one method per action of taxapp's JSON/XML service.

A :class:`TaxappClient` holds one server session (its ``session`` cookie) and
answers the Python value of each action's ``response``. The answer's app
status is checked on every call: anything but the action's success status
raises :class:`TaxappError`; a server that cannot be reached raises
:class:`ServerUnreachable`. Both derive from :class:`ClientError`.

XML answers (``response_type="xml"``) are parsed with defusedxml into the same
Python values as the JSON ones, see :func:`parse_xml`.

Example::

    from taxapp.client import TaxappClient

    with TaxappClient("http://localhost:6543", response_type="xml") as client:
        client.login("admin", password)
        simulation = client.calculate_tax(married=True, children=2, salary=55555)
        print(simulation["tax"])          # 2814
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from taxapp.contract import ACTIONS, OBJECT, OBJECTS, PROGRAM_RESPONSE_TYPES, TEXT
from taxapp.household_documents import DOCUMENT

__all__ = [
    "DEFAULT_URL",
    "RESPONSE_TYPES",
    "SUCCESS_STATUS",
    "ClientError",
    "SecureCookieOverHttp",
    "ServerUnreachable",
    "TaxappClient",
    "TaxappError",
    "parse_xml",
]

DEFAULT_URL = "http://localhost:6543"
RESPONSE_TYPES = PROGRAM_RESPONSE_TYPES

#: App status of each action's success (``taxapp.contract.ACTIONS``); any other status is a failure.
SUCCESS_STATUS = {name: action.status for name, action in ACTIONS.items()}

# The shape of a failure's ``response``: a list of messages, or of faulty items.
_ANY_LIST = "list"

# Keys of an object that are lists even when they hold one item (get-admindata).
_LIST_KEYS = frozenset(
    {
        "limits",
        "coeffr",
        "coeffn",
        "rules_available",
        # a household's answer (docs/households.md), and a faulty document's messages
        "declarants",
        "dependents",
        "alimony_adult_children",
        "childcare",
        "incomes",
        "steps",
        "errors",
    }
)
# A household document's keys in order, and its lists, which XML writes as nothing when empty.
_DOCUMENT_KEYS = tuple(key.name for key in DOCUMENT)
_DOCUMENT_LISTS = tuple(key.name for key in DOCUMENT if key.kind in ("amounts", "dependents"))


class ClientError(Exception):
    """Base class of the errors this library raises."""


class TaxappError(ClientError):
    """The server answered something other than the action's success.

    Attributes:
        action: the action called, e.g. ``"authenticate-user"``.
        status: the answer's app status (e.g. ``201``), or ``None`` when the
            answer was not a taxapp result at all (e.g. a 404 text page).
        http_status: the HTTP status code of the answer.
        messages: the failure's messages, as strings.
        response: the answer's ``response`` value as received (for calculate-taxes
            failures, the list of faulty items, each with its ``error``).
    """

    def __init__(self, action: str, status: int | None, http_status: int, messages: list[str], response: Any = None):
        self.action = action
        self.status = status
        self.http_status = http_status
        self.messages = messages
        self.response = response
        super().__init__(str(self))

    def __str__(self) -> str:
        status = "no app status" if self.status is None else f"status {self.status}"
        return f"{self.action} failed ({status}, HTTP {self.http_status}): {'; '.join(self.messages)}"


class ServerUnreachable(ClientError):
    """No HTTP answer from the server: refused connection, unknown host, timeout…"""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach the taxapp server at {url}: {reason}")


class SecureCookieOverHttp(ClientError):
    """The server's session cookie is ``Secure`` but the URL is plain http.

    Such a cookie is never sent back over http, so every action after init-session
    would answer "No session in progress". A production server (``cookie_secure``)
    is meant to be reached through its HTTPS proxy.
    """

    def __init__(self, url: str):
        self.url = url
        super().__init__(
            f"the server at {url} sets its session cookie Secure (sent over HTTPS only), so it would not be "
            "sent back over http: use the server's https:// address (its proxy), "
            "or a server with redis.sessions.cookie_secure = false"
        )


# ---------------------------------------------------------------- XML answers

_INT = re.compile(r"-?[0-9]+\Z")
_FLOAT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")


def _scalar(text: str | None) -> Any:
    """An XML leaf's text as the JSON value it was written from (docs/api.md)."""
    if not text:
        return ""
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def _object(element) -> dict:
    """An element's children as a dict; a repeated child (or a known list key) is a list."""
    counts = Counter(child.tag for child in element)
    result: dict[str, Any] = {}
    for child in element:
        value = _object(child) if len(child) else _scalar(child.text)
        if child.tag in _LIST_KEYS or counts[child.tag] > 1:
            result.setdefault(child.tag, []).append(value)
        else:
            result[child.tag] = value
    return result


def _simulation(obj: dict) -> dict:
    """A household's simulation as JSON has it: its document's empty lists back."""
    household = obj.get("household")
    if isinstance(household, dict) and "status" in household:  # a document (not get-admindata's figures)
        for key in _DOCUMENT_LISTS:
            household.setdefault(key, [])
        obj["household"] = {key: household[key] for key in _DOCUMENT_KEYS if key in household}
    return obj


def _response(elements: list, shape: str) -> Any:
    """The ``response`` value from its (possibly repeated, possibly absent) elements."""
    if shape == TEXT:
        return elements[0].text or "" if elements else ""
    if shape == OBJECT:
        return _simulation(_object(elements[0])) if elements else {}
    items = []
    for element in elements:
        if len(element):
            items.append(_simulation(_object(element)))
        elif shape == OBJECTS:
            items.append({})
        else:
            items.append(element.text or "")
    return items


def parse_xml(data: bytes | str) -> dict:
    """Parse a taxapp XML answer into ``{"action", "status", "response"}``.

    The result is the value the JSON answer would have given: the status and the
    numbers inside objects are ``int`` or ``float``, ``true``/``false`` are
    booleans, and a ``response`` that is a list for this action and status stays a
    list with one item or none (XML writes a list as the element repeated, and an
    empty list as no element). Parsing uses defusedxml: entity expansion and
    external references are refused.

    Known ambiguities of the XML format itself: ``""`` and ``null`` both arrive
    as ``""``, and a string of digits inside an object (only possible in the faulty
    items echoed by a calculate-taxes failure) comes back as a number.

    Raises:
        ValueError: the text is not well-formed XML, or not a taxapp result.
    """
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise ValueError(f"not a valid XML answer: {error}") from None
    if root.tag != "root":
        raise ValueError(f"not a taxapp XML answer: root element <{root.tag}>")
    grouped: dict[str, list] = {}
    for child in root:
        grouped.setdefault(child.tag, []).append(child)
    try:
        action = grouped["action"][0].text or ""
        status = int(grouped["status"][0].text or "")
    except (KeyError, ValueError):
        raise ValueError("not a taxapp XML answer: no <action> or no numeric <status>") from None
    if status == SUCCESS_STATUS.get(action):
        shape = ACTIONS[action].answer
    else:
        shape = _ANY_LIST  # every failure answers a list of messages (or of faulty items)
    result: dict[str, Any] = {"action": action, "status": status}
    result["response"] = _response(grouped.pop("response", []), shape)
    for tag, elements in grouped.items():  # keys other than the three, kept as they come
        if tag not in result:
            values = [_object(e) if len(e) else _scalar(e.text) for e in elements]
            result[tag] = values if len(values) > 1 else values[0]
    return result


# ------------------------------------------------------------------ the client


def _no_empty_figures(data: dict) -> dict:
    """XML writes null as an empty element: no figure is an empty string."""
    return {
        key: _no_empty_figures(value) if isinstance(value, dict) else None if value == "" else value
        for key, value in data.items()
    }


def _messages(response: Any) -> list[str]:
    """A failure's response as a list of readable strings."""
    items = response if isinstance(response, list) else [response]
    messages = []
    for item in items:
        if isinstance(item, dict) and "error" in item:
            sent = {key: value for key, value in item.items() if key != "error"}
            messages.append(f"{item['error']} in {json.dumps(sent, ensure_ascii=False)}")
        else:
            messages.append(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))
    return messages


def _married(value: bool | str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class TaxappClient:
    """One session with a taxapp server.

    Args:
        url: the server's base URL, e.g. ``http://localhost:6543`` (a path prefix
            is kept, for a server behind a proxy).
        response_type: ``"json"`` or ``"xml"``, the type :meth:`init_session`
            asks for. Both give the same Python values.
        timeout: seconds to wait for the connection and for each answer.

    Each method calls one action and returns its ``response`` value, or raises
    :class:`TaxappError` when the app status is not the action's success status,
    :class:`ServerUnreachable` when the server gives no HTTP answer. The session
    cookie is kept by the instance: use one instance per session (and per thread).
    Used as a context manager, the session is ended on exit (errors ignored).
    """

    def __init__(self, url: str = DEFAULT_URL, response_type: str = "json", timeout: float = 60.0):
        if response_type not in RESPONSE_TYPES:
            raise ValueError(f"response_type must be one of {RESPONSE_TYPES}, not {response_type!r}")
        self.url = url.rstrip("/")
        self.response_type = response_type
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self._started = False

    def __repr__(self) -> str:
        return f"TaxappClient({self.url!r}, response_type={self.response_type!r})"

    def __enter__(self) -> TaxappClient:  # noqa: PYI034 (a final class in use)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._started:
            try:
                self.end_session()
            except ClientError:
                pass

    # -- actions, in the contract's order

    def init_session(self, response_type: str | None = None) -> list[str]:
        """``init-session``: start (or re-type) the session; returns its message list.

        ``response_type`` changes :attr:`response_type` for this and later calls.
        A ``Secure`` session cookie over plain http raises :class:`SecureCookieOverHttp`.
        """
        if response_type is not None:
            if response_type not in RESPONSE_TYPES:
                raise ValueError(f"response_type must be one of {RESPONSE_TYPES}, not {response_type!r}")
            self.response_type = response_type
        response = self._call("init-session", f"/init-session/{self.response_type}")
        if urllib.parse.urlsplit(self.url).scheme != "https" and any(cookie.secure for cookie in self.cookies):
            raise SecureCookieOverHttp(self.url)
        self._started = True
        return response

    def authenticate_user(self, user: str, password: str) -> str:
        """``authenticate-user``: log in; returns ``"Authentication successful"``.

        A refused login raises :class:`TaxappError` with status 201 (HTTP 401).
        """
        return self._call("authenticate-user", "/authenticate-user", form={"user": user, "password": password})

    def login(self, user: str, password: str) -> str:
        """:meth:`init_session` then :meth:`authenticate_user`, the usual start."""
        self.init_session()
        return self.authenticate_user(user, password)

    def calculate_tax(self, married: bool | str, children: int, salary: int, **year_fields) -> dict:
        """``calculate-tax``: one household's tax; returns the new simulation.

        ``married`` is a bool or ``"yes"``/``"no"``. The simulation is a dict with
        ``married`` (``"yes"``/``"no"``), ``children``, ``salary``, ``tax``,
        ``surcharge``, ``discount``, ``reduction`` (ints), ``rate`` (float) and
        its session ``id``. ``year=``, ``rules=`` and ``single_parent=`` (``"yes"``/
        ``"no"``) are sent when given; the simulation then names its year and rules.
        """
        form = {"married": _married(married), "children": str(children), "salary": str(salary)}
        form.update({key: str(value) for key, value in year_fields.items() if value is not None})
        return self._call("calculate-tax", "/calculate-tax", form=form)

    def calculate_taxes(self, taxpayers: Iterable[Mapping[str, Any]]) -> list[dict]:
        """``calculate-taxes``: many households in one request; returns their simulations.

        Each taxpayer is a mapping with ``married`` (bool or ``"yes"``/``"no"``),
        ``children`` and ``salary``; the simulations come back in the same order.
        The items are sent as given (a simulation received earlier may be sent
        back: its other keys are ignored by the server).
        The server takes at most 10,000 taxpayers a request (``taxapp.batch_max``).
        When any taxpayer is invalid nothing is calculated: the
        :class:`TaxappError` (status 1501) has the faulty items, each with its
        ``error``, in ``response``.
        """
        items = [{**t, "married": _married(t["married"])} if "married" in t else dict(t) for t in taxpayers]
        body = json.dumps(items, separators=(",", ":")).encode()
        return self._call("calculate-taxes", "/calculate-taxes", body=body, content_type="application/json")

    def calculate_household(self, document: Mapping[str, Any]) -> dict:
        """``calculate-household``: the whole household's tax; returns the new simulation.

        ``document`` is the household document of docs/households.md (``status``,
        ``declarants``, ``dependents``…, amounts as ints, flags as bools). The
        simulation has the document as the server understood it (``household``),
        ``shares``, ``taxable_income``, ``reference_income``, ``rate``, ``discount``,
        ``tax``, ``tax_reductions``, ``tax_credits``, ``high_income_contribution``,
        ``differential_contribution``, ``due`` (negative: a refund), the figures
        in between, and its session ``id``. A faulty document raises
        :class:`TaxappError` (status 1101), one message per fault.
        """
        body = json.dumps(document, separators=(",", ":")).encode()
        return self._call("calculate-household", "/calculate-household", body=body, content_type="application/json")

    def calculate_households(self, documents: Iterable[Mapping[str, Any]]) -> list[dict]:
        """``calculate-households``: many households in one request, all or none.

        Returns their simulations in order. When any document is faulty nothing
        is calculated: the :class:`TaxappError` (status 1201) has the faulty
        documents, each as sent with its ``errors`` (a list of messages), in
        ``response``.
        """
        body = json.dumps(list(documents), separators=(",", ":")).encode()
        return self._call("calculate-households", "/calculate-households", body=body, content_type="application/json")

    def list_simulations(self) -> list[dict]:
        """``list-simulations``: the session's simulations, oldest first."""
        return self._call("list-simulations", "/list-simulations")

    def delete_simulation(self, id: int) -> list[dict]:  # noqa: A002 (the contract's name, public API)
        """``delete-simulation/{id}``: remove one simulation; returns the remaining ones.

        An id not in the session raises :class:`TaxappError` with status 601.
        """
        if not isinstance(id, int) or isinstance(id, bool) or id < 0:
            raise ValueError(f"a simulation id is a whole number >= 0, not {id!r}")
        return self._call("delete-simulation", f"/delete-simulation/{id}")

    def display_tax_calculation(self) -> str:
        """``display-tax-calculation``: answers ``""`` (the HTML form's action)."""
        return self._call("display-tax-calculation", "/display-tax-calculation")

    def end_session(self) -> str:
        """``end-session``: destroy the server session; returns ``"session reset"``."""
        response = self._call("end-session", "/end-session")
        self._started = False
        return response

    def get_admindata(self, year: int | None = None, household: bool = False) -> dict:
        """``get-admindata``: the tax administration's figures the server uses.

        Without ``year``, the server's default year with the course's keys; with
        it, that year's figures with the official rules' keys too (``None`` for
        the reduction's from 2021). With ``household``, also the figures of the
        whole household's rules under ``household`` (of ``year``, else of the
        newest year). The dict is the shape :meth:`taxapp.tax.TaxData.from_dict` reads.
        """
        query = {}
        if year is not None:
            query["year"] = year
        if household:
            query["household"] = "yes"
        if not query:
            return self._call("get-admindata", "/get-admindata")
        data = self._call("get-admindata", "/get-admindata?" + urllib.parse.urlencode(query))
        return _no_empty_figures(data)

    # -- transport

    def request(
        self,
        action: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> tuple[int, dict]:
        """Send one request and parse the answer, without checking its app status.

        Returns ``(http_status, result)`` with ``result`` the ``{"action", "status",
        "response"}`` dict. A body that is not a taxapp result (JSON or XML) raises
        :class:`TaxappError` with ``status=None``. Meant for callers that need
        answers the action methods treat as errors.
        """
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        url = self.url + path
        request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                http_status, kind, data = answer.status, answer.headers.get_content_type(), answer.read()
        except urllib.error.HTTPError as error:
            with error:
                http_status, kind, data = error.code, error.headers.get_content_type(), error.read()
        except urllib.error.URLError as error:
            raise ServerUnreachable(self.url, str(getattr(error, "reason", error))) from None
        except (OSError, http.client.HTTPException) as error:
            raise ServerUnreachable(self.url, str(error) or type(error).__name__) from None
        try:
            if kind == "application/json":
                result = json.loads(data)
            elif kind in ("application/xml", "text/xml"):
                result = parse_xml(data)
            else:
                raise ValueError(f"{kind} answer")
            if not isinstance(result, dict) or not isinstance(result.get("status"), int):
                raise ValueError("no app status in the answer")  # noqa: TRY004 (caught below: not a taxapp answer)
        except ValueError as error:
            first_line = data.decode("utf-8", "replace").strip().split("\n", 1)[0][:200]
            raise TaxappError(action, None, http_status, [f"not a taxapp answer ({error}): {first_line}"]) from None
        return http_status, result

    def _call(self, action: str, path: str, **kwargs) -> Any:
        http_status, result = self.request(action, path, **kwargs)
        if result["status"] != SUCCESS_STATUS[action]:
            response = result.get("response")
            raise TaxappError(action, result["status"], http_status, _messages(response), response)
        return result.get("response")
