"""The request's path and query string, read off the ASGI scope.

`request.url` builds and parses a whole URL (scheme, host, port) the first time a request asks
for it: every page's layout needs only the path and the query, and reading them here costs a
fraction of that.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection


def path_of(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """What `request.url.path` gives: the decoded path, under the app's root path."""
    scope = request.scope
    return str(scope.get("root_path", "")) + scope["path"]


def query_of(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """What `request.url.query` gives: the raw query string, without the "?"."""
    raw: bytes = request.scope.get("query_string", b"")
    return raw.decode("latin-1")
