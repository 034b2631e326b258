"""HTTP service: Flask app factory. Needs the ``serve`` extra (flask, gunicorn)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException

from .routes import bp

DEFAULT_CONFIG: Mapping[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_TEXT_CHARS": 2000,
    "LEXICONS": (),
}


def create_app(config: Mapping[str, Any] | None = None, synthesizer: Any = None,
               frontend: Any = None) -> Flask:
    """Build the app; models load here, once, before Gunicorn forks workers.

    Args:
        config: overrides of ``DEFAULT_CONFIG`` (Flask settings and ``MAX_TEXT_CHARS``,
            ``LEXICONS``).
        synthesizer: a loaded ``Synthesizer`` (the engine); when given, its frontend is used.
        frontend: a ``Frontend`` to use instead of building one (tests inject a shared one).
    """
    from ..frontend import Frontend, FrontendConfig

    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    if frontend is None:
        frontend = getattr(synthesizer, "frontend", None) or Frontend(FrontendConfig(
            max_chars=app.config["MAX_TEXT_CHARS"],
            lexicon_paths=tuple(app.config["LEXICONS"]),
        ))
    app.extensions["sambert_edge"] = {"frontend": frontend, "synthesizer": synthesizer}
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _json_error)
    return app


def _json_error(error: HTTPException):
    response = {"error": error.name, "message": error.description}
    return response, error.code or 500
