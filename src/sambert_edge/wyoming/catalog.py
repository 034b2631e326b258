"""The voices a Wyoming server offers, the ``info`` it describes them with, and voice selection.

Wyoming has no notion of emotion, only voices (and speakers within a voice). Home Assistant shows
the voice list in its TTS settings, so each emotion is offered as a voice of its own: a voice
folder named ``zhitian_emo`` with emotions neutral/happy/... appears as ``zhitian_emo`` (its
default emotion) and ``zhitian_emo-neutral``, ``zhitian_emo-happy``, ... Speakers are listed as
``TtsVoiceSpeaker`` entries of every one of those voices and chosen with ``voice.speaker``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice, TtsVoiceSpeaker
from wyoming.tts import SynthesizeVoice

from .. import __version__

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "zh-CN")
"""What every voice speaks: the frontend reads Mandarin (Latin letters are spelled out)."""
PROGRAM_NAME = "sambert-edge"
ATTRIBUTION_NAME = "sambert-edge (SAM-BERT + HiFi-GAN, KAN-TTS design)"
ATTRIBUTION_URL = "https://github.com/alibaba-damo-academy/KAN-TTS"
EMOTION_SEPARATOR = "-"


class UnknownVoiceError(ValueError):
    """A request named a voice (or speaker) this server does not offer; the message lists them."""


@dataclass(frozen=True)
class Selection:
    """What one request is synthesized with: a loaded voice, and its emotion and speaker."""

    voice_name: str
    """The Wyoming voice name that was asked for (or the default), for logs and cache keys."""
    synth: Any
    """A ``Synthesizer`` (anything with ``voice``, ``stream`` and ``synthesize``)."""
    emotion: str | None
    """None: the voice's default emotion."""
    speaker: str | None
    """None: the voice's default speaker."""

    @property
    def sample_rate(self) -> int:
        return self.synth.voice.sample_rate


class VoiceCatalog:
    """Loaded synthesizers by ``voice.json`` name (the first is the default) and their Wyoming names.

    Built once per process; read-only afterwards, so every connection may share it.
    """

    def __init__(self, synthesizers: Mapping[str, Any]) -> None:
        if not synthesizers:
            raise ValueError("a Wyoming server needs at least one voice")
        self._synths = dict(synthesizers)
        # Wyoming name -> (voice.json name, emotion or None for the voice's default).
        self._names: dict[str, tuple[str, str | None]] = {}
        for name, synth in self._synths.items():
            self._add(name, name, None)
            for emotion in synth.voice.emotions:
                self._add(f"{name}{EMOTION_SEPARATOR}{emotion}", name, emotion)

    def _add(self, wyoming_name: str, voice: str, emotion: str | None) -> None:
        # Two folders could produce one name ("a-happy" the voice vs voice "a" + emotion happy);
        # refusing at start-up beats answering with the wrong voice later.
        if wyoming_name in self._names:
            raise ValueError(f"two voices would be offered as {wyoming_name!r}; rename one voice folder's voice")
        self._names[wyoming_name] = (voice, emotion)

    @classmethod
    def load(cls, voices: Iterable[str | Path], threads: int = 1, frontend: Any = None) -> VoiceCatalog:
        """Open each voice folder (or bundled voice name) once; raises ``VoiceError`` for a bad one."""
        from ..engine import Synthesizer
        from ..voice import VoiceError, resolve_voice

        synths: dict[str, Any] = {}
        for voice in voices:
            path = resolve_voice(voice)
            synth = Synthesizer.load(path, threads=threads, frontend=frontend)
            if synth.voice.name in synths:
                raise VoiceError(f"two voices are named {synth.voice.name!r}; voice names must be unique")
            synths[synth.voice.name] = synth
            log.info("loaded voice %s from %s (%d Hz, emotions %s, speakers %s)", synth.voice.name, path,
                     synth.voice.sample_rate, ",".join(synth.voice.emotions), ",".join(synth.voice.speakers))
        return cls(synths)

    # --- what is offered ------------------------------------------------------------------------
    @property
    def default(self) -> str:
        """The first voice loaded."""
        return next(iter(self._synths))

    @property
    def synthesizers(self) -> dict[str, Any]:
        return dict(self._synths)

    @property
    def names(self) -> list[str]:
        """Every Wyoming voice name, in the order ``info`` lists them."""
        return list(self._names)

    def info(self) -> Info:
        """The answer to ``describe``: one TTS program whose voices are voice x emotion."""
        # Made per call: wyoming's dataclasses are mutable, so none is kept at module level.
        attribution = Attribution(name=ATTRIBUTION_NAME, url=ATTRIBUTION_URL)
        voices = []
        for wyoming_name, (name, emotion) in self._names.items():
            config = self._synths[name].voice
            label = emotion or f"{config.default_emotion}, default"
            voices.append(TtsVoice(
                name=wyoming_name,
                description=f"{name} ({label})",
                attribution=attribution,
                installed=True,
                version=config.model_version or None,
                languages=list(LANGUAGES),
                speakers=[TtsVoiceSpeaker(name=s) for s in config.speakers],
            ))
        program = TtsProgram(
            name=PROGRAM_NAME,
            description="Offline Mandarin Chinese text-to-speech with emotions (SAM-BERT + HiFi-GAN on onnxruntime)",
            attribution=attribution,
            installed=True,
            version=__version__,
            voices=voices,
            supports_synthesize_streaming=True,
        )
        return Info(tts=[program])

    # --- choosing -------------------------------------------------------------------------------
    def select(self, voice: SynthesizeVoice | None) -> Selection:
        """The voice, emotion and speaker a request's ``voice`` field asks for.

        No voice, or only a language, gives the default voice: every voice speaks Mandarin, and a
        client asking for another language is better served by our voice than by an error (Home
        Assistant only routes a pipeline here when its language matches ``LANGUAGES``).

        Raises ``UnknownVoiceError`` for a name or speaker this server does not offer.
        """
        wyoming_name = voice.name if voice is not None and voice.name else self.default
        if wyoming_name not in self._names:
            raise UnknownVoiceError(f"unknown voice {wyoming_name!r}; this server offers: {', '.join(self._names)}")
        name, emotion = self._names[wyoming_name]
        synth = self._synths[name]
        speaker = voice.speaker if voice is not None and voice.speaker else None
        if speaker is not None and speaker not in synth.voice.speakers:
            raise UnknownVoiceError(
                f"unknown speaker {speaker!r} for voice {wyoming_name!r}; it has: {', '.join(synth.voice.speakers)}")
        if voice is not None and voice.language and voice.language.lower() not in {x.lower() for x in LANGUAGES}:
            log.debug("language %r asked for; speaking Mandarin with %s", voice.language, wyoming_name)
        return Selection(voice_name=wyoming_name, synth=synth, emotion=emotion, speaker=speaker)
