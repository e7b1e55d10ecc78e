"""One place for error pages (HTML) and error bodies (JSON for the API)."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from graph_etl.graph import GraphQueryError, GraphTimeoutError, GraphUnavailableError

log = logging.getLogger(__name__)

RETRY_SECONDS = 10
TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to see this",
    404: "Page not found",
    405: "That action is not allowed here",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def _render(status: int, extra_headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    headers = extra_headers or {}
    title = TITLES.get(status, TITLES[500])
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return {"error": {"status": status, "title": title}}, status, headers
    return (
        render_template(
            "error.html", status=status, title=title, retry=RETRY_SECONDS if status == 503 else None
        ),
        status,
        headers,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        return _render(error.code or 500)

    @app.errorhandler(GraphUnavailableError)
    def graph_down(error: GraphUnavailableError):  # type: ignore[no-untyped-def]
        log.warning("graph unavailable: %s", error)
        return _render(503, {"Retry-After": str(RETRY_SECONDS)})

    @app.errorhandler(GraphTimeoutError)
    def graph_busy(error: GraphTimeoutError):  # type: ignore[no-untyped-def]
        # (the server stopped the query at the time limit: busy, so try again shortly)
        log.warning("graph query ran past the time limit: %s", error.name)
        return _render(503, {"Retry-After": str(RETRY_SECONDS)})

    @app.errorhandler(GraphQueryError)
    def graph_failed(error: GraphQueryError):  # type: ignore[no-untyped-def]
        log.error("graph query failed: %s", error)
        return _render(500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return _render(500)
