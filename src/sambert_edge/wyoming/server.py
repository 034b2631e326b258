"""Running the Wyoming server: voices loaded once per process, one thread pool, optional disk cache.

    run_server("tcp://0.0.0.0:10200", voices=["voices/zhitian_emo"], workers=2)

Everything a connection needs is built here once and handed to each ``SambertEventHandler`` in a
``ServerContext``: the onnxruntime sessions are the expensive part (memory, start-up time) and are
safe to run from several threads, so all connections share them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from wyoming.server import AsyncServer

from .catalog import VoiceCatalog
from .handler import SambertEventHandler, ServerContext

log = logging.getLogger(__name__)

DEFAULT_URI = "tcp://127.0.0.1:10200"
CACHE_TTL_S = 7 * 24 * 3600.0
"""The same week the HTTP service keeps entries; announcements repeat, model versions change."""


def open_cache(cache_dir: str | Path | None, max_mb: float) -> tuple[Any, Any]:
    """``(FileCache, cache_key)`` for ``cache_dir``, or ``(None, None)`` when caching is off.

    The cache lives in ``sambert_edge.service.cache``, whose package needs Flask (the ``serve``
    extra); the error says so rather than failing on a bare import.
    """
    if cache_dir is None or max_mb <= 0:
        return None, None
    try:
        from ..service.cache import FileCache, cache_key
    except ImportError as e:
        raise RuntimeError(f"--cache-dir needs the audio cache of the HTTP service (pip install "
                           f"'sambert-edge[serve]'): {e}") from None
    return FileCache(cache_dir, max_bytes=int(max_mb * 1024 * 1024), ttl_s=CACHE_TTL_S), cache_key


def build_context(catalog: VoiceCatalog, executor: ThreadPoolExecutor, samples_per_chunk: int = 1024,
                  cache: Any = None, cache_key: Any = None) -> ServerContext:
    """The shared state of all connections; raises ValueError for a bad chunk size or cache pair."""
    if samples_per_chunk < 1:
        raise ValueError(f"samples per chunk must be positive, got {samples_per_chunk}")
    if (cache is None) != (cache_key is None):
        raise ValueError("give both cache and cache_key, or neither")
    return ServerContext(catalog=catalog, executor=executor, info_event=catalog.info().event(),
                         samples_per_chunk=samples_per_chunk, cache=cache, cache_key=cache_key)


async def serve(context: ServerContext, uri: str = DEFAULT_URI) -> None:
    """Accept connections on ``uri`` (``tcp://host:port``, ``unix://path`` or ``stdio://``) until stopped."""
    server = AsyncServer.from_uri(uri)
    voices = context.catalog.names
    log.info("Wyoming server listening on %s with %d voices: %s", uri, len(voices), ", ".join(voices))
    await server.run(partial(SambertEventHandler, context))


def _warm_up(catalog: VoiceCatalog) -> None:
    # The frontend loads jieba's dictionary and the polyphone model on first use (seconds on a
    # small board); doing it before listening keeps that out of the first request's latency.
    for synth in catalog.synthesizers.values():
        synth.frontend.analyze("你好。")


def run_server(uri: str = DEFAULT_URI, voices: Iterable[str | Path] = (), threads: int = 1, workers: int = 2,
               samples_per_chunk: int = 1024, cache_dir: str | Path | None = None, cache_max_mb: float = 256,
               lexicons: tuple[str, ...] = ()) -> None:
    """Load ``voices`` (folders or bundled names; the first is the default) and serve until stopped.

    ``threads`` is onnxruntime's intra-op threads per session, ``workers`` how many syntheses run at
    once (the thread pool): ``threads * workers`` should not exceed the cores. Raises ``VoiceError``
    for a bad voice, ``FrontendError`` for a bad lexicon, ValueError for bad numbers or a URI
    ``wyoming`` does not know, RuntimeError when the cache cannot be used.
    """
    if workers < 1 or threads < 1:
        raise ValueError(f"--workers and --threads must be positive, got {workers} and {threads}")
    if samples_per_chunk < 1:
        raise ValueError(f"samples per chunk must be positive, got {samples_per_chunk}")
    AsyncServer.from_uri(uri)  # a bad URI fails here, before seconds of model loading
    from ..frontend import Frontend, FrontendConfig

    frontend = Frontend(FrontendConfig(lexicon_paths=tuple(lexicons)))
    catalog = VoiceCatalog.load(list(voices), threads=threads, frontend=frontend)
    cache, key = open_cache(cache_dir, cache_max_mb)
    if cache is not None:
        log.info("audio cache in %s (%.0f MB)", cache_dir, cache_max_mb)
    _warm_up(catalog)
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sambert-synth")
    try:
        context = build_context(catalog, executor, samples_per_chunk, cache, key)
        asyncio.run(serve(context, uri))
    finally:
        # Syntheses of clients that are gone are not waited for; a running one cannot be interrupted.
        executor.shutdown(wait=False, cancel_futures=True)
