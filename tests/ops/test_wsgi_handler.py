"""The production WSGI handler (clusterhub.wsgi_handler) keeps URL matches per (urlconf, path):
the same page as Django's own resolution, the public and the cluster configuration kept apart,
and unknown paths still 404."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from clusterhub.wsgi_handler import ClusterhubWSGIHandler, _matches
from tenants.models import Cluster
from tests.conftest import host_of

pytestmark = pytest.mark.django_db(transaction=True)


def call(handler: ClusterhubWSGIHandler, host: str, path: str) -> tuple[str, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(line: str, headers: Any, exc: Any = None) -> Any:
        status.append(line)

    body = b"".join(handler(environ, start_response))
    return status[0], body


def test_matches_are_kept_per_configuration_and_unknown_paths_still_404(cluster_a: Cluster) -> None:
    handler = ClusterhubWSGIHandler()
    _matches.clear()
    cluster_host = host_of(cluster_a)
    first = call(handler, cluster_host, "/api/v1/public/events/")
    assert first[0].startswith("200")
    assert call(handler, cluster_host, "/api/v1/public/events/") == first
    # the same path on the public host is another configuration: no cluster API there
    assert call(handler, "localhost", "/api/v1/public/events/")[0].startswith("404")
    assert call(handler, cluster_host, "/api/v1/public/events/")[0].startswith("200")
    assert call(handler, cluster_host, "/no-such-page/")[0].startswith("404")
    assert call(handler, cluster_host, "/no-such-page/")[0].startswith("404")
    assert {key[1] for key in _matches._values if isinstance(key, tuple)} == {"/api/v1/public/events/"}
