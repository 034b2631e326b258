"""REDIS_URL: a real ``redis-server`` as the second cache level shared by two app instances.

Each test starts its own ``redis-server`` on a free port (no persistence) and stops it after; the
apps have separate local cache folders, as two machines would. Skipped only when the
``redis-server`` binary is absent (Debian: ``apt-get install redis-server``; CI installs it).
"""

import logging
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("redis")
import redis  # noqa: E402

from sambert_edge import Synthesizer  # noqa: E402
from sambert_edge.service import create_app  # noqa: E402
from sambert_edge.service.redis_cache import DEFAULT_PREFIX, pack, redact_url, unpack  # noqa: E402

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed "
                                                              "(apt-get install redis-server)")

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One ``redis-server`` on a fixed port, which can be killed and started again."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log, "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start:\n" + self.log.read_text()) from None
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(_free_port(), tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


class Counting:
    """A synthesizer that counts its syntheses (everything else goes to the real one)."""

    def __init__(self, synth) -> None:
        self._synth = synth
        self.calls = 0

    def synthesize(self, *args, **kwargs):
        self.calls += 1
        return self._synth.synthesize(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._synth, name)


@pytest.fixture(scope="module")
def synth(frontend):
    return Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)


@pytest.fixture()
def make_app(synth, frontend, tmp_path):
    """``make(name, redis_url, **config)`` -> (test client, Counting): one "machine" with its own folder."""

    def make(name: str, redis_url: str, **config):
        counting = Counting(synth)
        settings = {"TESTING": True, "CACHE_DIR": str(tmp_path / f"cache-{name}"), "REDIS_URL": redis_url,
                    "MAX_TEXT_CHARS": 200, **config}
        return create_app(settings, synthesizer=counting, frontend=frontend).test_client(), counting

    return make


def _metric(client, name: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    match = re.search(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M)
    assert match, f"{name} not in /metrics"
    return float(match[1])


def _keys(server) -> list[bytes]:
    return sorted(server.client().scan_iter(match=DEFAULT_PREFIX + "*"))


# --- the value format -----------------------------------------------------------------------------
def test_pack_round_trips_and_refuses_damage():
    value = pack(b"RIFF audio")
    assert unpack(value) == b"RIFF audio" and unpack(pack(b"")) == b""
    assert unpack(value[:-1]) is None  # truncated
    assert unpack(value[:-1] + b"X") is None  # a flipped byte
    assert unpack(b"RIFF audio") is None  # no header
    assert unpack(b"XXXX" + value[4:]) is None


def test_passwords_stay_out_of_logs():
    assert redact_url("redis://:secret@host:6379/0") == "redis://:***@host:6379/0"
    assert redact_url("redis://user:secret@host/1") == "redis://user:***@host/1"
    assert redact_url("redis://host:6379/0") == "redis://host:6379/0"


# --- sharing ----------------------------------------------------------------------------------------
def test_second_instance_answers_from_redis_without_synthesizing(make_app, redis_server, tmp_path):
    a, synth_a = make_app("a", redis_server.url)
    b, synth_b = make_app("b", redis_server.url)
    first = a.post("/api/tts", json={"text": "你好，世界。", "emotion": "happy"})
    assert first.status_code == 200 and first.get_json()["cached"] is False and synth_a.calls == 1
    assert len(_keys(redis_server)) == 1
    ttl = redis_server.client().ttl(_keys(redis_server)[0])
    assert 0 < ttl <= 7 * 24 * 3600  # CACHE_TTL_S, via SET EX

    second = b.post("/api/tts", json={"text": "你好，世界。", "emotion": "happy"})
    body = second.get_json()
    assert second.status_code == 200 and body["cached"] is True and synth_b.calls == 0
    assert body["audio_url"] == first.get_json()["audio_url"]
    # The Redis hit went into b's own folder, so /api/audio serves a file there (ranges, ETag).
    key_file = body["audio_url"].rsplit("/", 1)[1]
    assert (tmp_path / "cache-b" / key_file).exists()
    audio_a, audio_b = a.get(body["audio_url"]), b.get(body["audio_url"])
    assert audio_b.status_code == 200 and audio_b.data == audio_a.data and audio_b.headers["ETag"]
    part = b.get(body["audio_url"], headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == b"RIFF"
    assert _metric(b, "sambert_cache_redis_hits_total") == 1 and _metric(b, "sambert_cache_redis_up") == 1

    # A third machine that only has the URL (a load balancer sent the GET elsewhere) finds it too.
    c, synth_c = make_app("c", redis_server.url)
    assert c.get(body["audio_url"]).data == audio_a.data and synth_c.calls == 0


@pytest.mark.parametrize("damage", ["flip", "truncate", "no-header"])
def test_corrupt_value_in_redis_is_detected_and_regenerated(make_app, redis_server, damage, caplog):
    a, _ = make_app("a", redis_server.url)
    b, synth_b = make_app("b", redis_server.url)
    assert a.post("/api/tts", json={"text": "今天天气很好。"}).status_code == 200
    (name,) = _keys(redis_server)
    client = redis_server.client()
    value = client.get(name)
    broken = {"flip": value[:-1] + bytes([value[-1] ^ 1]), "truncate": value[:-100],
              "no-header": unpack(value)}[damage]
    client.set(name, broken)

    with caplog.at_level(logging.WARNING, logger="sambert_edge"):
        r = b.post("/api/tts", json={"text": "今天天气很好。"})
    assert r.status_code == 200 and r.get_json()["cached"] is False and synth_b.calls == 1
    assert "corrupt" in caplog.text and _metric(b, "sambert_cache_redis_corrupt_total") == 1
    assert unpack(client.get(name)) == b.get(r.get_json()["audio_url"]).data  # written again, whole


# --- Redis trouble ----------------------------------------------------------------------------------
def test_requests_survive_redis_going_away_and_use_it_again(make_app, redis_server, caplog):
    a, _ = make_app("a", redis_server.url, REDIS_RETRY_S=0.3)
    assert a.post("/api/tts", json={"text": "第一句。"}).get_json()["cached"] is False

    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="sambert_edge"):
        start = time.monotonic()
        fresh = a.post("/api/tts", json={"text": "第二句。"})
        assert fresh.status_code == 200 and fresh.get_json()["cached"] is False  # synthesized
        for _ in range(5):
            local = a.post("/api/tts", json={"text": "第一句。"})
            assert local.status_code == 200 and local.get_json()["cached"] is True  # the local cache
            again = a.post("/api/tts", json={"text": "第三句。"})
            assert again.status_code == 200
        assert a.get(fresh.get_json()["audio_url"]).status_code == 200
        elapsed = time.monotonic() - start
    assert elapsed < 10, f"a down Redis slowed requests down: {elapsed:.1f} s for 12"
    warnings = [r for r in caplog.records if r.name.endswith("redis_cache") and "failed" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # rate-limited, not one per request
    assert f"127.0.0.1:{redis_server.port}" in warnings[0].getMessage()
    assert _metric(a, "sambert_cache_redis_errors_total") >= 1 and _metric(a, "sambert_cache_redis_up") == 0

    redis_server.start()  # empty again (no persistence)
    time.sleep(0.4)  # past REDIS_RETRY_S
    r = a.post("/api/tts", json={"text": "第四句。"})
    assert r.status_code == 200 and r.get_json()["cached"] is False
    assert len(_keys(redis_server)) == 1  # written to Redis again
    assert _metric(a, "sambert_cache_redis_up") == 1
    b, synth_b = make_app("b", redis_server.url)
    assert b.post("/api/tts", json={"text": "第四句。"}).get_json()["cached"] is True and synth_b.calls == 0


def test_unreachable_redis_from_the_start_costs_one_warning(make_app, caplog):
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="sambert_edge"):
        a, synth_a = make_app("a", url)
        bodies = [a.post("/api/tts", json={"text": "你好。"}).get_json() for _ in range(3)]
    assert [b["cached"] for b in bodies] == [False, True, True] and synth_a.calls == 1
    assert _metric(a, "sambert_cache_redis_errors_total") == 1  # then skipped for REDIS_RETRY_S
    assert sum("failed" in r.getMessage() for r in caplog.records if r.name.endswith("redis_cache")) == 1


def test_redis_needs_the_local_cache(make_app, redis_server, caplog):
    with caplog.at_level(logging.WARNING, logger="sambert_edge"):
        a, _ = make_app("a", redis_server.url, CACHE_MAX_MB=0)
    assert "not using Redis" in caplog.text
    assert a.post("/api/tts", json={"text": "你好。"}).get_json()["audio_url"].startswith("data:")
    assert _keys(redis_server) == []


def test_hung_redis_costs_one_short_timeout_per_retry_window(make_app):
    with socket.socket() as hung:  # accepts connections (the backlog) and never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        a, _ = make_app("a", f"redis://127.0.0.1:{hung.getsockname()[1]}/0", REDIS_TIMEOUT_S=0.2, REDIS_RETRY_S=60)
        times = []
        for _ in range(4):
            start = time.monotonic()
            assert a.post("/api/tts", json={"text": "你好。"}).status_code == 200
            times.append(time.monotonic() - start)
    assert _metric(a, "sambert_cache_redis_errors_total") == 1
    assert max(times[1:]) < times[0] and min(times) < 0.2, times  # only the first waited for Redis
