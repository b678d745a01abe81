"""Nothing shared between users: a sign-in as another user starts with nothing of the
previous one's, and a verification costs the same pbkdf2 rounds whoever signs in."""

import pytest
from passlib.hash import pbkdf2_sha256
from webtest import TestApp

from taxapp import main
from taxapp.security import Users
from tests.conftest import app_settings
from tests.functional.answers import read
from tests.functional.test_html import html_page, text, token

# hashes of different strengths, as users made in different years have
ROUNDS = {"ann": 1000, "bob": 3000, "cyd": 2000}
TAXPAYER = {"married": "no", "children": "0", "salary": "30000"}


def users_setting(rounds=ROUNDS):
    return "\n".join(f"{name} {pbkdf2_sha256.using(rounds=n).hash(name + '-password')}" for name, n in rounds.items())


@pytest.fixture(scope="module")
def users_app(sqlite_url, redis_url):
    return main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.users": users_setting()}))


def sign_in(client, name, status=200):
    return client.post("/authenticate-user", {"user": name, "password": name + "-password"}, status=status)


def ids(client, fmt):
    _, status, response = read(client.get("/list-simulations"), fmt)
    assert status == 500
    return [int(s["id"]) for s in response]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_sign_in_as_another_user_starts_an_empty_store(users_app, fmt):
    """ann does not sign out; bob signs in on the same client: he sees nothing of hers."""
    client = TestApp(users_app)
    client.get(f"/init-session/{fmt}")
    sign_in(client, "ann")
    client.post("/calculate-tax", TAXPAYER)
    client.post("/calculate-tax", TAXPAYER)
    assert ids(client, fmt) == [1, 2]
    sign_in(client, "bob")
    assert ids(client, fmt) == []
    client.post("/calculate-tax", TAXPAYER)
    assert ids(client, fmt) == [1]  # his own ids, from 1
    sign_in(client, "bob")  # the same user again keeps his simulations
    assert ids(client, fmt) == [1]
    client.get("/init-session/json")  # and a type chosen by the client is kept across users
    sign_in(client, "ann")
    assert read(client.get("/list-simulations"), "json")[2] == []  # hers were dropped when bob signed in


def test_on_the_pages_too(users_app):
    client = TestApp(users_app)
    page = client.get("/init-session/html")
    form = {"user": "ann", "password": "ann-password", "csrf_token": token(page)}
    tax_page = client.post("/authenticate-user", form, status=303).follow()
    client.post("/calculate-tax", {**TAXPAYER, "csrf_token": token(tax_page)}, status=303)
    client.get("/delete-simulation/1", status=303)  # a note "Simulation #1 deleted." waits for the list
    client.post("/calculate-tax", {**TAXPAYER, "csrf_token": token(tax_page)}, status=303)
    form = {"user": "bob", "password": "bob-password", "csrf_token": token(tax_page)}
    client.post("/authenticate-user", form, status=303)  # a program's post: no Accept: text/html
    soup = html_page(client.get("/list-simulations"))
    assert "Your list of simulations is empty" in text(soup)
    assert soup.select('[role="status"] p') == []  # nor her notes


def rounds_spent(monkeypatch):
    """The pbkdf2 rounds computed, observed where passlib computes them."""
    import passlib.handlers.pbkdf2

    spent = []
    real = passlib.handlers.pbkdf2.pbkdf2_hmac

    def counting(digest, secret, salt, rounds, keylen=None):  # observes, and calls the real one
        spent.append(rounds)
        return real(digest, secret, salt, rounds, keylen)

    monkeypatch.setattr(passlib.handlers.pbkdf2, "pbkdf2_hmac", counting)
    return spent


@pytest.mark.parametrize(
    "login, password",
    [
        ("ann", "ann-password"),
        ("ann", "wrong"),
        ("bob", "bob-password"),
        ("bob", "wrong"),
        ("cyd", "wrong"),
        ("nobody", "wrong"),
        ("ann", "x" * 5000),  # over passlib's size limit
        ("nobody", "x" * 5000),
    ],
)
def test_every_verification_costs_the_most_rounds_of_the_users(monkeypatch, login, password):
    """Timing must tell neither which names exist nor whose hash is cheaper."""
    users = Users.from_setting(users_setting())
    spent = rounds_spent(monkeypatch)
    assert users.verify(login, password) is (password == f"{login}-password")
    assert sum(spent) == max(ROUNDS.values())
