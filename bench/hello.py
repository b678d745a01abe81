"""The ceilings the benchmark measures taxapp against, served by waitress like taxapp.

- ``app``: a bare WSGI "hello" (no framework): the most waitress can serve here;
- ``pyramid_app()``: the same answer through a minimal Pyramid app (one route, one
  view), the framework's floor.

    python -m waitress --listen=127.0.0.1:8000 --threads=8 hello:app
    python -m waitress --listen=127.0.0.1:8000 --threads=8 --call hello:pyramid_app
"""

BODY = b"hello"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def pyramid_app():
    from pyramid.config import Configurator
    from pyramid.response import Response

    def hello(request):
        return Response(BODY, content_type="text/plain")

    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
    return config.make_wsgi_app()
