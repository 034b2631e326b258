"""``Synthesizer``: text or KAN-TTS symbols -> ``Audio`` on onnxruntime (numpy + onnxruntime only).

    synth = Synthesizer.load("voices/zhitian_emo")
    audio = synth.synthesize("今天天气很好。", emotion="happy")
    open("out.wav", "wb").write(audio.to_wav_bytes())
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import contract as C
from . import nsf
from .acoustic import AcousticModel, EncodedSentence, encode_units
from .audio import Audio
from .frontend.symbols import LinguisticUnit, parse_symbols, with_emotion
from .voice import VoiceConfig, VoiceError

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class SynthesisOptions:
    """Per-request knobs; ``None`` means the voice default."""

    emotion: str | None = None
    """One of the voice's emotions (``VoiceConfig.emotions``)."""
    speaker: str | None = None
    """One of the voice's speakers."""
    speed: float = 1.0
    """> 1 is faster: predicted durations are divided by it before rounding."""
    pitch: float = 0.0
    """Shift of the predicted (normalized) pitch, in units of the training pitch std."""
    energy: float = 1.0
    """Factor on the predicted (normalized) energy."""
    intensity: float = 1.0
    """Emotion strength: 0 = neutral embedding, 1 = the emotion's own, > 1 exaggerates."""

    def check(self, voice: VoiceConfig) -> None:
        """Raise ValueError naming the valid values when an option does not fit ``voice``."""
        if self.emotion is not None and self.emotion not in voice.emotions:
            raise ValueError(f"unknown emotion {self.emotion!r}; voice {voice.name!r} offers: {', '.join(voice.emotions)}")
        if self.speaker is not None and self.speaker not in voice.speakers:
            raise ValueError(f"unknown speaker {self.speaker!r}; voice {voice.name!r} has: {', '.join(voice.speakers)}")
        if not 0.1 <= self.speed <= 10.0:
            raise ValueError(f"speed must be within 0.1..10, got {self.speed}")
        if not 0.0 <= self.energy <= 10.0:
            raise ValueError(f"energy must be within 0..10, got {self.energy}")
        if not -10.0 <= self.pitch <= 10.0:
            raise ValueError(f"pitch must be within -10..10, got {self.pitch}")
        if not 0.0 <= self.intensity <= 3.0:
            raise ValueError(f"intensity must be within 0..3, got {self.intensity}")


class Synthesizer:
    """Frontend + acoustic model + vocoder of one voice folder. Thread-safe after ``load``."""

    def __init__(self, voice: VoiceConfig, acoustic: AcousticModel, vocoder: ort.InferenceSession, frontend=None):
        self.voice = voice
        self.acoustic = acoustic
        self.vocoder = vocoder
        self._frontend = frontend
        self._frontend_lock = threading.Lock()

    @classmethod
    def load(cls, voice_dir: str | Path, threads: int = 1, frontend=None) -> Synthesizer:
        """Read ``voice.json`` and open every graph once. ``frontend`` defaults to ``Frontend()`` (made lazily)."""
        voice_dir = Path(voice_dir)
        voice = VoiceConfig.load(voice_dir)
        missing = [name for name in voice.files.values() if not (voice_dir / name).is_file()]
        if missing:
            raise VoiceError(f"voice folder {str(voice_dir)!r} lacks {', '.join(missing)}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        acoustic = AcousticModel.load(voice, voice_dir, options)
        vocoder = ort.InferenceSession(
            str(voice_dir / voice.files["vocoder"]), options, providers=["CPUExecutionProvider"]
        )
        return cls(voice, acoustic, vocoder, frontend)

    @property
    def frontend(self):
        """The text frontend; ``Frontend()`` is made on first use (loading it takes a second)."""
        with self._frontend_lock:
            if self._frontend is None:
                from .frontend import Frontend

                self._frontend = Frontend()
        return self._frontend

    # --- ids ------------------------------------------------------------------------------------
    def encode_units(self, units: list[LinguisticUnit], speaker: str | None) -> EncodedSentence:
        """Units -> ids. ``speaker`` (default: the voice's) replaces every unit's speaker field."""
        return encode_units(units, self.voice.speakers, speaker or self.voice.default_speaker)

    def encode_symbols(self, symbols: str, emotion: str | None = None, speaker: str | None = None) -> EncodedSentence:
        """A KAN-TTS symbol string (``{phone$tone$...}`` units) -> ids; ``emotion`` rewrites phone emotions."""
        units = parse_symbols(symbols)
        if emotion is not None:
            units = with_emotion(units, emotion)
        return self.encode_units(units, speaker)

    # --- audio ----------------------------------------------------------------------------------
    NSF_SEED = 0
    """Seed of the NSF source module's phases and noise: drawn afresh, identically, for each
    ``vocode`` call, so the same frames always give the same samples."""

    def vocode(self, mel: np.ndarray, f0: np.ndarray | None = None, uv: np.ndarray | None = None) -> np.ndarray:
        """mel float32 [F, num_mels] -> samples float32 [F * hop].

        NSF voices take either the acoustic output as it is ([F, num_mels], normalized f0 and the
        voicing score in the last two rows, converted here) or ``mel`` [F, mel bins] with ``f0`` in
        Hz and ``uv`` (as ``Audio.mel``/``f0``/``uv`` hold them).
        """
        if not self.voice.nsf:
            if f0 is not None or uv is not None:
                raise ValueError(f"voice {self.voice.name!r} is not an NSF voice: it takes no f0/uv")
            if len(mel) == 0:
                return np.zeros(0, np.float32)
            (wav,) = self.vocoder.run(None, {self.vocoder.get_inputs()[0].name: np.ascontiguousarray(mel.T[None])})
            return wav.reshape(-1)
        if f0 is None and uv is None and mel.shape[1] == self.voice.num_mels:
            mel, f0, uv = nsf.split_acoustic(mel, self.voice.f0_denorm, self.voice.uv_threshold)
        if f0 is None or uv is None or mel.shape[1] != self.voice.mel_bins:
            raise ValueError(f"NSF voice {self.voice.name!r} vocodes [F, {self.voice.num_mels}] acoustic frames, "
                             f"or [F, {self.voice.mel_bins}] mel frames with f0 and uv")
        return self._vocode_nsf(nsf.vocoder_input(mel, f0, uv, self.voice.uv_threshold))

    def _vocode_nsf(self, frames: np.ndarray) -> np.ndarray:
        """NSF vocoder frames [F, mels + 2] (f0 in Hz, uv 0/1) -> samples [F * hop]."""
        if len(frames) == 0:
            return np.zeros(0, np.float32)
        shapes = {i.name: i.shape for i in self.vocoder.get_inputs()}
        waves = int(shapes[C.VOC_NSF_PHASE][1])
        rng = np.random.default_rng(self.NSF_SEED)
        phase = rng.uniform(-np.pi, np.pi, (1, waves, 1)).astype(np.float32)
        phase[:, 0] = 0.0
        noise = rng.standard_normal((1, waves, len(frames) * self.voice.hop_length), dtype=np.float32)
        (wav,) = self.vocoder.run(None, {
            C.VOC_MEL: np.ascontiguousarray(frames.T[None]), C.VOC_NSF_PHASE: phase, C.VOC_NSF_NOISE: noise,
        })
        return wav.reshape(-1)

    def _render(self, ids: EncodedSentence, o: SynthesisOptions) -> Audio:
        mel = self.acoustic.mel(ids, speed=o.speed, pitch=o.pitch, energy=o.energy, intensity=o.intensity)
        if self.voice.nsf:
            mel, f0, uv = nsf.split_acoustic(mel, self.voice.f0_denorm, self.voice.uv_threshold)
            return Audio(self.vocode(mel, f0, uv), self.voice.sample_rate, mel, f0, uv)
        return Audio(self.vocode(mel), self.voice.sample_rate, mel)

    def _options(self, **kwargs) -> SynthesisOptions:
        options = SynthesisOptions(**kwargs)
        options.check(self.voice)
        return options

    def stream(self, text: str, emotion: str | None = None, speaker: str | None = None, speed: float = 1.0,
               pitch: float = 0.0, energy: float = 1.0, intensity: float = 1.0) -> Iterator[Audio]:
        """One ``Audio`` per frontend sentence, made as the iterator advances.

        Raises ValueError on bad options and ``FrontendError`` on text the frontend cannot read
        here, at the call, before any audio is made (a service can still answer 400).
        """
        o = self._options(emotion=emotion, speaker=speaker, speed=speed, pitch=pitch, energy=energy,
                          intensity=intensity)
        sentences = self.frontend.analyze(text).sentences
        emo = o.emotion or self.voice.default_emotion
        speaker_name = o.speaker or self.voice.default_speaker
        units = [sentence.units(emo, speaker_name) for sentence in sentences]
        return (self._render(self.encode_units(u, o.speaker), o) for u in units)

    def synthesize(self, text: str, emotion: str | None = None, speaker: str | None = None, speed: float = 1.0,
                   pitch: float = 0.0, energy: float = 1.0, intensity: float = 1.0) -> Audio:
        """All sentences of ``text`` joined with ``voice.sentence_silence_s`` of silence."""
        parts = list(self.stream(text, emotion, speaker, speed, pitch, energy, intensity))
        return Audio.concat(parts, self.voice.sentence_silence_s)

    def synthesize_symbols(self, symbols: str, emotion: str | None = None, speaker: str | None = None,
                           speed: float = 1.0, pitch: float = 0.0, energy: float = 1.0,
                           intensity: float = 1.0) -> Audio:
        """One sentence given as a KAN-TTS symbol string. ``emotion=None`` keeps the symbols' emotions."""
        o = self._options(emotion=emotion, speaker=speaker, speed=speed, pitch=pitch, energy=energy,
                          intensity=intensity)
        return self._render(self.encode_symbols(symbols, o.emotion, o.speaker), o)
