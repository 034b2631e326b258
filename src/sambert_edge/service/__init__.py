"""HTTP service: Flask app factory. Needs the ``serve`` extra (flask, gunicorn); ``cache`` does not.

Modules by idea: ``routes`` (the native API: health, voices, tts, audio, g2p, page), ``openai_routes``
(``/v1/audio/speech``), ``openapi`` (the spec), ``options`` (request checking), ``synthesis``
(cache + queue + encoding), ``cache``, ``redis_cache``, ``admission``, ``encoding``, ``access`` (API key, CORS),
``metrics``, ``errors``, ``state`` (the voices and other objects kept in ``app.extensions``),
``server`` (Gunicorn).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_CONFIG: Mapping[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_TEXT_CHARS": 2000,
    "LEXICONS": (),
    "VOICES": (),  # voice folders or bundled voice names to load; the first is the default
    "INFERENCE_THREADS": 1,
    "LOAD_VOICES": True,  # False: read voice.json only; each worker opens sessions after fork
    "CACHE_DIR": None,  # None: $XDG_CACHE_HOME/sambert-edge or ~/.cache/sambert-edge
    "CACHE_MAX_MB": 256,  # size cap of the audio cache; 0 turns caching off
    "CACHE_TTL_S": 7 * 24 * 3600,
    "REDIS_URL": None,  # redis://host:port/db: a second cache level shared by several machines
    "REDIS_PREFIX": "sambert-edge:audio:",
    "REDIS_TIMEOUT_S": 0.2,  # connect and read/write timeout of each Redis call
    "REDIS_RETRY_S": 5.0,  # after a Redis failure, skip it this long, then try again
    "MAX_QUEUE": 8,  # syntheses admitted at once per worker (running + waiting); more get 503
    "SYNTH_WORKERS": 1,  # synthesis threads per worker: about the cores one worker may use
    "SYNTH_TIMEOUT_S": 60.0,
    "RETRY_AFTER_S": 1,
    "API_KEY": None,
    "CORS_ORIGINS": (),
}
"""Settings and their defaults; ``create_app(config)`` overrides any of them."""


def create_app(config: Mapping[str, Any] | None = None, synthesizer: Any = None,
               frontend: Any = None) -> Flask:
    """Build the app; voices load here, once, before Gunicorn forks workers.

    Args:
        config: overrides of ``DEFAULT_CONFIG`` (and any Flask setting).
        synthesizer: a loaded ``Synthesizer``, or a mapping name -> ``Synthesizer``, used instead
            of loading ``VOICES``; the first is the default voice.
        frontend: a ``Frontend`` to use instead of building one (tests inject a shared one);
            default: the synthesizer's, else a new one.
    """
    # Imported here, not at the top: ``sambert_edge.service.cache`` is used without Flask
    # (the Wyoming server), and importing it runs this file.
    from flask import Flask

    from . import access, errors, metrics
    from .openai_routes import bp as openai_bp
    from .openapi import bp as openapi_bp
    from .routes import bp as routes_bp
    from .state import EXTENSION, ServiceState

    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    app.json.sort_keys = False
    app.extensions[EXTENSION] = ServiceState.build(app.config, synthesizer, frontend)
    errors.register(app)
    metrics.register(app)  # before access: refused requests are timed and counted too
    access.register(app)
    for bp in (routes_bp, openai_bp, openapi_bp):
        app.register_blueprint(bp)
    return app
