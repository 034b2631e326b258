"""The Wyoming server as Home Assistant sees it: a real ``sambert-edge wyoming`` process, driven by
the ``wyoming`` package's own client, on the tiny random-weight voice (noise, real contract)."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("wyoming")
with warnings.catch_warnings():
    # wyoming.audio imports the stdlib audioop (deprecated in 3.11, gone in 3.13 where wyoming uses
    # its own copy); the suite turns warnings into errors, and this one is not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    import wyoming.audio  # noqa: F401

from wyoming.audio import AudioChunk, AudioStart  # noqa: E402
from wyoming.client import AsyncTcpClient  # noqa: E402
from wyoming.error import Error  # noqa: E402
from wyoming.event import Event, async_read_event, async_write_event  # noqa: E402
from wyoming.info import Describe, Info  # noqa: E402
from wyoming.tts import (  # noqa: E402
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from sambert_edge.cli import main  # noqa: E402
from sambert_edge.wyoming.handler import SentenceSplitter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny_voice"
VOICE = json.loads((TINY / "voice.json").read_text(encoding="utf-8"))
HOST = "127.0.0.1"
TIMEOUT = 30.0
CHUNK_SAMPLES = 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(port, log path, cache dir) of one server process shared by the tests of this file."""
    tmp = tmp_path_factory.mktemp("wyoming")
    port, log_path, cache_dir = _free_port(), tmp / "server.log", tmp / "cache"
    cmd = [sys.executable, "-m", "sambert_edge", "wyoming", "--uri", f"tcp://{HOST}:{port}", "--voice", str(TINY),
           "--workers", "2", "--cache-dir", str(cache_dir)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not listen within 60 s:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield port, log_path, cache_dir
        assert proc.poll() is None, f"server died:\n{log_path.read_text()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _read(client: AsyncTcpClient) -> Event:
    event = await asyncio.wait_for(client.read_event(), TIMEOUT)
    assert event is not None, "server closed the connection"
    return event


async def _read_audio(client: AsyncTcpClient) -> tuple[AudioStart, bytes, list[Event]]:
    """Events up to audio-stop: (the audio-start, all PCM, every event seen)."""
    events = [await _read(client)]
    assert events[0].type == "audio-start", events[0]
    start = AudioStart.from_event(events[0])
    pcm = b""
    while True:
        event = await _read(client)
        events.append(event)
        if event.type == "audio-stop":
            return start, pcm, events
        assert event.type == "audio-chunk", event
        chunk = AudioChunk.from_event(event)
        assert (chunk.rate, chunk.width, chunk.channels) == (start.rate, start.width, start.channels)
        assert 0 < len(chunk.audio) <= 2 * CHUNK_SAMPLES
        pcm += chunk.audio


async def _synthesize(port: int, text: str, voice: SynthesizeVoice | None = None) -> bytes:
    async with AsyncTcpClient(HOST, port) as client:
        await client.write_event(Synthesize(text=text, voice=voice).event())
        start, pcm, _ = await _read_audio(client)
    assert (start.rate, start.width, start.channels) == (VOICE["sample_rate"], 2, 1)
    return pcm


def test_sentence_splitter_keeps_closers_and_waits_for_sentence_ends():
    splitter = SentenceSplitter(max_pending=20)
    assert splitter.add("今天天气") == []
    assert splitter.add("很好。“走吧！”他说") == ["今天天气很好。", "“走吧！”"]
    assert splitter.add("；OK?! 好\n下") == ["他说；", "OK?!", "好"]
    assert splitter.add("一句很长很长很长的话，没有句号还在继续说") == ["下一句很长很长很长的话，"]
    assert splitter.finish() == "没有句号还在继续说"
    assert splitter.finish() == ""


@pytest.mark.parametrize("args, message", [
    (["--uri", "http://127.0.0.1:1"], "tcp://"),  # checked before any model is loaded
    (["--voice", "tests/fixtures/no_such_voice"], "no voice.json"),
    (["--samples-per-chunk", "0"], "samples per chunk"),
])
def test_cli_errors_exit_2_with_a_message(args, message, capsys):
    # -v: keeps the CLI from raising the sambert_edge logger's level in this test process.
    argv = ["-v", "wyoming", "--uri", "tcp://127.0.0.1:1", "--voice", str(TINY)] + args
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_describe_lists_voices_emotions_speakers_and_streaming(server):
    port, _, _ = server

    async def go() -> Info:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Describe().event())
            return Info.from_event(await _read(client))

    info = asyncio.run(go())
    (program,) = info.tts
    assert program.name == "sambert-edge" and program.installed and program.version
    assert program.attribution.name and program.attribution.url
    assert program.supports_synthesize_streaming is True
    names = [v.name for v in program.voices]
    assert names == ["tiny"] + [f"tiny-{e}" for e in VOICE["emotions"]]
    for voice in program.voices:
        assert voice.languages == ["zh", "zh-CN"]
        assert [s.name for s in voice.speakers] == VOICE["speakers"]


def test_synthesize_every_emotion_and_speaker(server):
    port, _, _ = server

    async def go() -> dict[str, bytes]:
        out = {"default": await _synthesize(port, "今天天气很好。")}
        for emotion in VOICE["emotions"]:
            out[emotion] = await _synthesize(port, "今天天气很好。", SynthesizeVoice(name=f"tiny-{emotion}"))
        out["M7"] = await _synthesize(port, "今天天气很好。", SynthesizeVoice(name="tiny", speaker="M7"))
        return out

    audio = asyncio.run(go())
    for name, pcm in audio.items():
        assert len(pcm) > 0 and len(pcm) % 2 == 0, name
    # Random weights still give different noise per emotion/speaker: the choice reached the model.
    assert audio["default"] == audio["neutral"]
    assert audio["happy"] != audio["neutral"] and audio["M7"] != audio["default"]


def test_streaming_sends_audio_per_sentence_and_ignores_compat_synthesize(server):
    port, _, _ = server

    async def go() -> None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(SynthesizeStart(voice=SynthesizeVoice(name="tiny-sad")).event())
            await client.write_event(SynthesizeChunk(text="今天").event())
            await client.write_event(SynthesizeChunk(text="天气很好。明").event())
            # The first sentence is complete: its audio comes before we say stop.
            start, first, _ = await _read_audio(client)
            assert start.rate == VOICE["sample_rate"] and len(first) > 0
            await client.write_event(SynthesizeChunk(text="天下雨").event())
            # Home Assistant's copy for non-streaming servers: must not be spoken again.
            await client.write_event(Synthesize(text="今天天气很好。明天下雨").event())
            await client.write_event(SynthesizeStop().event())
            _, rest, _ = await _read_audio(client)
            assert len(rest) > 0
            assert (await _read(client)).type == "synthesize-stopped"
            # Nothing else is queued: the next answer is the describe's.
            await client.write_event(Describe().event())
            assert (await _read(client)).type == "info"

    asyncio.run(go())


def test_two_clients_at_once(server):
    port, _, _ = server
    texts = ["第一位客人说你好。然后说再见。", "第二位客人问现在几点了？"]

    async def go() -> list[bytes]:
        return await asyncio.gather(*(_synthesize(port, t, SynthesizeVoice(name="tiny-angry")) for t in texts))

    first, second = asyncio.run(go())
    assert len(first) > 0 and len(second) > 0 and first != second


def test_client_hanging_up_mid_stream_does_not_disturb_others(server):
    port, log_path, _ = server
    long_text = "".join(f"这是第{i}句很长的测试句子，用来让服务器一直发送音频。" for i in range(1, 40))

    async def hang_up() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        await async_write_event(Synthesize(text=long_text).event(), writer)
        first = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
        assert first is not None and first.type == "audio-start"
        assert (await asyncio.wait_for(async_read_event(reader), TIMEOUT)).type == "audio-chunk"
        # Reset, not a polite close: what a crashed or unplugged speaker does.
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def go() -> bytes:
        await hang_up()
        return await _synthesize(port, "另一个客人没有受到影响。")

    assert len(asyncio.run(go())) > 0
    # The server notices the reset on its next write and drops that connection quietly.
    deadline = time.monotonic() + 10
    while "went away during synthesize" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = log_path.read_text()
    assert "went away during synthesize" in log and "Traceback" not in log


def test_unknown_voice_or_bad_event_gets_error_and_server_lives(server):
    port, log_path, _ = server

    async def go() -> None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Synthesize(text="你好。", voice=SynthesizeVoice(name="nobody")).event())
            error = Error.from_event(await _read(client))
            assert error.code == "unknown-voice" and "tiny-happy" in error.text
            no_speaker = SynthesizeVoice(name="tiny", speaker="X")
            await client.write_event(Synthesize(text="你好。", voice=no_speaker).event())
            assert Error.from_event(await _read(client)).code == "unknown-voice"
            await client.write_event(Event(type="synthesize", data={"voice": {"name": "tiny"}}))  # no text
            assert Error.from_event(await _read(client)).code == "bad-event"
            await client.write_event(Event(type="synthesize", data={"text": "你好。", "voice": {"name": ["tiny"]}}))
            assert Error.from_event(await _read(client)).code == "bad-event"
            await client.write_event(SynthesizeChunk(text="没有开始。").event())
            assert Error.from_event(await _read(client)).code == "no-stream"
            await client.write_event(Synthesize(text="   ").event())
            assert Error.from_event(await _read(client)).code == "bad-text"
            # The same connection still works.
            await client.write_event(Describe().event())
            assert (await _read(client)).type == "info"
        assert len(await _synthesize(port, "服务器还活着。")) > 0

    asyncio.run(go())
    assert "unknown voice 'nobody'" in log_path.read_text()


def test_cache_dir_serves_repeats_from_disk(server):
    port, _, cache_dir = server

    async def go() -> tuple[bytes, bytes]:
        text = "缓存里的一句话。"
        return await _synthesize(port, text), await _synthesize(port, text)

    first, second = asyncio.run(go())
    assert first == second and len(first) > 0
    assert list(cache_dir.glob("*.pcm")), "nothing was cached"


def test_in_process_server_uses_a_duck_typed_cache_per_streamed_sentence(frontend, tmp_path):
    """``build_context`` takes any object with ``get``/``put``; streamed sentences are cached one by one."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    from wyoming.server import AsyncTcpServer

    from sambert_edge.engine import Synthesizer
    from sambert_edge.wyoming.catalog import VoiceCatalog
    from sambert_edge.wyoming.handler import SambertEventHandler
    from sambert_edge.wyoming.server import build_context

    class FakeCache:
        def __init__(self) -> None:
            self.files: dict[tuple[str, str], Path] = {}
            self.hits = 0

        def get(self, key: str, ext: str) -> Path | None:
            path = self.files.get((key, ext))
            self.hits += path is not None
            return path

        def put(self, key: str, ext: str, data: bytes) -> Path:
            path = tmp_path / f"{len(self.files)}.{ext}"
            path.write_bytes(data)
            self.files[(key, ext)] = path
            return path

    cache = FakeCache()
    synth = Synthesizer.load(TINY, frontend=frontend)
    port = _free_port()

    async def stream_once() -> bytes:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text="第一句。第二").event())
            await client.write_event(SynthesizeChunk(text="句").event())
            await client.write_event(SynthesizeStop().event())
            pcm = b""
            while (event := await _read(client)).type != "synthesize-stopped":
                if event.type == "audio-chunk":
                    assert len(AudioChunk.from_event(event).audio) <= 2 * 256
                    pcm += AudioChunk.from_event(event).audio
            return pcm

    async def go() -> tuple[bytes, bytes]:
        server = AsyncTcpServer(HOST, port)
        await server.start(partial(SambertEventHandler, context))
        try:
            return await stream_once(), await stream_once()
        finally:
            # Let the handlers see the clients' EOF and close their sockets (older wyoming's
            # stop() does not stop handlers) before asyncio.run closes the loop.
            await asyncio.sleep(0.2)
            await server.stop()

    with ThreadPoolExecutor(max_workers=2) as pool:
        context = build_context(VoiceCatalog({synth.voice.name: synth}), pool, samples_per_chunk=256, cache=cache,
                                cache_key=lambda **fields: json.dumps(fields, sort_keys=True))
        first, second = asyncio.run(go())
    assert first == second and len(first) > 0
    assert len(cache.files) == 2 and cache.hits == 2  # "第一句。" and "第二句", each made once
    # keys carry how the text is read, so a new lexicon or frontend never hears the old audio
    assert {json.loads(key)["reading"] for key, _ in cache.files} == {synth.frontend.fingerprint}
