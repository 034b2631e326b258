"""One Wyoming connection: ``describe``, ``synthesize`` and streaming synthesis, with sentence splitting.

Events of one connection are handled one at a time (``AsyncEventHandler.run`` awaits each), so a
connection never interleaves two audio streams; the model itself runs in the server's thread pool
(``loop.run_in_executor``), so the event loop stays free for the other connections meanwhile.

Streaming (``synthesize-start`` / ``synthesize-chunk``+ / ``synthesize-stop``): text pieces are
buffered by ``SentenceSplitter``; each complete sentence is synthesized and sent at once as its own
``audio-start`` / ``audio-chunk``+ / ``audio-stop``, and ``synthesize-stop`` speaks the remainder and
answers ``synthesize-stopped``. Home Assistant also sends one plain ``synthesize`` with the whole
text inside the stream, for servers that do not stream; like wyoming-piper we ignore a plain
``synthesize`` once a connection has started streaming, or the text would be spoken twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped

from ..frontend import FrontendError
from .catalog import Selection, UnknownVoiceError, VoiceCatalog

log = logging.getLogger(__name__)

SAMPLE_WIDTH = 2
"""Bytes per sample: the audio goes out as 16-bit little-endian PCM, mono."""
SENTENCE_ENDS = frozenset("。！？!?；;\n")
CLOSERS = frozenset("”’」』）)]】》\"'")
"""Closing quotes and brackets stay with the sentence they end when they have already arrived."""
SOFT_BREAKS = frozenset("，,、：:")
MAX_PENDING_CHARS = 120
"""A stream without sentence ends is cut at its last comma beyond this, so audio does not wait
for the whole text (the frontend cuts long sentences again at prosody boundaries)."""


class SentenceSplitter:
    """Accumulates streamed text and hands out complete sentences (a sentence end and its closers)."""

    def __init__(self, max_pending: int = MAX_PENDING_CHARS) -> None:
        self._buffer = ""
        self._max_pending = max_pending

    def add(self, text: str) -> list[str]:
        """Append ``text``; return the sentences it completed, in order (possibly none)."""
        self._buffer += text
        sentences: list[str] = []
        start = 0
        i = 0
        n = len(self._buffer)
        while i < n:
            if self._buffer[i] in SENTENCE_ENDS:
                # Take runs like "？！" and a closing quote together with the sentence; what is not
                # here yet starts the next one, since waiting for it would delay the audio.
                while i + 1 < n and (self._buffer[i + 1] in SENTENCE_ENDS or self._buffer[i + 1] in CLOSERS):
                    i += 1
                sentences.append(self._buffer[start:i + 1])
                start = i + 1
            i += 1
        self._buffer = self._buffer[start:]
        if len(self._buffer) > self._max_pending:
            cut = max((j for j, ch in enumerate(self._buffer) if ch in SOFT_BREAKS), default=-1)
            if cut > 0:
                sentences.append(self._buffer[:cut + 1])
                self._buffer = self._buffer[cut + 1:]
        return [s for s in (x.strip() for x in sentences) if s]

    def finish(self) -> str:
        """The text left over (no sentence end yet); the buffer is emptied."""
        rest, self._buffer = self._buffer.strip(), ""
        return rest


def speakable(text: str) -> bool:
    """False for pieces with no letter or digit (a lone quote or emoji between two sentence ends)."""
    return any(ch.isalnum() for ch in text)


class BadEventError(ValueError):
    """An event of a known type whose data does not fit it (missing or mistyped fields)."""


def _parse(kind: Any, event: Event) -> Any:
    """``kind.from_event(event)``, with malformed data raised as ``BadEventError``."""
    if event.data is None:
        # A data-less synthesize-start (sent so by wyoming 1.7's own client) means "all defaults".
        event = Event(type=event.type, data={}, payload=event.payload)
    try:
        parsed = kind.from_event(event)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise BadEventError(f"bad {event.type} event: {e!r}") from None
    if not isinstance(getattr(parsed, "text", ""), str):
        raise BadEventError(f"bad {event.type} event: text must be a string")
    voice = getattr(parsed, "voice", None)
    if voice is not None and not all(isinstance(v, (str, type(None))) for v in (voice.name, voice.speaker)):
        raise BadEventError(f"bad {event.type} event: voice name and speaker must be strings")
    return parsed


@dataclass(frozen=True)
class ServerContext:
    """What every connection of one server shares; built once by ``server.py``."""

    catalog: VoiceCatalog
    executor: Executor
    info_event: Event
    samples_per_chunk: int = 1024
    cache: Any = None
    """None, or an object with ``get(key, ext) -> Path | None`` and ``put(key, ext, data) -> Path | None``
    (``service.cache.FileCache``)."""
    cache_key: Callable[..., str] | None = None
    """``service.cache.cache_key`` (or any function of keyword fields -> key); needed with ``cache``."""


@dataclass
class _Stream:
    """State of one streaming request (between ``synthesize-start`` and ``synthesize-stop``)."""

    selection: Selection | None
    """None when the start named an unknown voice: the error was sent and the chunks are dropped."""
    splitter: SentenceSplitter


class SambertEventHandler(AsyncEventHandler):
    """Answers the events of one client connection; see the module docstring."""

    def __init__(self, context: ServerContext, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.context = context
        self.peer = writer.get_extra_info("peername")
        self._stream: _Stream | None = None
        self._has_streamed = False

    async def handle_event(self, event: Event) -> bool:
        """Handle one event; False closes the connection (only when the client has gone)."""
        try:
            await self._dispatch(event)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            # The client hung up while we were sending: nothing to answer, and nothing shared
            # was touched, so the other connections carry on.
            log.info("client %s went away during %s: %s", self.peer, event.type, e)
            return False
        except BadEventError as e:
            # A malformed event (missing "text", wrong types): tell the client, keep serving it.
            log.error("client %s: %s", self.peer, e)
            return await self._try_error(str(e), "bad-event")
        except Exception:
            log.exception("failed to handle %s event from %s", event.type, self.peer)
            return await self._try_error(f"internal error while handling {event.type}", "internal-error")
        return True

    async def disconnect(self) -> None:
        """Close our side of the socket: wyoming 1.7 leaves it open (one leaked fd per connection)."""
        self._stream = None
        self.writer.close()

    async def _dispatch(self, event: Event) -> None:
        if Describe.is_type(event.type):
            await self.write_event(self.context.info_event)
        elif Synthesize.is_type(event.type):
            if self._stream is not None or self._has_streamed:
                log.debug("ignoring synthesize from %s: it streams (this is the compatibility copy)", self.peer)
                return
            request = _parse(Synthesize, event)
            selection = await self._select(request.voice)
            if selection is not None:
                await self._speak_text(request.text, selection)
        elif SynthesizeStart.is_type(event.type):
            start = _parse(SynthesizeStart, event)
            self._stream = _Stream(await self._select(start.voice), SentenceSplitter())
            self._has_streamed = True
        elif SynthesizeChunk.is_type(event.type):
            chunk = _parse(SynthesizeChunk, event)
            if self._stream is None:
                await self._send_error("synthesize-chunk without synthesize-start", "no-stream")
                return
            for sentence in self._stream.splitter.add(chunk.text):
                await self._speak_sentence(sentence, trailing_silence=True)
        elif SynthesizeStop.is_type(event.type):
            if self._stream is None:
                await self._send_error("synthesize-stop without synthesize-start", "no-stream")
                return
            rest = self._stream.splitter.finish()
            if rest:
                await self._speak_sentence(rest, trailing_silence=False)
            self._stream = None
            await self.write_event(SynthesizeStopped().event())
        else:
            log.debug("ignoring %s event from %s", event.type, self.peer)

    # --- errors ---------------------------------------------------------------------------------
    async def _select(self, voice) -> Selection | None:
        try:
            return self.context.catalog.select(voice)
        except UnknownVoiceError as e:
            log.error("client %s: %s", self.peer, e)
            await self._send_error(str(e), "unknown-voice")
            return None

    async def _send_error(self, text: str, code: str) -> None:
        await self.write_event(Error(text=text, code=code).event())

    async def _try_error(self, text: str, code: str) -> bool:
        try:
            await self._send_error(text, code)
        except ConnectionError:
            return False
        return True

    # --- speaking -------------------------------------------------------------------------------
    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.context.executor, fn, *args)

    def _key(self, text: str, selection: Selection) -> str | None:
        if self.context.cache is None or self.context.cache_key is None:
            return None
        voice = selection.synth.voice
        return self.context.cache_key(kind="wyoming-pcm16", text=text, voice=voice.name,
                                      model_version=voice.model_version,
                                      voice_settings=voice.settings_fingerprint, emotion=selection.emotion,
                                      speaker=selection.speaker, sample_rate=voice.sample_rate,
                                      reading=selection.synth.frontend.fingerprint)

    async def _cached(self, key: str | None) -> bytes | None:
        if key is None:
            return None
        path = await self._run(self.context.cache.get, key, "pcm")
        if path is None:
            return None
        try:
            return await self._run(path.read_bytes)
        except OSError:
            return None  # evicted by another process between get and read: a miss

    async def _store(self, key: str | None, pcm: bytes) -> None:
        if key is not None and pcm:
            await self._run(self.context.cache.put, key, "pcm", pcm)

    async def _speak_text(self, text: str, selection: Selection) -> None:
        """A plain ``synthesize``: one audio stream, each sentence sent as soon as it is made."""
        key = self._key(text, selection)
        cached = await self._cached(key)
        if cached is not None:
            await self._send_audio(cached, selection.sample_rate)
            return
        synth = selection.synth
        try:
            # stream() checks the options and reads the text before any audio is made, so a bad
            # text gets an error event instead of a truncated audio stream.
            sentences = await self._run(lambda: synth.stream(text, emotion=selection.emotion,
                                                             speaker=selection.speaker))
        except (FrontendError, ValueError) as e:
            log.error("client %s: cannot speak %r: %s", self.peer, text[:80], e)
            await self._send_error(str(e), "bad-text")
            return
        rate = selection.sample_rate
        gap = bytes(SAMPLE_WIDTH * int(round(synth.voice.sentence_silence_s * rate)))
        parts: list[bytes] = []
        await self.write_event(AudioStart(rate=rate, width=SAMPLE_WIDTH, channels=1).event())
        while True:
            audio = await self._run(next, sentences, None)
            if audio is None:
                break
            pcm = (gap if parts else b"") + audio.to_pcm16().astype("<i2").tobytes()
            parts.append(pcm)
            await self._send_chunks(pcm, rate)
        await self.write_event(AudioStop().event())
        await self._store(key, b"".join(parts))

    async def _speak_sentence(self, sentence: str, trailing_silence: bool) -> None:
        """One sentence of a stream, as its own audio-start/chunks/stop; unreadable pieces are skipped."""
        stream = self._stream
        if stream is None or stream.selection is None or not speakable(sentence):
            return
        selection = stream.selection
        key = self._key(sentence, selection)
        pcm = await self._cached(key)
        if pcm is None:
            synth = selection.synth
            try:
                audio = await self._run(lambda: synth.synthesize(sentence, emotion=selection.emotion,
                                                                 speaker=selection.speaker))
            except (FrontendError, ValueError) as e:
                # One odd piece of a long (LLM) answer should not end the whole answer.
                log.warning("client %s: skipping unreadable sentence %r: %s", self.peer, sentence[:80], e)
                return
            pcm = audio.to_pcm16().astype("<i2").tobytes()
            await self._store(key, pcm)
        if trailing_silence:
            # The pause a plain synthesize puts between sentences, so streamed speech sounds the same.
            voice = selection.synth.voice
            pcm += bytes(SAMPLE_WIDTH * int(round(voice.sentence_silence_s * voice.sample_rate)))
        await self._send_audio(pcm, selection.sample_rate)

    async def _send_audio(self, pcm: bytes, rate: int) -> None:
        await self.write_event(AudioStart(rate=rate, width=SAMPLE_WIDTH, channels=1).event())
        await self._send_chunks(pcm, rate)
        await self.write_event(AudioStop().event())

    async def _send_chunks(self, pcm: bytes, rate: int) -> None:
        step = SAMPLE_WIDTH * self.context.samples_per_chunk
        for offset in range(0, len(pcm), step):
            chunk = AudioChunk(rate=rate, width=SAMPLE_WIDTH, channels=1, audio=pcm[offset:offset + step])
            await self.write_event(chunk.event())
