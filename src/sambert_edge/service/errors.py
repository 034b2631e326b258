"""JSON errors: every failure the service answers is a JSON object, never an HTML page or a bare 500.

Shape under ``/api`` and elsewhere::

    {"error": "Bad Request", "message": "unknown emotion 'joy'", "valid": ["neutral", ...]}

``error`` is the HTTP reason phrase, ``message`` says what to change, and optional fields carry
what a client needs to fix it (``valid``, ``limit``, ``minimum``/``maximum``, ``retry_after_s``).
Under ``/v1`` (the OpenAI-compatible routes) the shape is OpenAI's, so its client libraries can
parse it: ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raised by route code for an answer other than 2xx; rendered as JSON by ``register``.

    Args:
        status: HTTP status code.
        message: what went wrong, phrased so the client knows what to change.
        headers: extra response headers (``Retry-After``, ``WWW-Authenticate``).
        param: the request field at fault (OpenAI's ``param``), if any.
        **extra: more JSON fields (``valid=[...]``, ``limit=2000``, ...).
    """

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None,
                 param: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.param = param
        self.extra = extra


def bad_request(message: str, param: str | None = None, **extra: Any) -> ApiError:
    """A 400 naming the field at fault."""
    return ApiError(400, message, param=param, **extra)


def _openai_type(status: int) -> str:
    if status == 401:
        return "authentication_error"
    if status in (429, 503):
        return "server_overloaded" if status == 503 else "rate_limit_exceeded"
    return "invalid_request_error" if status < 500 else "server_error"


def error_response(status: int, message: str, *, headers: dict[str, str] | None = None,
                   param: str | None = None, **extra: Any):
    """The JSON answer for an error, in the shape the request path calls for."""
    if request.path.startswith("/v1/"):
        body: dict[str, Any] = {"error": {"message": message, "type": _openai_type(status),
                                          "param": param, "code": extra.get("code") or str(status)}}
    else:
        try:
            name = HTTPStatus(status).phrase
        except ValueError:
            name = "Error"
        body = {"error": name, "message": message, **extra}
        if param is not None:
            body["param"] = param
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _api_error(error: ApiError):
    return error_response(error.status, error.message, headers=error.headers, param=error.param, **error.extra)


def _http_error(error: HTTPException):
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(error.code or 500, error.description or error.name, headers=headers)


def _unexpected(error: Exception):
    # A bug, not bad input: log the traceback, tell the client nothing internal.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal error; the server log has the details")


def register(app: Flask) -> None:
    """Install the JSON error handlers on ``app``."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
