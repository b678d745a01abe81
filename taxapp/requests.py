"""The request class, built once at start-up with every request method on it.

``config.add_request_method`` (taxapp's ``response_type``, ``simulations``,
``dbsession``; pyramid_tm's ``tm``; any an add-on declares) makes Pyramid apply the
methods to each request: for properties, ``InstancePropertyHelper.apply_properties``
builds a new class for every request (``type(...)``) and switches the request to it —
about 2 % of the serving process's time under load, and every new class empties
CPython's method caches. Here, once every ``add_request_method`` is registered, the
same methods and properties are put on one ``Request`` subclass, made the request
factory, and the per-request extensions are dropped: each request is an instance of
that class, with the same attributes as before.
"""

from pyramid.interfaces import IRequestExtensions, IRequestFactory
from pyramid.request import Request

# after the default order (0) of the actions that register request methods
AFTER_REQUEST_METHODS = 10


def request_class(base, extensions):
    """A subclass of ``base`` with the extensions' methods and (reified) properties."""
    attributes = {**extensions.methods, **extensions.descriptors, "__module__": base.__module__}
    return type(base.__name__, (base,), attributes)


def install_request_class(registry) -> None:
    extensions = registry.queryUtility(IRequestExtensions)
    if extensions is None:
        return
    base = registry.queryUtility(IRequestFactory, default=Request)
    registry.registerUtility(request_class(base, extensions), IRequestFactory)
    registry.unregisterUtility(provided=IRequestExtensions)


def includeme(config):
    config.action(None, install_request_class, args=(config.registry,), order=AFTER_REQUEST_METHODS)
