"""``POST /v1/audio/speech`` driven by the official ``openai`` client against a local server."""

import io
import threading
import wave
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from sambert_edge import Synthesizer
from sambert_edge.service import create_app
from sambert_edge.service.openai_routes import instruction_emotion

openai = pytest.importorskip("openai")

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"


@pytest.fixture(scope="module")
def server(frontend, tmp_path_factory):
    """The app on werkzeug's threaded server on a free loopback port: (base_url, app)."""
    synth = Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)
    app = create_app({"CACHE_DIR": str(tmp_path_factory.mktemp("cache")), "API_KEY": "sk-test"},
                     synthesizer=synth, frontend=frontend)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server[0] + "/v1", api_key="sk-test", max_retries=0, timeout=30)


def test_openai_client_gets_wav(client):
    response = client.audio.speech.create(model="tts-1", voice="alloy", input="你好，世界。",
                                          response_format="wav")
    with wave.open(io.BytesIO(response.content)) as w:
        assert w.getframerate() == 16000 and w.getnframes() > 0
    assert response.response.headers["X-Voice"] == "tiny/F7/neutral"


@pytest.mark.parametrize("fmt,magic", [("mp3", None), ("opus", b"OggS"), ("flac", b"fLaC"), ("pcm", None)])
def test_openai_client_formats(client, fmt, magic):
    data = client.audio.speech.create(model="tts-1", voice="nova", input="你好。", response_format=fmt).content
    assert len(data) > 100 and (magic is None or data.startswith(magic))


def test_streaming_response_and_default_format(client):
    with client.audio.speech.with_streaming_response.create(model="gpt-4o-mini-tts", voice="onyx",
                                                            input="你好。") as response:
        data = b"".join(response.iter_bytes())
        assert response.headers["Content-Type"] == "audio/mpeg"  # OpenAI's default format
        assert response.headers["X-Voice"] == "tiny/M7/neutral"
    assert len(data) > 100


@pytest.mark.parametrize("voice,instructions,expected", [
    ("default", None, "tiny/F7/neutral"),
    ("default-sad", None, "tiny/F7/sad"),
    ("tiny-angry", None, "tiny/F7/angry"),
    ("tiny", None, "tiny/F7/neutral"),
    ("nova", None, "tiny/F7/happy"),
    ("ash", None, "tiny/M7/angry"),
    ("echo", "Speak in a cheerful tone.", "tiny/M7/happy"),
    ("alloy", "用伤心的语气说", "tiny/F7/sad"),
    ("alloy", "请生气地说", "tiny/F7/angry"),
    ("nova", "whisper", "tiny/F7/happy"),  # no emotion word: the voice's mapping stays
    ("alloy", "surprised!", "tiny/F7/neutral"),  # the tiny voice has no surprise
])
def test_voice_and_instructions_pick_speaker_and_emotion(client, voice, instructions, expected):
    kwargs = {"instructions": instructions} if instructions else {}
    response = client.audio.speech.with_raw_response.create(model="tts-1", voice=voice, input="你好。",
                                                            response_format="pcm", **kwargs)
    assert response.headers["X-Voice"] == expected


@pytest.mark.parametrize("kwargs,message", [
    ({"voice": "robot"}, "unknown voice 'robot'"),
    ({"voice": "tiny-joy"}, "no emotion 'joy'"),
    ({"response_format": "aac"}, "wav"),
    ({"speed": 5.0}, "speed must be within 0.25..4"),
    ({"input": "   "}, "text is empty"),
    ({"input": "😀"}, "nothing to speak"),
])
def test_openai_errors_reach_the_client(client, kwargs, message):
    args = {"model": "tts-1", "voice": "alloy", "input": "你好。", **kwargs}
    with pytest.raises(openai.BadRequestError) as info:
        client.audio.speech.create(**args)
    assert message in info.value.message
    assert info.value.body["type"] == "invalid_request_error"


def test_wrong_key_is_401(server):
    bad = openai.OpenAI(base_url=server[0] + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.audio.speech.create(model="tts-1", voice="alloy", input="你好。")


def test_instruction_words():
    offered = ("neutral", "happy", "angry", "sad")
    assert instruction_emotion("Sound HAPPY", offered) == "happy"
    assert instruction_emotion("高兴一点", offered) == "happy"
    assert instruction_emotion("难过", offered) == "sad"
    assert instruction_emotion("calmly", offered) is None
