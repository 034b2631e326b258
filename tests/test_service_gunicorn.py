"""``sambert-edge serve`` for real: Gunicorn, two preloaded workers, the tiny voice, loopback clients.

Checks that onnxruntime sessions opened before fork synthesize in both workers, that 32 clients at
once get audio or a deliberate 503 (nothing else), and that SIGTERM shuts down cleanly.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("gunicorn")
if sys.platform == "win32":
    pytest.skip("Gunicorn needs fork", allow_module_level=True)

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path, *extra: str):
    port = _free_port()
    log = open(tmp_path / f"server-{port}.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sambert_edge", "serve", "--voice", str(TINY_VOICE), "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--cache-dir", str(tmp_path / "cache"), "--timeout", "30", *extra],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # its own process group, so a hung server and its workers can be killed
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc, log)
            pytest.fail("server did not come up:\n" + (tmp_path / f"server-{port}.log").read_text())
        try:
            _get(port, "/healthz")
            return proc, port, log
        except OSError:
            time.sleep(0.2)


def _stop(proc, log) -> int:
    """SIGTERM (graceful), then SIGKILL to the whole group if it does not end in 30 s."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
            raise
    finally:
        log.close()


def _get(port, path, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        data = r.read()
    finally:
        if own:
            conn.close()
    return r.status, json.loads(data) if r.headers["Content-Type"] == "application/json" else data


def _post(conn, path, body):
    conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    proc, port, log = _start(tmp_path, "--threads", "16", "--max-queue", "4")
    yield port
    assert _stop(proc, log) == 0
    text = (tmp_path / f"server-{port}.log").read_text()
    assert "was sent SIG" not in text and "terminate called" not in text, text  # clean worker exits


def _synthesize_on_each_worker(port):
    """Find keep-alive connections to two different workers and synthesize through each.

    Which worker accepts a new connection is up to the kernel; a busy machine can hand many in a
    row to the same one, so keep trying (open connections pin the workers that took them).
    """
    by_pid = {}
    conns = []
    try:
        for attempt in range(300):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conns.append(conn)
            pid = _get(port, "/healthz", conn)[1]["pid"]
            by_pid.setdefault(pid, conn)
            if len(by_pid) == 2:
                break
            if attempt % 20 == 19:
                time.sleep(0.2)
        assert len(by_pid) == 2, "could not reach two workers"
        for pid, conn in by_pid.items():
            status, _, body = _post(conn, "/api/tts", {"text": f"第{pid}号进程你好。"})
            assert status == 200, body
            assert json.loads(body)["duration_s"] > 0
            assert _get(port, "/healthz", conn)[1]["pid"] == pid  # same connection, same worker
    finally:
        for conn in conns:
            conn.close()


def test_preloaded_sessions_synthesize_in_both_workers(server):
    _synthesize_on_each_worker(server)


def test_threaded_sessions_are_opened_in_each_worker_and_sigterm_is_graceful(tmp_path):
    proc, port, log = _start(tmp_path, "--threads", "2", "--inference-threads", "2")
    try:
        _synthesize_on_each_worker(port)
        # A long request in flight when SIGTERM arrives is still answered.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with ThreadPoolExecutor(1) as pool:
            # Long enough (~1.5 s of synthesis) that it is still running after the 1 s a loaded
            # machine may take to hand the connection to a worker.
            pending = pool.submit(_post, conn, "/api/tts", {"text": "今天天气很好，我们去公园吧。" * 40})
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            status, _, body = pending.result(60)
        conn.close()
        assert status == 200, body
    finally:
        assert _stop(proc, log) == 0
    text = (tmp_path / f"server-{port}.log").read_text()
    assert "opened its onnxruntime sessions" in text and "was sent SIG" not in text


def test_32_concurrent_clients_get_audio_or_a_deliberate_503(server):
    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        try:
            if i % 2:
                return _post(conn, "/v1/audio/speech", {"model": "tts-1", "voice": "nova", "response_format": "wav",
                                                        "input": f"客户{i}你好，今天天气很好。"})
            return _post(conn, "/api/tts", {"text": f"客户{i}你好，今天天气很好。"})
        finally:
            conn.close()

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(one, range(32)))
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 4
    for status, headers, body in results:
        if status == 503:
            assert headers["Retry-After"] == "1" and "busy" in body.decode()
        elif headers["Content-Type"].startswith("audio/"):
            assert body.startswith(b"RIFF")
        else:
            assert json.loads(body)["audio_url"].startswith("/api/audio/")
    assert b"sambert_http_requests_total" in _get(server, "/metrics")[1]
