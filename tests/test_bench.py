"""``sambert-edge bench``: its measuring instruments are right, and it reports every key on the tiny voice.

Speed is never asserted here (benchmarks measure it); these tests check what is measured and reported.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from sambert_edge.bench import http_load, memory, speed
from sambert_edge.bench.report import table
from sambert_edge.cli import main

TINY_VOICE = str(Path(__file__).resolve().parent / "fixtures" / "tiny_voice")


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([5.0], 50, 5.0),
    ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
    ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
    ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
    ([4.0, 1.0, 3.0, 2.0], 99, 3.97),
    (list(range(101)), 99, 99.0),
])
def test_percentile_interpolates_between_ranks(values, q, expected):
    assert http_load.percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan():
    assert np.isnan(http_load.percentile([], 50))


def test_rtf_is_synthesis_time_over_audio_time_after_a_warm_up(monkeypatch):
    clock = iter(np.arange(0.0, 100.0, 0.5))  # every perf_counter call advances 0.5 s
    monkeypatch.setattr(speed.time, "perf_counter", lambda: next(clock))
    calls = []

    def speak(text):
        calls.append(text)
        return np.zeros(16000 * 5), 16000  # 5 s of audio

    result = speed.time_rtf(speak, ["a", "b"], runs=3)
    assert calls == ["a"] + ["a", "b"] * 3  # one untimed warm-up pass on the first sentence
    assert result["rtf"] == pytest.approx(0.5 * 2 / 10)  # 0.5 s per call, 10 s of audio per run
    assert result["audio_s"] == pytest.approx(10.0) and len(result["runs"]) == 3


def test_rtf_refuses_an_engine_that_makes_no_audio():
    with pytest.raises(ValueError, match="no audio"):
        speed.time_rtf(lambda text: (np.zeros(0), 16000), ["a"], runs=1)


def test_model_mb_counts_the_graphs_the_voice_names():
    voice = json.loads((Path(TINY_VOICE) / "voice.json").read_text())
    expected = sum((Path(TINY_VOICE) / f).stat().st_size for f in voice["files"].values()) / 1e6
    assert speed.model_mb(TINY_VOICE) == pytest.approx(expected)


def test_peak_rss_sees_what_the_child_allocated():
    def child(mib):  # touches every page, so all of it is resident
        code = f"x = bytearray({mib} * 2**20); x[::4096] = b'a' * len(x[::4096])"
        return memory.peak_rss([sys.executable, "-c", code])

    small, big = child(100), child(300)
    assert small.returncode == big.returncode == 0
    assert small.mb >= 100
    assert big.mb - small.mb == pytest.approx(200, abs=20)


def test_peak_rss_reports_the_child_status_and_stderr():
    result = memory.peak_rss([sys.executable, "-c", "import sys; sys.exit('boom')"])
    assert result.returncode == 1 and "boom" in result.stderr


def test_peak_rss_stops_a_child_past_the_timeout():
    with pytest.raises(TimeoutError):
        memory.peak_rss([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)


def test_bench_json_has_every_key_on_the_tiny_voice(capsys):
    rc = main(["bench", "--voice", TINY_VOICE, "--json", "--no-http", "--peers", "none", "--runs", "1",
               "--threads", "1,2"])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("voice", "onnx_variant", "model_mb", "cold_start_s", "rtf", "first_audio_ms", "peak_rss_mb",
                "cache_hit_ms_p50", "http", "peers"):
        assert key in result
    assert result["voice"] == "tiny" and result["onnx_variant"] == "fp32"
    assert set(result["rtf"]) == {"1", "2"} and all(v > 0 for v in result["rtf"].values())
    assert list(result["rtf_by_emotion"]) == ["neutral", "happy", "angry", "sad"]
    assert all(v > 0 for v in result["rtf_by_emotion"].values())
    assert result["peak_rss_mb"] > 20 and result["first_audio_ms"] > 0
    assert result["http"] is None and result["peers"] == {}
    assert "RTF, 1 thread(s)" in table(result) and "RTF, 1 thread, angry" in table(result)


@pytest.mark.parametrize(("args", "message"), [
    (["--threads", "0"], "--threads takes positive integers"),
    (["--threads", "one"], "--threads takes positive integers"),
    (["--concurrency", ""], "--concurrency takes positive integers"),
    (["--peers", "espeak"], "unknown peer(s) espeak"),
])
def test_bench_rejects_bad_options_by_name(args, message, capsys):
    assert main(["bench", "--voice", TINY_VOICE, *args]) == 2
    assert message in capsys.readouterr().err


def test_bench_names_a_folder_without_voice_json(tmp_path, capsys):
    assert main(["bench", "--voice", str(tmp_path)]) == 2
    assert "no voice.json" in capsys.readouterr().err


def test_plot_draws_rtf_and_latency_to_a_png(tmp_path):
    from sambert_edge.bench.report import plot

    level = {"concurrency": 1, "rps": 2.0, "p50_ms": 10.0, "p99_ms": 20.0, "errors": 0, "rejected_503": 0,
             "cached": 0, "requests": 4}
    result = {"voice": "tiny", "rtf": {"1": 0.05, "2": 0.03}, "cpu": "x", "date": "2026-11-24",
              "http": {"levels": [{"miss": level, "hit": {**level, "concurrency": 1}}]},
              "peers": {"piper": {"rtf": 0.1}, "kokoro": {"available": False, "reason": "absent"}}}
    out = plot(result, tmp_path / "bench.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def test_http_measurements_against_the_real_service():
    texts = [f"第{n}个测试。" for n in range(6)]
    with http_load.running_service(TINY_VOICE, workers=1, threads=2) as (base, cold):
        assert cold > 0
        hit_ms = http_load.cache_hit_ms(base, "你好，世界。", runs=3)
        result = http_load.load_test(base, texts, concurrencies=(1, 2), per_level=3)
    assert hit_ms > 0
    first, second = result["levels"]
    assert first["miss"]["concurrency"] == 1 and second["miss"]["concurrency"] == 2
    for level in result["levels"]:
        assert level["miss"]["errors"] == level["hit"]["errors"] == 0
        assert level["miss"]["cached"] == 0 and level["hit"]["cached"] == 3  # the second round is served from cache
        assert level["miss"]["requests"] == 3 and level["miss"]["p99_ms"] >= level["miss"]["p50_ms"]


def test_load_test_needs_enough_distinct_texts():
    with pytest.raises(ValueError, match="distinct texts"):
        http_load.load_test("http://127.0.0.1:9", ["a"], concurrencies=(1,), per_level=2)
