"""Content-addressed audio cache on disk, shared by the Gunicorn workers (and the Wyoming server).

A cache entry is two files in one flat folder::

    <key>.<ext>        the audio, served as it is (so ``send_file`` can use ranges and ETags)
    <key>.<ext>.meta   JSON {"length": int, "sha256": hex, "created": unix time}

Writes go to a temporary file in the same folder and are renamed into place with ``os.replace``,
which is atomic on POSIX and Windows: a reader sees the old entry, no entry, or the whole new
one. The sidecar is renamed after the audio, so "audio without sidecar" is a miss, never a
half-written hit. ``get`` checks length and sha256 against the sidecar and deletes an entry that
does not match (a disk that filled up, a crash, a hand edit), so the caller regenerates it.

The modification time of the sidecar is the entry's last access (touched on every hit; atime
is unreliable on ``noatime``/``relatime`` mounts) and the audio file's is its creation time
(TTL). ``put`` enforces the TTL and the size cap, evicting least-recently-used entries, so no
cron job is needed. Concurrent deletes by other processes are expected and tolerated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[0-9a-f]{64}$")
"""What ``cache_key`` returns; anything else is refused before touching the file system."""
EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")
META_SUFFIX = ".meta"
TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600.0
"""Temporary files older than this belong to a writer that died; eviction removes them."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/sambert-edge``, else ``~/.cache/sambert-edge``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sambert-edge"


def _canonical(value: Any) -> Any:
    # 1 and 1.0 are the same request; JSON would spell them differently.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    raise TypeError(f"cache_key fields must be JSON values, not {type(value).__name__}")


def cache_key(**fields: Any) -> str:
    """sha256 hex of the canonical JSON of ``fields``.

    Pass everything that changes the bytes: ``text``, ``voice``, ``model_version``, the
    frontend's ``fingerprint`` (how the text is read), every synthesis option and ``format``. ``text`` is normalized first (Unicode NFC, outer whitespace
    stripped) so equivalent spellings share an entry; numbers compare as floats; keys are sorted.
    """
    if isinstance(fields.get("text"), str):
        fields["text"] = unicodedata.normalize("NFC", fields["text"]).strip()
    canonical = json.dumps(_canonical(fields), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class _Entry:
    audio: Path
    meta: Path
    size: int
    created: float
    accessed: float


class FileCache:
    """A size- and age-bounded folder of verified audio files; see the module docstring.

    Args:
        root: the folder (created on first ``put``).
        max_bytes: size cap over audio + sidecars; 0 disables caching (``put`` stores nothing).
        ttl_s: entries older than this are misses and are evicted; None keeps them until LRU.
    """

    def __init__(self, root: str | Path, max_bytes: int, ttl_s: float | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    # --- paths ----------------------------------------------------------------------------------
    def _paths(self, key: str, ext: str) -> tuple[Path, Path]:
        if not KEY_RE.match(key) or not EXT_RE.match(ext):
            raise ValueError(f"bad cache key or extension: {key!r}, {ext!r}")
        audio = self.root / f"{key}.{ext}"
        return audio, audio.with_name(audio.name + META_SUFFIX)

    def _count(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self._hits += 1
            else:
                self._misses += 1

    # --- reading --------------------------------------------------------------------------------
    def get(self, key: str, ext: str) -> Path | None:
        """The verified file for ``key``, or None (a miss; a broken entry is deleted first)."""
        audio, meta = self._paths(key, ext)
        path = self._verified(audio, meta)
        self._count(path is not None)
        return path

    def _verified(self, audio: Path, meta: Path) -> Path | None:
        try:
            meta_bytes = meta.read_bytes()
            data = audio.read_bytes()
            created = audio.stat().st_mtime
        except OSError:
            return None  # absent, or deleted under us by another worker: a plain miss
        try:
            info = json.loads(meta_bytes)
            good = info["length"] == len(data) and info["sha256"] == hashlib.sha256(data).hexdigest()
        except (ValueError, KeyError, TypeError):
            good = False
        if not good:
            try:
                if meta.read_bytes() != meta_bytes:
                    return None  # another writer replaced the entry while we read it: not corrupt
            except OSError:
                return None
            log.warning("cache entry %s is corrupt or truncated; deleting it", audio.name)
            self._remove(audio, meta)
            return None
        if self.ttl_s is not None and time.time() - created > self.ttl_s:
            self._remove(audio, meta)
            return None
        try:
            os.utime(meta)  # last access, for LRU
        except OSError:
            pass
        return audio

    # --- writing --------------------------------------------------------------------------------
    def put(self, key: str, ext: str, data: bytes) -> Path | None:
        """Store ``data``; the final path, or None when caching is off or the write failed.

        Never raises for file-system trouble (full disk, read-only folder, permissions): it logs a
        warning and the caller serves the bytes it has without caching them.
        """
        audio, meta = self._paths(key, ext)
        if self.max_bytes <= 0 or len(data) > self.max_bytes:
            return None
        info = json.dumps({"length": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                           "created": time.time()}).encode()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._write_atomic(audio, data)
            self._write_atomic(meta, info)
        except OSError as e:
            log.warning("cannot write cache entry %s in %s: %s", audio.name, self.root, e)
            return None
        try:
            self.evict(keep=audio)
        except OSError as e:
            log.warning("cache eviction in %s failed: %s", self.root, e)
        return audio

    def _write_atomic(self, path: Path, data: bytes) -> None:
        # The temporary file lives in the cache folder itself: os.replace is atomic only within
        # one file system, and a link into /tmp would dangle when tmp is cleaned.
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=self.root)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            # No fsync: a torn file after a power loss fails verification and is regenerated.
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    # --- eviction -------------------------------------------------------------------------------
    def _scan(self) -> list[_Entry]:
        entries: list[_Entry] = []
        now = time.time()
        try:
            it = list(os.scandir(self.root))
        except FileNotFoundError:
            return entries
        for item in it:
            name = item.name
            try:
                if name.startswith(TMP_PREFIX):
                    if now - item.stat().st_mtime > STALE_TMP_S:
                        os.unlink(item.path)
                    continue
                if name.endswith(META_SUFFIX):
                    # Writers rename the audio before its sidecar and eviction deletes the sidecar
                    # first, so a sidecar alone is left over from a deletion by hand: sweep it.
                    if not os.path.exists(item.path[: -len(META_SUFFIX)]):
                        os.unlink(item.path)
                    continue
                audio = Path(item.path)
                meta = audio.with_name(name + META_SUFFIX)
                stat = item.stat()
                try:
                    meta_stat = meta.stat()
                    accessed, meta_size = meta_stat.st_mtime, meta_stat.st_size
                except FileNotFoundError:
                    accessed, meta_size = stat.st_mtime, 0
                entries.append(_Entry(audio, meta, stat.st_size + meta_size, stat.st_mtime, accessed))
            except FileNotFoundError:
                continue  # deleted by another worker while we looked
        return entries

    def evict(self, keep: Path | None = None) -> int:
        """Delete expired entries, then least-recently-used ones until under ``max_bytes``.

        ``keep`` (the entry just written) goes last. Returns the number of entries deleted.
        """
        entries = self._scan()
        now = time.time()
        removed = 0
        live: list[_Entry] = []
        for entry in entries:
            if self.ttl_s is not None and now - entry.created > self.ttl_s:
                self._remove(entry.audio, entry.meta)
                removed += 1
            else:
                live.append(entry)
        total = sum(e.size for e in live)
        live.sort(key=lambda e: (e.audio == keep, e.accessed))
        for entry in live:
            if total <= self.max_bytes:
                break
            self._remove(entry.audio, entry.meta)
            total -= entry.size
            removed += 1
        return removed

    @staticmethod
    def _remove(audio: Path, meta: Path) -> None:
        # Sidecar first: without it the audio is already a miss for every reader.
        for path in (meta, audio):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def stats(self) -> dict[str, int]:
        """``entries`` and ``bytes`` on disk now; ``hits`` and ``misses`` of this process."""
        entries = self._scan()
        with self._lock:
            hits, misses = self._hits, self._misses
        return {"entries": len(entries), "bytes": sum(e.size for e in entries), "hits": hits, "misses": misses}
