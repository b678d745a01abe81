"""The pages' two languages, French and English, with Pyramid's i18n.

- The texts are English message ids marked with ``_`` (Python) or ``{% trans %}`` /
  ``_()`` (templates, pyramid_jinja2's i18n extension); their French is in the
  gettext catalogue ``taxapp/locale/fr/LC_MESSAGES/taxapp.po``, compiled to a ``.mo``
  by ``make install`` (``pybabel compile``, see docs/pages.md).
- The language is the one chosen on a page (``/language/{locale}``, kept in a
  ``language`` cookie of its own, never in the session: the switch creates no session
  for a visitor without one, and rewrites none), else the best of ``Accept-Language``,
  else English.
- ``Accept-Language`` is read bounded (``bounded_accept_language``): its first
  ``MAX_LANGUAGE_RANGES`` ranges, each at most ``MAX_LANGUAGE_RANGE_LENGTH``
  characters; WebOb's ``lookup`` is quadratic in a range's length (a 32 KB header
  cost 0.66 s of CPU, docs/security.md).
- Money, numbers and percentages are formatted by Babel in the page's locale
  (``money``, ``number`` and ``percent`` filters of the templates).

The API (JSON and XML) is never translated: its messages are the contract's.
"""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import pass_context
from pyramid.i18n import TranslationStringFactory
from pyramid.settings import asbool
from webob.acceptparse import create_accept_language_header

_ = TranslationStringFactory("taxapp")

LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
LANGUAGE_COOKIE = "language"  # the language chosen on a page
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


# What a browser sends is a few short ranges ("fr-CA,fr;q=0.9,en;q=0.8"); the longest
# tag of the IANA registry with a q-value is under 32 characters.
MAX_LANGUAGE_RANGES = 8
MAX_LANGUAGE_RANGE_LENGTH = 32


def bounded_accept_language(header: str) -> str:
    """The header's first ``MAX_LANGUAGE_RANGES`` ranges, without those longer than
    ``MAX_LANGUAGE_RANGE_LENGTH``: what negotiation reads. The split stops after the
    ranges it keeps, so a header of any length costs as much as a short one."""
    ranges = (r.strip() for r in header.split(",", MAX_LANGUAGE_RANGES)[:MAX_LANGUAGE_RANGES])
    return ",".join(r for r in ranges if len(r) <= MAX_LANGUAGE_RANGE_LENGTH)


def accepted_locale(request) -> str:
    header = request.headers.get("Accept-Language")
    if header is None:
        return DEFAULT_LOCALE
    accepted = create_accept_language_header(bounded_accept_language(header))
    return accepted.lookup(LOCALES, default=DEFAULT_LOCALE)


def negotiate_locale(request) -> str:
    """The language chosen on a page, else ``Accept-Language``'s; never opens the session."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LOCALES else accepted_locale(request)


def keep_language(request, response, locale: str) -> None:
    """The choice in its cookie: as the session's cookie is, HttpOnly, SameSite=Lax and
    Secure when configured (``redis.sessions.cookie_secure``)."""
    secure = asbool(request.registry.settings.get("redis.sessions.cookie_secure", False))
    response.set_cookie(
        LANGUAGE_COOKIE, locale, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax", secure=secure
    )


def _patterns(locale: Locale) -> tuple[str, str]:
    """The locale's (currency, percent) patterns: amounts are whole euros (no cents),
    and a rate may have a fraction of a percent (5.5 %)."""
    currency = locale.currency_formats["standard"].pattern.replace(".00", "")
    rate = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.##")
    return currency, rate


_PATTERNS = {name: _patterns(Locale.parse(name)) for name in LOCALES}


def _locale(context) -> str:
    return context["request"].locale_name


@pass_context
def money(context, amount: int) -> str:
    """55555 -> '55 555 €' (fr, narrow no-break spaces), '€55,555' (en)."""
    locale = _locale(context)
    return format_currency(amount, "EUR", format=_PATTERNS[locale][0], locale=locale, currency_digits=False)


@pass_context
def percent(context, rate: float) -> str:
    """0.14 -> '14 %' (fr), '14%' (en); a fraction of a percent is kept (0.055 -> 5.5%)."""
    locale = _locale(context)
    return format_percent(rate, format=_PATTERNS[locale][1], locale=locale)


@pass_context
def number(context, value: float) -> str:
    """2.5 -> '2,5' (fr), '2.5' (en); 3.0 -> '3'."""
    return format_decimal(value, locale=_locale(context))


@pass_context
def translate(context, message) -> str:
    """A translation string (a view's message) in the page's language."""
    return context["request"].localizer.translate(message)


JINJA2_FILTERS = {"money": money, "percent": percent, "number": number, "translate": translate}


def includeme(config):
    config.add_translation_dirs("taxapp:locale/")
    config.set_locale_negotiator(negotiate_locale)
