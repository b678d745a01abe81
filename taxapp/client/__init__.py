"""taxapp's console client: an HTTP client library and the ``taxapp-client`` command.

The library (:mod:`taxapp.client.api`) calls the JSON/XML service one action at a
time; :mod:`taxapp.client.batch` computes many taxpayers, on the server in
parallel sessions or locally from the server's figures; :mod:`taxapp.client.taxpayers`
reads the taxpayers files; :mod:`taxapp.client.cli` is the command.
"""

from .api import (
    DEFAULT_URL,
    SUCCESS_STATUS,
    ClientError,
    SecureCookieOverHttp,
    ServerUnreachable,
    TaxappClient,
    TaxappError,
    parse_xml,
)
from .batch import calculate_locally, calculate_remotely
from .taxpayers import BadLine, Taxpayer, read_taxpayers

__all__ = [
    "DEFAULT_URL",
    "SUCCESS_STATUS",
    "BadLine",
    "ClientError",
    "SecureCookieOverHttp",
    "ServerUnreachable",
    "TaxappClient",
    "TaxappError",
    "Taxpayer",
    "calculate_locally",
    "calculate_remotely",
    "parse_xml",
    "read_taxpayers",
]
