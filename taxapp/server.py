"""The server ``pserve`` runs: waitress, after checking that its port is free.

Declared as the ``paste.server_factory`` entry point ``main`` (``use = egg:taxapp#main``
in the ini files' ``[server:main]``); every setting of the section goes to waitress as
it is. The check comes before the application is loaded: a port in use is one line
and exit status 1 (pserve would turn an exit from inside the server into status 0).
"""

import errno
import socket

import waitress
from waitress.adjustments import Adjustments

from .errors import StartupError, exit_with


def server_factory(global_conf, **settings):
    """Check the addresses waitress will listen on, and return the server for ``pserve``."""
    for family, kind, protocol, address in Adjustments(**settings).listen:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress binds
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    ini = global_conf.get("__file__", "development.ini")
                    exit_with(
                        StartupError(
                            f"cannot listen on {address[0]}:{address[1]}: the port is in use; choose another with "
                            f"pserve {ini} http_port=PORT (make serve PORT=PORT)"
                        )
                    )
                # anything else (an address this host lacks…): waitress says it its own way

    def serve(app):
        waitress.serve(app, **settings)

    return serve
