"""Optional second cache level in Redis, so several machines share the audio they made.

``TieredCache`` has ``FileCache``'s interface (``get(key, ext) -> Path | None``, ``put(key, ext,
data) -> Path | None``, ``stats()``, ``evict()``), so ``synthesis.render``, ``/api/audio`` and the
Wyoming server use it unchanged:

- ``get``: the local ``FileCache`` first; on a miss, Redis; a Redis hit is written into the local
  cache and that file is returned, so ``/api/audio`` still serves a file (ranges, ETags).
- ``put``: the local cache, then Redis.

A Redis value is one string per entry, under ``<prefix><key>.<ext>``::

    b"SBE1" | length (8 bytes, big-endian) | sha256 of the audio (32 bytes) | the audio

One key per entry keeps writes atomic (no audio without its check). A value whose header, length
or digest does not match is deleted and counts as a miss, so the caller synthesizes it again.
Entries expire after the cache TTL (``SET ... EX``); bound Redis's memory on the Redis side
(``maxmemory`` with ``maxmemory-policy allkeys-lru``).

Redis is never required: every call has short socket timeouts and no retries, and after a
failure (refused, timed out, reset) Redis is skipped for ``retry_s`` seconds and then tried again,
so a dead or unreachable Redis costs one timeout per ``retry_s`` per worker, not one per request.
Failures are counted (``sambert_cache_redis_errors_total`` in ``/metrics``) and logged at most
once per ``warn_interval_s``; the service goes on with its local cache and synthesis.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .cache import EXT_RE, KEY_RE, FileCache

log = logging.getLogger(__name__)

MAGIC = b"SBE1"
_HEADER = struct.Struct(">4sQ32s")
DEFAULT_PREFIX = "sambert-edge:audio:"


def redact_url(url: str) -> str:
    """``url`` without its password, for logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<bad url>"
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def pack(data: bytes) -> bytes:
    """The Redis value for ``data``: header (magic, length, sha256), then the bytes."""
    return _HEADER.pack(MAGIC, len(data), hashlib.sha256(data).digest()) + data


def unpack(value: bytes) -> bytes | None:
    """The audio in a Redis value, or None when the header, length or digest is wrong."""
    if len(value) < _HEADER.size:
        return None
    magic, length, digest = _HEADER.unpack_from(value)
    data = value[_HEADER.size:]
    if magic != MAGIC or length != len(data) or hashlib.sha256(data).digest() != digest:
        return None
    return data


class RedisStore:
    """Audio bytes in Redis, checked on read; never raises for Redis trouble (see the module docstring).

    Args:
        url: ``redis://[:password@]host:port/db`` (or ``rediss://``, ``unix://``).
        ttl_s: expiry of each entry (``SET EX``); None: no expiry.
        prefix: key prefix, so one Redis can hold other data (or several services).
        timeout_s: socket connect and read/write timeout of every call.
        retry_s: after a failure, Redis is skipped for this long, then tried again.
        warn_interval_s: at most one warning per this many seconds.
        client: a ready ``redis.Redis`` (tests); default: built from ``url``.
    """

    def __init__(self, url: str, ttl_s: float | None = None, prefix: str = DEFAULT_PREFIX, timeout_s: float = 0.2,
                 retry_s: float = 5.0, warn_interval_s: float = 60.0, client: Any = None) -> None:
        self.url = url
        self.ttl_s = ttl_s
        self.prefix = prefix
        self.retry_s = retry_s
        self.warn_interval_s = warn_interval_s
        if client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # No retries: one failed call is one timeout, then the back-off window skips Redis.
            client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                          retry=Retry(NoBackoff(), 0), retry_on_timeout=False)
        self._client = client
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_warning = float("-inf")
        self._unreported = 0
        self.hits = 0
        self.misses = 0
        self.errors = 0
        self.corrupt = 0
        self.up = True

    def _name(self, key: str, ext: str) -> str:
        if not KEY_RE.match(key) or not EXT_RE.match(ext):
            raise ValueError(f"bad cache key or extension: {key!r}, {ext!r}")
        return f"{self.prefix}{key}.{ext}"

    # --- availability ---------------------------------------------------------------------------
    def _available(self) -> bool:
        with self._lock:
            return time.monotonic() >= self._down_until

    def _failed(self, what: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.errors += 1
            self.up = False
            self._down_until = now + self.retry_s
            if now - self._last_warning < self.warn_interval_s:
                self._unreported += 1
                return
            suppressed, self._unreported = self._unreported, 0
            self._last_warning = now
        more = f"; {suppressed} more failures since the last warning" if suppressed else ""
        log.warning("Redis cache at %s failed on %s: %s: %s; serving from the local cache and synthesis, "
                    "retrying in %gs%s", redact_url(self.url), what, type(error).__name__, error, self.retry_s, more)

    def _succeeded(self) -> None:
        with self._lock:
            was_down, self.up = not self.up, True
        if was_down:
            log.info("Redis cache at %s is reachable again", redact_url(self.url))

    def _call(self, what: str, fn, *args, **kwargs) -> tuple[bool, Any]:
        """(ok, result) of ``fn``; (False, None) while backing off or on a Redis/socket error."""
        if not self._available():
            return False, None
        try:
            result = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - redis errors, OSError, and whatever a broken reply raises
            self._failed(what, e)
            return False, None
        self._succeeded()
        return True, result

    # --- the store ------------------------------------------------------------------------------
    def get(self, key: str, ext: str) -> bytes | None:
        """The checked audio for ``key``, or None (a miss, a corrupt value, or Redis unavailable)."""
        name = self._name(key, ext)
        ok, value = self._call("GET", self._client.get, name)
        if not ok:
            return None
        data = unpack(value) if value is not None else None
        if value is not None and data is None:
            log.warning("Redis cache entry %s is corrupt or truncated; deleting it", name)
            with self._lock:
                self.corrupt += 1
            self._call("DEL", self._client.delete, name)
        with self._lock:
            if data is None:
                self.misses += 1
            else:
                self.hits += 1
        return data

    def put(self, key: str, ext: str, data: bytes) -> bool:
        """Store ``data`` (with the TTL); False when Redis is unavailable."""
        name = self._name(key, ext)
        ex = max(1, int(self.ttl_s)) if self.ttl_s is not None else None
        ok, _ = self._call("SET", self._client.set, name, pack(data), ex=ex)
        return ok

    def stats(self) -> dict[str, int]:
        """Counters of this process, for ``/metrics``."""
        with self._lock:
            return {"redis_hits": self.hits, "redis_misses": self.misses, "redis_errors": self.errors,
                    "redis_corrupt": self.corrupt, "redis_up": int(self.up)}


class TieredCache:
    """A local ``FileCache`` in front of a shared ``RedisStore``; ``FileCache``'s interface."""

    def __init__(self, local: FileCache, remote: RedisStore) -> None:
        self.local = local
        self.remote = remote

    @property
    def root(self) -> Path:
        return self.local.root

    @property
    def max_bytes(self) -> int:
        return self.local.max_bytes

    @property
    def ttl_s(self) -> float | None:
        return self.local.ttl_s

    def get(self, key: str, ext: str) -> Path | None:
        """The local file for ``key``, fetched from Redis into the local cache on a local miss.

        None when neither has it, or when a Redis hit cannot be written locally (full disk): the
        caller then synthesizes, as for any miss.
        """
        path = self.local.get(key, ext)
        if path is not None:
            return path
        data = self.remote.get(key, ext)
        if data is None:
            return None
        return self.local.put(key, ext, data)

    def put(self, key: str, ext: str, data: bytes) -> Path | None:
        """Store locally and in Redis; the local path (None when the local write failed)."""
        path = self.local.put(key, ext, data)
        self.remote.put(key, ext, data)
        return path

    def evict(self, keep: Path | None = None) -> int:
        return self.local.evict(keep)

    def stats(self) -> dict[str, int]:
        return {**self.local.stats(), **self.remote.stats()}
