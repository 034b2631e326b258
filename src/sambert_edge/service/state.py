"""What the app holds, built once by ``create_app`` and kept in ``app.extensions``: the voices and the rest.

Nothing here is module-level: two apps in one process (tests do this) never share a cache,
a queue or counters by accident.

Voices. With one onnxruntime intra-op thread (the default) the sessions are opened in
``create_app``, so Gunicorn's ``preload_app`` loads the graphs once and the workers share those
pages after fork. Such sessions own no threads and run fine in a forked worker (checked by
``tests/test_service_gunicorn.py``). With more intra-op threads a session owns a thread pool,
and fork copies no threads. Measured with onnxruntime 1.32: a preloaded threaded session still
runs in the child (without its pool's threads), but opening a *new* threaded session in a child
whose parent had one hangs. So then ``create_app`` only reads the ``voice.json`` files
(``LOAD_VOICES=False``) and each worker opens its own sessions in Gunicorn's ``post_fork`` hook
(``VoiceRegistry.load_sessions``); the frontend is still preloaded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from .admission import Admission
from .cache import FileCache, default_cache_dir
from .encoding import available_formats
from .metrics import Metrics
from .redis_cache import DEFAULT_PREFIX, RedisStore, TieredCache, redact_url

log = logging.getLogger(__name__)

EXTENSION = "sambert_edge"
"""Key of the ``ServiceState`` in ``app.extensions``."""


@dataclass
class VoiceRegistry:
    """Voices by ``voice.json`` name, in order; the first is the default.

    ``folders`` remembers where each came from (None for injected synthesizers), so sessions can
    be opened later, in a worker, when they were not opened before fork.
    """

    synthesizers: dict[str, Any] = field(default_factory=dict)
    folders: dict[str, Path | None] = field(default_factory=dict)
    threads: int = 1
    loaded_pid: int | None = None

    @classmethod
    def build(cls, synthesizer: Any, folders: list[str | Path], threads: int, frontend: Any,
              load: bool = True) -> VoiceRegistry:
        """From an injected synthesizer (one, or a name -> synthesizer mapping) or voice folders.

        With ``load=False`` folders are only checked (``voice.json``); ``load_sessions`` opens them.
        Raises ``VoiceError`` (a ValueError) for a broken folder or two voices of one name.
        """
        registry = cls(threads=threads)
        if synthesizer is not None:
            items = synthesizer.items() if isinstance(synthesizer, Mapping) else [(synthesizer.voice.name, synthesizer)]
            for name, synth in items:
                registry._add(name, synth, None)
            registry.loaded_pid = os.getpid()
            return registry
        from ..voice import VoiceConfig, resolve_voice

        for folder in folders:
            path = resolve_voice(folder)
            registry._add(VoiceConfig.load(path).name, None, path)
        if load:
            registry.load_sessions(frontend)
        return registry

    def _add(self, name: str, synth: Any, folder: Path | None) -> None:
        from ..voice import VoiceError

        if name in self.folders:
            raise VoiceError(f"two voices are named {name!r}; voice names must be unique")
        self.synthesizers[name] = synth
        self.folders[name] = folder

    def load_sessions(self, frontend: Any) -> None:
        """Open the onnxruntime sessions of folder voices in this process (injected ones stay)."""
        from ..engine import Synthesizer

        for name, folder in self.folders.items():
            if folder is not None:
                self.synthesizers[name] = Synthesizer.load(folder, threads=self.threads, frontend=frontend)
                log.info("loaded voice %s from %s", name, folder)
        self.loaded_pid = os.getpid()

    @property
    def names(self) -> list[str]:
        return list(self.folders)

    @property
    def default(self) -> str | None:
        return next(iter(self.folders), None)

    def get(self, name: str | None) -> Any:
        """The synthesizer for ``name`` (None: the default); KeyError when unknown.

        Raises RuntimeError when the sessions were deferred and this process has not opened them.
        """
        key = name if name is not None else self.default
        if key is None:
            raise KeyError(name)
        synth = self.synthesizers[key]
        if synth is None:
            raise RuntimeError(f"voice {key!r} was not loaded in this process (load_sessions after fork)")
        return synth
    def describe(self) -> list[dict[str, Any]]:
        """What ``GET /api/voices`` lists."""
        out = []
        for name, synth in self.synthesizers.items():
            voice = synth.voice
            out.append({
                "name": name, "default": name == self.default, "sample_rate": voice.sample_rate,
                "speakers": list(voice.speakers), "default_speaker": voice.default_speaker,
                "emotions": list(voice.emotions), "default_emotion": voice.default_emotion,
                "model_version": voice.model_version, "precision": voice.precision,
            })
        return out


@dataclass
class ServiceState:
    """Everything a request handler needs besides the request."""

    frontend: Any
    """The text frontend (``POST /api/g2p``; shared by every voice)."""
    voices: VoiceRegistry
    cache: FileCache | TieredCache | None
    """None when ``CACHE_MAX_MB`` is 0; a ``TieredCache`` (local files, then Redis) with ``REDIS_URL``."""
    admission: Admission
    metrics: Metrics
    formats: tuple[str, ...]
    """Audio formats this install can write (``encoding.available_formats()``)."""

    @property
    def synthesizer(self) -> Any:
        """The default voice's synthesizer, or None in g2p-only mode (older callers use this)."""
        return self.voices.get(None) if self.voices.default else None

    @classmethod
    def build(cls, config: Mapping[str, Any], synthesizer: Any, frontend: Any) -> ServiceState:
        """From the app config: load voices, open the cache folder, size the queue."""
        if frontend is None:
            frontend = _frontend_of(synthesizer)
        if frontend is None:
            from ..frontend import Frontend, FrontendConfig

            frontend = Frontend(FrontendConfig(max_chars=config["MAX_TEXT_CHARS"],
                                               lexicon_paths=tuple(config["LEXICONS"])))
        voices = VoiceRegistry.build(synthesizer, list(config["VOICES"]), config["INFERENCE_THREADS"], frontend,
                                     load=config["LOAD_VOICES"])
        if voices.default is None:
            log.warning("no voice loaded: serving the text frontend only (POST /api/tts answers 503)")
        cache = None
        if config["CACHE_MAX_MB"] > 0:
            root = Path(config["CACHE_DIR"]) if config["CACHE_DIR"] else default_cache_dir()
            cache = FileCache(root, int(config["CACHE_MAX_MB"] * 1024 * 1024), config["CACHE_TTL_S"])
        cache = _with_redis(cache, config)
        admission = Admission(config["MAX_QUEUE"], config["SYNTH_WORKERS"], config["SYNTH_TIMEOUT_S"],
                              config["RETRY_AFTER_S"])
        return cls(frontend, voices, cache, admission, Metrics(), available_formats())


def _with_redis(cache: FileCache | None, config: Mapping[str, Any]) -> FileCache | TieredCache | None:
    """``cache`` behind a ``TieredCache`` when ``REDIS_URL`` is set (Redis is the second level)."""
    url = config.get("REDIS_URL")
    if not url:
        return cache
    if cache is None:
        # Audio URLs point at local files; Redis only feeds the local cache, so it needs one.
        log.warning("REDIS_URL is set but the local cache is off (CACHE_MAX_MB 0): not using Redis")
        return None
    remote = RedisStore(url, ttl_s=config["CACHE_TTL_S"], prefix=config.get("REDIS_PREFIX") or DEFAULT_PREFIX,
                        timeout_s=float(config.get("REDIS_TIMEOUT_S", 0.2)),
                        retry_s=float(config.get("REDIS_RETRY_S", 5.0)))
    log.info("audio cache: %s, then Redis at %s", cache.root, redact_url(url))
    return TieredCache(cache, remote)


def _frontend_of(synthesizer: Any) -> Any:
    if synthesizer is None:
        return None
    first = next(iter(synthesizer.values())) if isinstance(synthesizer, Mapping) else synthesizer
    return getattr(first, "frontend", None)


def state() -> ServiceState:
    """The current app's ``ServiceState``."""
    return current_app.extensions[EXTENSION]
