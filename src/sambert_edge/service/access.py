"""Who may call the service: an optional API key, and CORS for browsers on other origins.

``API_KEY`` (config; ``--api-key`` or ``SAMBERT_API_KEY``) protects every route but ``/healthz``
(probes carry no secrets), the page ``/`` and its ``/static/`` files (a browser cannot send a
header when it opens a page; the page asks for the key and sends it with every API call), and
CORS preflights (browsers never send credentials on those). A
client sends it as ``Authorization: Bearer KEY`` (what OpenAI clients do) or ``X-API-Key: KEY``.

``CORS_ORIGINS`` is off by default (same-origin only). A list of origins, or ``["*"]``, makes the
service answer with the few CORS headers by hand; there is no need for flask-cors.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app, request

from .errors import ApiError

OPEN_PATHS = frozenset({"/healthz", "/"})
OPEN_PREFIXES = ("/static/",)
EXPOSED_HEADERS = "Content-Length, Content-Range, ETag, Retry-After, X-Sample-Rate"
ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, Range"


def _presented_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-API-Key")


def _check_key() -> None:
    key = current_app.config.get("API_KEY")
    if (not key or request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES)
            or request.method == "OPTIONS"):
        return
    presented = _presented_key()
    # compare_digest: the time taken must not tell how much of a guess was right.
    if presented is None or not hmac.compare_digest(presented.encode(), str(key).encode()):
        raise ApiError(401, "missing or wrong API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                       headers={"WWW-Authenticate": 'Bearer realm="sambert-edge"'})


def _allowed_origin(origin: str | None) -> str | None:
    origins = current_app.config.get("CORS_ORIGINS") or ()
    if isinstance(origins, str):
        origins = [o.strip() for o in origins.split(",") if o.strip()]
    if not origin or not origins:
        return None
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def _cors(response):
    origin = _allowed_origin(request.headers.get("Origin"))
    if origin is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if origin != "*":
        response.vary.add("Origin")
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def register(app: Flask) -> None:
    """Install the key check (before each request) and the CORS headers (after each)."""
    app.before_request(_check_key)
    app.after_request(_cors)
