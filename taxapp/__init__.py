"""taxapp: French income tax as a Pyramid web service (JSON, XML and HTML)."""

import gc
import logging

from pyramid.config import Configurator

from .errors import StartupError, exit_with
from .settings import expand_environment

log = logging.getLogger(__name__)

GC_THRESHOLD = 50_000  # allocations between two young collections (CPython's default: 700)


def main(global_config, **settings):
    """Return the taxapp WSGI application; each part wires itself with ``includeme``."""
    ini_settings = settings
    try:
        settings = expand_environment(ini_settings)
        with Configurator(settings=settings) as config:
            config.include(".incidents")
            config.include(".models")
            config.include(".sessions")
            config.include(".security")
            config.include(".throttle")
            config.include(".responses")
            config.include(".i18n")
            config.include(".renderers")
            config.include(".derivers")
            config.include(".tweens")
            config.include(".routes")
            config.include(".views")
            config.include(".requests")
        app = config.make_wsgi_app()
        # The ~100,000 objects made at start-up (registry, mappers, templates) live as
        # long as the process: freezing them spares every full garbage collection from
        # walking them (a 10,000-taxpayer request spent 22 ms in the collector, 2 ms frozen).
        gc.freeze()
        # A batch of 10,000 household documents makes about a million containers that live
        # until the answer leaves: at the default threshold (700) the collector walks them
        # again and again (~100 ms of a 1 s request); few of taxapp's objects are cyclic,
        # so reference counting frees them anyway (docs/performance.md).
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        return app
    except StartupError as error:
        log.critical("start-up failed: %s", error)
        from .incidents import mail_administrator

        # the settings as far as the environment gives them: a missing variable is
        # itself the failure, and the mail settings may not need it
        mail_administrator(expand_environment(ini_settings, strict=False), "start-up failed", str(error))
        exit_with(error)
