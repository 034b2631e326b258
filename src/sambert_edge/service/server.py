"""``sambert-edge serve``: Gunicorn with the app preloaded, so the frontend and the models load once.

``preload_app`` builds the app (jieba, the polyphone model, the onnxruntime sessions) in the master;
workers fork from it and share those pages copy-on-write. onnxruntime sessions opened with one
intra-op thread own no threads and work in a forked child (``tests/test_service_gunicorn.py``
synthesizes through two workers to check it). With ``--inference-threads`` > 1 a session owns a
thread pool, which fork does not copy, and opening a threaded session in a child of a process that
has one hangs; so then the master opens none and each worker opens its own in Gunicorn's
``post_fork`` hook (the frontend is still shared). See ``state.py``.

Shutdown is graceful: on SIGTERM Gunicorn stops accepting and gives requests in flight
``graceful_timeout`` seconds to finish. A worker then leaves with ``os._exit`` (``_exit_now``)
instead of running the interpreter's finalization: C++ libraries initialized in the master before
fork (onnxruntime) run static destructors that join threads the child never had, and the worker
died of SIGSEGV/SIGABRT at every shutdown (measured; a plain fork + ``sys.exit`` after ``import
onnxruntime`` even hangs). By then every request is answered and every cache write is complete
(they are atomic renames), so only the logs need flushing.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from gunicorn.app.base import BaseApplication

from . import create_app
from .state import EXTENSION

log = logging.getLogger(__name__)


class _Server(BaseApplication):
    """Gunicorn application around an already built Flask app."""

    def __init__(self, app, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def _open_sessions(app):
    def post_fork(server, worker) -> None:
        st = app.extensions[EXTENSION]
        st.voices.load_sessions(st.frontend)
        server.log.info("worker %s opened its onnxruntime sessions", worker.pid)

    return post_fork


def _exit_now(server, worker) -> None:
    """Gunicorn ``worker_exit`` hook: flush and ``os._exit`` with the status the worker was leaving with."""
    error = sys.exc_info()[1]
    code = error.code if isinstance(error, SystemExit) else 0
    code = code if isinstance(code, int) else 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def server_config(bind: str, workers: int, threads: int, timeout: int, voices: Sequence[str] = (),
                  inference_threads: int = 1, cache_dir: str | None = None, cache_max_mb: float = 256,
                  api_key: str | None = None, max_queue: int | None = None, lexicons: Sequence[str] = (),
                  cors_origins: Sequence[str] = (), redis_url: str | None = None,
                  redis_timeout_s: float = 0.2) -> tuple[dict[str, Any], dict[str, Any]]:
    """(app config, Gunicorn settings) for the ``serve`` options."""
    app_config: dict[str, Any] = {
        "VOICES": tuple(voices), "LEXICONS": tuple(lexicons), "INFERENCE_THREADS": inference_threads,
        "CACHE_DIR": cache_dir, "CACHE_MAX_MB": cache_max_mb, "API_KEY": api_key or None,
        # Requests beyond the Gunicorn threads wait in Gunicorn's own queue, which we cannot
        # see; twice the threads leaves room for streams and cache hits beside syntheses.
        "MAX_QUEUE": max_queue or threads * 2,
        "SYNTH_WORKERS": max(1, min(threads, 2)),
        "SYNTH_TIMEOUT_S": float(max(1, timeout - 1)),
        "CORS_ORIGINS": tuple(cors_origins),
        "REDIS_URL": redis_url or None, "REDIS_TIMEOUT_S": redis_timeout_s,
    }
    options: dict[str, Any] = {
        "bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
        "timeout": timeout, "graceful_timeout": timeout, "preload_app": True, "accesslog": "-",
        "worker_exit": _exit_now,
    }
    return app_config, options


def run_server(bind: str, workers: int, threads: int, timeout: int, lexicons: Sequence[str] = (),
               voices: Sequence[str] = (), inference_threads: int = 1, cache_dir: str | None = None,
               cache_max_mb: float = 256, api_key: str | None = None, max_queue: int | None = None,
               cors_origins: Sequence[str] = (), redis_url: str | None = None,
               redis_timeout_s: float = 0.2) -> int:
    """Build the app and run Gunicorn until it is stopped; the exit status."""
    app_config, options = server_config(bind, workers, threads, timeout, voices, inference_threads, cache_dir,
                                         cache_max_mb, api_key, max_queue, lexicons, cors_origins, redis_url,
                                         redis_timeout_s)
    if inference_threads > 1:
        app_config["LOAD_VOICES"] = False
    app = create_app(app_config)
    if inference_threads > 1:
        options["post_fork"] = _open_sessions(app)
    _Server(app, options).run()
    return 0
