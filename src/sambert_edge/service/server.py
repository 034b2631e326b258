"""``sambert-edge serve``: Gunicorn with the app preloaded, so models load once before fork."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from . import create_app


class _Server(BaseApplication):
    def __init__(self, app, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def run_server(bind: str, workers: int, threads: int, timeout: int,
               lexicons: tuple[str, ...] = ()) -> int:
    app = create_app({"LEXICONS": lexicons})
    _Server(app, {
        "bind": bind, "workers": workers, "threads": threads, "timeout": timeout,
        "preload_app": True, "graceful_timeout": timeout, "accesslog": "-",
    }).run()
    return 0
