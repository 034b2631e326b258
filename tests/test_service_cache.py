"""service/cache.py: keys, verified reads, atomic writes, LRU/TTL eviction, failures that never raise."""

import errno
import os
import time

import pytest

from sambert_edge.service import cache as cache_module
from sambert_edge.service.cache import FileCache, cache_key, default_cache_dir

KEY_A = cache_key(text="a")
KEY_B = cache_key(text="b")
KEY_C = cache_key(text="c")


def _files(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_cache_key_is_canonical():
    base = dict(text="你好", voice="tiny", model_version="x", speed=1.0, format="wav")
    assert cache_key(**base) == cache_key(**{**base, "speed": 1})  # 1 == 1.0
    assert cache_key(**base) == cache_key(**dict(reversed(list(base.items()))))  # order
    assert cache_key(**base) == cache_key(**{**base, "text": " 你好\n"})  # outer whitespace
    assert cache_key(**base) == cache_key(**{**base, "text": "你好"})
    assert cache_key(text="e\u0301") == cache_key(text="\u00e9")  # NFC
    for change in ({"speed": 1.1}, {"format": "mp3"}, {"model_version": "y"}, {"voice": "other"}):
        assert cache_key(**{**base, **change}) != cache_key(**base)
    assert len(cache_key(**base)) == 64 and int(cache_key(**base), 16) >= 0


def test_default_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "sambert-edge"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir().parts[-2:] == (".cache", "sambert-edge")


def test_put_then_get_round_trips_and_counts(tmp_path):
    cache = FileCache(tmp_path / "c", max_bytes=10_000)
    assert cache.get(KEY_A, "wav") is None
    path = cache.put(KEY_A, "wav", b"RIFF1234")
    assert path == tmp_path / "c" / f"{KEY_A}.wav" and path.read_bytes() == b"RIFF1234"
    assert cache.get(KEY_A, "wav") == path
    assert cache.get(KEY_A, "mp3") is None
    stats = cache.stats()
    assert stats["entries"] == 1 and stats["hits"] == 1 and stats["misses"] == 2 and stats["bytes"] > 8
    assert not [n for n in _files(tmp_path / "c") if n.startswith(".tmp-")]


@pytest.mark.parametrize("key,ext", [("../" + "a" * 61, "wav"), ("A" * 64, "wav"), (KEY_A, "../x"), (KEY_A, "")])
def test_bad_keys_never_touch_the_disk(tmp_path, key, ext):
    cache = FileCache(tmp_path, max_bytes=10_000)
    with pytest.raises(ValueError):
        cache.get(key, ext)


@pytest.mark.parametrize("damage", ["truncate", "flip", "sidecar"])
def test_corrupt_entry_is_deleted_and_missed(tmp_path, damage):
    cache = FileCache(tmp_path, max_bytes=10_000)
    path = cache.put(KEY_A, "wav", b"0123456789")
    if damage == "truncate":
        path.write_bytes(b"01234")
    elif damage == "flip":
        path.write_bytes(b"0123456780")
    else:
        path.with_name(path.name + ".meta").write_text("{not json")
    assert cache.get(KEY_A, "wav") is None
    assert _files(tmp_path) == []  # both files gone: the caller regenerates
    assert cache.put(KEY_A, "wav", b"0123456789") is not None
    assert cache.get(KEY_A, "wav") == path


def test_audio_without_sidecar_is_a_miss(tmp_path):
    cache = FileCache(tmp_path, max_bytes=10_000)
    (tmp_path / f"{KEY_A}.wav").write_bytes(b"half written")
    assert cache.get(KEY_A, "wav") is None


def test_interrupted_write_leaves_no_temp_file_and_returns_none(tmp_path, monkeypatch, caplog):
    cache = FileCache(tmp_path, max_bytes=10_000)
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd, mode):
            self.f = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])  # part of it lands, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module.os, "fdopen", FullDisk)
    assert cache.put(KEY_A, "wav", b"x" * 1000) is None
    assert _files(tmp_path) == []
    assert "No space left" in caplog.text
    monkeypatch.setattr(cache_module.os, "fdopen", real_fdopen)
    assert cache.get(KEY_A, "wav") is None


def test_unwritable_folder_returns_none(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert FileCache(blocker / "cache", max_bytes=10_000).put(KEY_A, "wav", b"data") is None


def test_lru_eviction_keeps_recently_used(tmp_path):
    # Each entry is 400 bytes of audio plus a ~100-byte sidecar: two fit under 1100 bytes.
    cache = FileCache(tmp_path, max_bytes=1100)
    a = cache.put(KEY_A, "wav", b"a" * 400)
    b = cache.put(KEY_B, "wav", b"b" * 400)
    past = time.time() - 100
    os.utime(b.with_name(b.name + ".meta"), (past, past))
    os.utime(a.with_name(a.name + ".meta"), (past - 50, past - 50))
    assert cache.get(KEY_A, "wav") == a  # a is now the most recently used
    cache.put(KEY_C, "wav", b"c" * 400)
    assert cache.get(KEY_B, "wav") is None
    assert cache.get(KEY_A, "wav") == a and cache.get(KEY_C, "wav") is not None
    assert cache.stats()["bytes"] <= 1100


def test_entry_bigger_than_the_cap_is_not_stored(tmp_path):
    assert FileCache(tmp_path, max_bytes=100).put(KEY_A, "wav", b"x" * 200) is None
    assert FileCache(tmp_path, max_bytes=0).put(KEY_A, "wav", b"x") is None


def test_ttl_expires_entries_on_get_and_put(tmp_path):
    cache = FileCache(tmp_path, max_bytes=10_000, ttl_s=60)
    a = cache.put(KEY_A, "wav", b"old")
    b = cache.put(KEY_B, "wav", b"old too")
    old = time.time() - 120
    os.utime(a, (old, old))
    os.utime(b, (old, old))
    assert cache.get(KEY_A, "wav") is None and not a.exists()
    cache.put(KEY_C, "wav", b"new")  # eviction on put removes the other expired entry
    assert not b.exists() and cache.stats()["entries"] == 1


def test_stale_temp_files_are_swept(tmp_path):
    cache = FileCache(tmp_path, max_bytes=10_000)
    stale = tmp_path / ".tmp-dead-writer"
    stale.write_bytes(b"x")
    old = time.time() - 2 * cache_module.STALE_TMP_S
    os.utime(stale, (old, old))
    cache.put(KEY_A, "wav", b"data")
    assert not stale.exists()


def test_concurrent_deletes_are_tolerated(tmp_path):
    cache = FileCache(tmp_path, max_bytes=10_000)
    path = cache.put(KEY_A, "wav", b"data")
    path.unlink()  # another worker evicted the audio but not yet the sidecar
    assert cache.get(KEY_A, "wav") is None
    assert cache.stats()["entries"] == 0
    assert _files(tmp_path) == []  # the orphan sidecar is swept


_KILLED_WRITER = """
import os, sys, time
from pathlib import Path
import sambert_edge.service.cache as cache

real_replace = os.replace

def stalled_replace(src, dst):  # the data is written, the rename has not happened: kill lands here
    Path(sys.argv[2]).write_text("writing")
    time.sleep(60)
    real_replace(src, dst)

cache.os.replace = stalled_replace
cache.FileCache(Path(sys.argv[1]), max_bytes=10**8, ttl_s=None).put("ab" * 32, "wav", b"RIFF" + b"x" * 100_000)
"""


def test_a_process_killed_mid_write_leaves_no_entry(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from sambert_edge.service.cache import TMP_PREFIX, FileCache

    root, marker = tmp_path / "cache", tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(root), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert marker.exists(), "the writer never reached the rename"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    cache = FileCache(root, max_bytes=10**8, ttl_s=None)
    assert cache.get("ab" * 32, "wav") is None  # nothing half-written is ever served
    assert [p.name for p in root.iterdir() if not p.name.startswith(TMP_PREFIX)] == []
    assert cache.put("ab" * 32, "wav", b"RIFF" + b"y" * 10) is not None  # and the key is written afresh
    assert cache.get("ab" * 32, "wav").read_bytes() == b"RIFF" + b"y" * 10
