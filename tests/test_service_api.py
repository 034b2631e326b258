"""The synthesis API on the tiny voice through Flask's test client: answers, bad input, cache, access."""

import io
import json
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from sambert_edge import Synthesizer
from sambert_edge.frontend import Frontend, FrontendConfig
from sambert_edge.service import create_app

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"
TEXT = "你好，世界。今天天气很好！我们去公园吧。"


@pytest.fixture(scope="module")
def synth(frontend):
    return Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)


@pytest.fixture()
def make_app(synth, frontend, tmp_path):
    def make(synthesizer=None, **config):
        settings = {"TESTING": True, "CACHE_DIR": str(tmp_path / "cache"), "MAX_TEXT_CHARS": 200, **config}
        return create_app(settings, synthesizer=synthesizer or synth, frontend=frontend)

    return make


@pytest.fixture()
def client(make_app):
    return make_app().test_client()


def _pcm(client, url):
    return np.frombuffer(client.get(url).data, "<i2")


# --- answers ------------------------------------------------------------------------------------
def test_tts_answers_a_cached_audio_url(client):
    r = client.post("/api/tts", json={"text": TEXT, "emotion": "happy", "speaker": "M7"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["cached"] is False and body["voice"] == "tiny" and body["emotion"] == "happy"
    assert body["sample_rate"] == 16000 and body["duration_s"] > 0
    audio = client.get(body["audio_url"])
    assert audio.status_code == 200 and audio.headers["Content-Type"] == "audio/wav"
    assert int(audio.headers["Content-Length"]) == len(audio.data)
    with wave.open(io.BytesIO(audio.data)) as w:
        assert w.getframerate() == 16000 and abs(w.getnframes() / 16000 - body["duration_s"]) < 1e-3
    again = client.post("/api/tts", json={"text": TEXT + " ", "speaker": "M7", "emotion": "happy"}).get_json()
    assert again["cached"] is True and again["audio_url"] == body["audio_url"]
    assert again["duration_s"] == pytest.approx(body["duration_s"])


def test_a_frontend_that_reads_differently_misses_the_old_cache_entry(make_app, frontend, tmp_path):
    """The bug: the cache key had no trace of how text is read, so a new user lexicon (or an
    upgrade that reads phone numbers in groups) kept serving the old audio from the cache folder."""
    lexicon = tmp_path / "my.txt"
    lexicon.write_text("世界 shi4 jie4\n", encoding="utf-8")
    other = Frontend(FrontendConfig(lexicon_paths=(str(lexicon),)))
    plain = make_app().test_client()
    assert plain.post("/api/tts", json={"text": TEXT}).get_json()["cached"] is False
    assert plain.post("/api/tts", json={"text": TEXT}).get_json()["cached"] is True
    relexed = create_app({"TESTING": True, "CACHE_DIR": str(tmp_path / "cache"), "MAX_TEXT_CHARS": 200},
                         synthesizer=Synthesizer.load(TINY_VOICE, threads=1, frontend=other), frontend=other)
    assert relexed.test_client().post("/api/tts", json={"text": TEXT}).get_json()["cached"] is False
    assert plain.post("/api/tts", json={"text": TEXT}).get_json()["cached"] is True


def test_audio_url_supports_etag_and_ranges(client):
    url = client.post("/api/tts", json={"text": "你好。"}).get_json()["audio_url"]
    full = client.get(url)
    etag = full.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == full.data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(full.data)}"
    assert client.get(url, headers={"Range": "bytes=999999-"}).status_code == 416


@pytest.mark.parametrize("fmt,mimetype,magic", [
    ("wav", "audio/wav", b"RIFF"), ("flac", "audio/flac", b"fLaC"), ("mp3", "audio/mpeg", None),
    ("opus", "audio/ogg", b"OggS"), ("pcm", "audio/L16", None),
])
def test_every_format(client, fmt, mimetype, magic):
    body = client.post("/api/tts", json={"text": "你好。", "format": fmt}).get_json()
    r = client.get(body["audio_url"])
    assert r.headers["Content-Type"] == mimetype and body["audio_url"].endswith("." + fmt)
    assert magic is None or r.data.startswith(magic)
    if fmt == "pcm":
        assert len(r.data) == round(body["duration_s"] * 16000) * 2


def test_volume_scales_the_waveform_with_clipping(client):
    base = _pcm(client, client.post("/api/tts", json={"text": "你好。", "format": "pcm"}).get_json()["audio_url"])
    loud = _pcm(client, client.post("/api/tts", json={"text": "你好。", "format": "pcm", "volume": 4}).get_json()
                ["audio_url"])
    quiet = _pcm(client, client.post("/api/tts", json={"text": "你好。", "format": "pcm", "volume": 0}).get_json()
                 ["audio_url"])
    expected = np.clip(base.astype(np.int64) * 4, -32767, 32767)
    assert len(loud) == len(base) and np.abs(loud - expected).max() <= 4
    assert not quiet.any() and np.abs(loud).max() <= 32767


def test_voices_lists_speakers_emotions_and_formats(make_app, synth):
    client = make_app({"tiny": synth, "tiny2": synth}).test_client()
    body = client.get("/api/voices").get_json()
    assert [v["name"] for v in body["voices"]] == ["tiny", "tiny2"] and body["default"] == "tiny"
    first = body["voices"][0]
    assert first["speakers"] == ["F7", "M7"] and first["emotions"] == ["neutral", "happy", "angry", "sad"]
    assert first["sample_rate"] == 16000 and first["default"] is True
    assert "wav" in body["formats"]
    assert client.post("/api/tts", json={"text": "你好。", "voice": "tiny2"}).get_json()["voice"] == "tiny2"


def test_healthz_and_g2p_only_mode(frontend, tmp_path):
    client = create_app({"TESTING": True, "CACHE_DIR": str(tmp_path)}, frontend=frontend).test_client()
    assert client.get("/healthz").get_json()["synthesis"] is False
    r = client.post("/api/tts", json={"text": "你好"})
    assert r.status_code == 503 and "--voice" in r.get_json()["message"]
    assert client.get("/api/voices").get_json()["voices"] == []


# --- bad input ----------------------------------------------------------------------------------
BAD_TTS = [
    # (id, request kwargs, status, substring of message, extra JSON field expected)
    ("empty", {"json": {"text": ""}}, 400, "text is empty", None),
    ("whitespace", {"json": {"text": " \n\t "}}, 400, "text is empty", None),
    ("emoji only", {"json": {"text": "😀🎉"}}, 400, "nothing to speak", None),
    ("control char", {"json": {"text": "你\x07好"}}, 400, "control character", None),
    ("too long", {"json": {"text": "好" * 201}}, 413, "limit is 200", "limit"),
    ("not a string", {"json": {"text": 5}}, 400, "must be a string", None),
    ("no text", {"json": {"txt": "你好"}}, 400, "unknown fields txt", "valid"),
    ("not an object", {"json": ["你好"]}, 400, "JSON object", None),
    ("malformed JSON", {"data": "{bad", "content_type": "application/json"}, 400, "JSON object", None),
    ("wrong content type", {"data": "text=你好", "content_type": "text/plain"}, 415, "application/json", None),
    ("no content type", {"data": b'{"text": "ok"}'}, 415, "application/json", None),
    ("non-UTF-8", {"data": b'{"text": "\xff\xfe"}', "content_type": "application/json"}, 400, "UTF-8", None),
    ("oversized body", {"data": b"x" * 100_000, "content_type": "application/json"}, 413, "", None),
    ("unknown emotion", {"json": {"text": "你好", "emotion": "joy"}}, 400, "neutral, happy, angry, sad", "valid"),
    ("unknown voice", {"json": {"text": "你好", "voice": "nope"}}, 400, "valid: tiny", "valid"),
    ("unknown speaker", {"json": {"text": "你好", "speaker": "X1"}}, 400, "F7, M7", "valid"),
    ("unknown format", {"json": {"text": "你好", "format": "aac"}}, 400, "wav", "valid"),
    ("speed low", {"json": {"text": "你好", "speed": 0.1}}, 400, "0.25..4", "minimum"),
    ("speed high", {"json": {"text": "你好", "speed": 5}}, 400, "0.25..4", "maximum"),
    ("speed string", {"json": {"text": "你好", "speed": "fast"}}, 400, "speed must be a number", None),
    ("speed bool", {"json": {"text": "你好", "speed": True}}, 400, "speed must be a number", None),
    ("speed NaN", {"data": '{"text": "你好", "speed": NaN}', "content_type": "application/json"}, 400,
     "speed must be a number", None),
    ("pitch", {"json": {"text": "你好", "pitch": 9}}, 400, "pitch must be within -5..5", None),
    ("intensity", {"json": {"text": "你好", "intensity": -1}}, 400, "intensity", None),
    ("energy", {"json": {"text": "你好", "energy": 4}}, 400, "energy", None),
    ("volume", {"json": {"text": "你好", "volume": 5}}, 400, "volume must be within 0..4", None),
    ("emotion not string", {"json": {"text": "你好", "emotion": ["happy"]}}, 400, "unknown emotion", None),
]


@pytest.mark.parametrize("kwargs,status,message,field", [c[1:] for c in BAD_TTS], ids=[c[0] for c in BAD_TTS])
@pytest.mark.parametrize("route", ["/api/tts", "/api/tts/stream"])
def test_bad_tts_requests_get_json_errors(client, route, kwargs, status, message, field):
    r = client.post(route, **kwargs)
    assert r.status_code == status, r.data
    body = r.get_json()
    assert body["error"] and message in body["message"]
    assert field is None or field in body


@pytest.mark.parametrize("path,status", [
    ("/api/audio/../../etc/passwd", 404), ("/api/audio/..%2f..%2fetc%2fpasswd", 404),
    ("/api/audio/" + "a" * 64 + ".wav", 404), ("/api/audio/" + "A" * 64 + ".wav", 404),
    ("/api/audio/" + "a" * 64 + ".exe", 404), ("/api/audio/" + "a" * 63 + ".wav", 404),
    ("/api/audio/%00.wav", 404), ("/nope", 404), ("/api/tts", 405),
])
def test_bad_paths_get_json_errors(client, path, status):
    r = client.get(path)
    assert r.status_code == status and r.get_json()["message"]


def test_stream_rejects_formats_that_cannot_stream(client):
    r = client.post("/api/tts/stream", json={"text": "你好", "format": "mp3"})
    assert r.status_code == 400 and r.get_json()["valid"] == ["wav", "pcm"]


# --- streaming ----------------------------------------------------------------------------------
class RecordingSynth:
    """Wraps a Synthesizer; logs when each streamed sentence is made."""

    def __init__(self, inner, events):
        self.inner, self.voice, self.events = inner, inner.voice, events

    def synthesize(self, *args, **kwargs):
        return self.inner.synthesize(*args, **kwargs)

    def stream(self, *args, **kwargs):
        sentences = self.inner.stream(*args, **kwargs)  # checks text and options now

        def gen():
            for i, audio in enumerate(sentences):
                self.events.append(("made", i))
                yield audio

        return gen()


@pytest.mark.parametrize("url", ["/api/tts/stream", "/api/tts?stream=1"])
def test_stream_sends_the_first_sentence_before_the_rest_is_made(make_app, synth, url):
    events = []
    client = make_app(RecordingSynth(synth, events)).test_client()
    r = client.post(url, json={"text": TEXT}, buffered=False)
    assert r.status_code == 200 and r.headers["Content-Type"] == "audio/wav" and "Content-Length" not in r.headers
    chunks = r.response
    header = next(chunks)
    assert header[:4] == b"RIFF" and header[40:44] == b"\xff\xff\xff\xff" and events == []
    first = next(chunks)
    assert len(first) > 0 and events == [("made", 0)]  # the rest is not made yet
    rest = b"".join(chunks)
    r.close()
    assert events == [("made", 0), ("made", 1), ("made", 2)]
    whole = synth.synthesize(TEXT).to_wav_bytes()
    assert len(header + first + rest) == len(whole)  # same samples and gaps as the whole file


def test_stream_pcm_has_no_header(client):
    r = client.post("/api/tts/stream", json={"text": "你好。", "format": "pcm"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "audio/L16" and not r.data.startswith(b"RIFF")


# --- cache failures -----------------------------------------------------------------------------
def test_full_disk_still_answers_audio(make_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    client = make_app(CACHE_DIR=str(blocker / "cache")).test_client()
    body = client.post("/api/tts", json={"text": "你好。"}).get_json()
    assert body["cached"] is False and body["audio_url"].startswith("data:audio/wav;base64,UklGR")
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "你好。", "response_format": "wav"})
    assert r.status_code == 200 and r.data.startswith(b"RIFF")


def test_corrupt_cache_entry_is_regenerated(client, tmp_path):
    first = client.post("/api/tts", json={"text": "你好。"}).get_json()
    name = first["audio_url"].rsplit("/", 1)[1]
    good = client.get(first["audio_url"]).data
    (tmp_path / "cache" / name).write_bytes(good[:100])  # truncated on disk
    assert client.get(first["audio_url"]).status_code == 404
    again = client.post("/api/tts", json={"text": "你好。"}).get_json()
    assert again["cached"] is False and client.get(again["audio_url"]).data == good


def test_cache_off_answers_data_urls(make_app):
    body = make_app(CACHE_MAX_MB=0).test_client().post("/api/tts", json={"text": "你好。"}).get_json()
    assert body["audio_url"].startswith("data:audio/wav;base64,")


# --- admission ----------------------------------------------------------------------------------
class GatedSynth(RecordingSynth):
    """Blocks every synthesis until ``gate`` is set."""

    def __init__(self, inner, gate):
        super().__init__(inner, [])
        self.gate = gate

    def synthesize(self, *args, **kwargs):
        self.gate.wait(10)
        return self.inner.synthesize(*args, **kwargs)


def test_full_queue_answers_503_with_retry_after(make_app, synth):
    gate = threading.Event()
    app = make_app(GatedSynth(synth, gate), MAX_QUEUE=1, RETRY_AFTER_S=3)
    results = {}
    worker = threading.Thread(target=lambda: results.update(
        first=app.test_client().post("/api/tts", json={"text": "你好。"}).status_code))
    worker.start()
    state = app.extensions["sambert_edge"]
    for _ in range(200):
        if state.admission.depth:
            break
        threading.Event().wait(0.01)
    r = app.test_client().post("/api/tts", json={"text": "世界。"})
    gate.set()
    worker.join(10)
    assert r.status_code == 503 and r.headers["Retry-After"] == "3" and r.get_json()["retry_after_s"] == 3
    assert results["first"] == 200
    assert "sambert_queue_rejected_total" in app.test_client().get("/metrics").get_data(as_text=True)


def test_slow_synthesis_answers_504(make_app, synth):
    gate = threading.Event()
    app = make_app(GatedSynth(synth, gate), SYNTH_TIMEOUT_S=0.2)
    r = app.test_client().post("/api/tts", json={"text": "你好。"})
    gate.set()
    assert r.status_code == 504 and "longer than 0.2 s" in r.get_json()["message"]


# --- access -------------------------------------------------------------------------------------
def test_api_key_guards_all_but_healthz_and_the_page(make_app):
    client = make_app(API_KEY="s3cret").test_client()
    assert client.get("/healthz").status_code == 200
    page = client.get("/")  # a browser cannot send the header when it opens the page; the page asks for the key
    assert page.status_code == 200 and 'data-key-required="true"' in page.get_data(as_text=True)
    with client.get("/static/app.js") as script:
        assert script.status_code == 200
    r = client.get("/api/voices")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/voices", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/voices", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/api/voices", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert client.get("/metrics").status_code == 401


def test_cors_is_off_by_default_and_configurable(make_app, client):
    assert "Access-Control-Allow-Origin" not in client.get("/api/voices", headers={"Origin": "http://a.test"}).headers
    client = make_app(CORS_ORIGINS=["http://a.test"], API_KEY="k").test_client()
    pre = client.options("/api/tts", headers={"Origin": "http://a.test", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and pre.headers["Access-Control-Allow-Origin"] == "http://a.test"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    other = client.get("/healthz", headers={"Origin": "http://b.test"})
    assert "Access-Control-Allow-Origin" not in other.headers


# --- metrics and spec ---------------------------------------------------------------------------
def test_metrics_count_requests_cache_and_rtf(client):
    client.post("/api/tts", json={"text": "你好。"})
    client.post("/api/tts", json={"text": "你好。"})
    client.post("/api/tts", json={"text": ""})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'route="/api/tts",method="POST",status="200"} 2' in text
    assert 'route="/api/tts",method="POST",status="400"} 1' in text
    assert "sambert_cache_hits_total" in text and "sambert_cache_misses_total" in text
    assert "sambert_synthesis_rtf_count" in text and "sambert_queue_depth" in text
    assert 'sambert_http_request_duration_seconds_bucket{pid=' in text


def test_openapi_describes_every_route(client, make_app):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.0")
    app = make_app()
    rules = {r.rule.replace("<path:name>", "{name}") for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert rules <= set(spec["paths"])
    tts = spec["components"]["schemas"]["TtsRequest"]
    assert tts["properties"]["speed"]["minimum"] == 0.25 and tts["properties"]["emotion"]["enum"] == [
        "angry", "happy", "neutral", "sad", None]  # null: the voice's default (nullable)
    assert tts["properties"]["text"]["maxLength"] == 200
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(json.loads(json.dumps(spec)))
