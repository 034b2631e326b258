"""``VoiceConfig``: what a voice folder's ``voice.json`` says about its graphs (torch-free).

Everything the engine needs beyond the graphs themselves (sample rate, hop, r, the speakers and
emotions it offers, defaults) comes from here, so calling code carries no model numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import contract, nsf as nsf_lib
from .frontend.symbols import EMOTION_NAMES


PRECISIONS = ("fp32", "int8", "fp16", "mixed")
"""``voice.json`` precision: every graph fp32, every graph int8, every graph with fp16-stored weights
(fp32 arithmetic), or some of each (``quantization.json`` says which)."""


class VoiceError(ValueError):
    """A voice folder or its ``voice.json`` is missing, broken or of another contract version."""


@dataclass(frozen=True)
class VoiceConfig:
    """The parsed ``voice.json`` of one voice folder."""

    name: str
    """Voice name, e.g. ``zhitian_emo``."""
    sample_rate: int
    """Waveform samples per second."""
    hop_length: int
    """Waveform samples per mel frame (product of the vocoder upsample scales)."""
    num_mels: int
    """Rows per frame the acoustic model emits: the mel bins, plus f0 and uv (82 = 80 + 2) for NSF voices."""
    outputs_per_step: int
    """Frames per decoder step (r), also the LFR grouping factor."""
    speakers: tuple[str, ...]
    """KAN-TTS ``speaker_list``: a speaker's id (row of the speaker table) is its position here."""
    emotions: tuple[str, ...]
    """Emotion names this voice offers (a subset of ``symbols.EMOTION_NAMES``)."""
    default_speaker: str
    max_phones: int
    """Longest phone sequence the encoder's position table covers (KAN-TTS ``max_len``)."""
    contract_version: int = contract.CONTRACT_VERSION
    default_emotion: str = "neutral"
    nsf: bool = False
    """NSF voice: the acoustic model's last two rows are a normalized f0 and a voicing score, which
    the engine turns into f0 in Hz and 0/1 voicing for the NSF vocoder (:mod:`sambert_edge.nsf`)."""
    f0_denorm: dict[str, Any] | None = None
    """NSF only: how f0 is de-normalized, ``{"kind": "mvn", "mean", "std"}`` (from ``am/mvn.npy``) or
    ``{"kind": "minmax", "min", "max"}``, both with ``"floor"`` (Hz, default 30)."""
    uv_threshold: float = nsf_lib.UV_THRESHOLD
    """NSF only: voicing scores below it are unvoiced (0), the rest voiced (1)."""
    files: dict[str, str] = field(default_factory=lambda: dict(contract.GRAPH_FILES))
    """Graph role -> file name inside the voice folder."""
    precision: str = "fp32"
    model_version: str = ""
    """sha256 over the graph files (first 16 hex digits); set by the exporter."""
    sentence_silence_s: float = 0.2
    """Silence inserted between sentences by ``Synthesizer.synthesize``."""
    emotion_pace: dict[str, float] = field(default_factory=dict)
    """Emotion -> f: a sentence in that emotion lasts at least f times its neutral reading (f < 1
    still reads faster than neutral, only not faster than that). Empty for most voices; the
    bundled voice's duration predictor read short angry commands faster than its training
    renderings, and the judge heard them worse for it (recipe, stage 9)."""

    def __post_init__(self) -> None:
        unknown = [e for e in self.emotions if e not in EMOTION_NAMES]
        if unknown:
            raise VoiceError(f"voice {self.name!r}: unknown emotions {unknown}")
        if self.default_emotion not in self.emotions:
            raise VoiceError(f"voice {self.name!r}: default emotion {self.default_emotion!r} not offered")
        if self.default_speaker not in self.speakers:
            raise VoiceError(f"voice {self.name!r}: default speaker {self.default_speaker!r} not offered")
        if self.nsf:
            self._check_nsf()
        elif self.f0_denorm is not None:
            raise VoiceError(f"voice {self.name!r}: f0_denorm is only for NSF voices (nsf: true)")
        self._check_pace()
        if self.precision not in PRECISIONS:
            raise VoiceError(f"voice {self.name!r}: precision {self.precision!r} is not one of {', '.join(PRECISIONS)}")

    def _check_pace(self) -> None:
        pace = self.emotion_pace
        if not isinstance(pace, dict):
            raise VoiceError(f"voice {self.name!r}: emotion_pace must be an object of emotion -> factor")
        for emotion, factor in pace.items():
            if emotion not in self.emotions:
                raise VoiceError(f"voice {self.name!r}: emotion_pace names {emotion!r}, which the voice does "
                                 f"not offer ({', '.join(self.emotions)})")
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0.1 <= factor <= 10.0:
                raise VoiceError(f"voice {self.name!r}: emotion_pace[{emotion!r}] must be a number in 0.1..10, "
                                 f"got {factor!r}")

    def _check_nsf(self) -> None:
        if self.f0_denorm is None:
            raise VoiceError(f"voice {self.name!r}: an NSF voice needs f0_denorm (how to de-normalize f0)")
        try:
            spec = nsf_lib.check_f0_denorm(self.f0_denorm)
        except ValueError as e:
            raise VoiceError(f"voice {self.name!r}: {e}") from None
        object.__setattr__(self, "f0_denorm", spec)
        threshold = self.uv_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
            raise VoiceError(f"voice {self.name!r}: uv_threshold must be a number in (0, 1], got {threshold!r}")
        if self.num_mels <= nsf_lib.NSF_ROWS:
            raise VoiceError(f"voice {self.name!r}: an NSF voice emits mel rows plus f0 and uv; num_mels "
                             f"{self.num_mels} is too small")

    @property
    def mel_bins(self) -> int:
        """Mel bins per frame without the NSF f0/uv rows (``Audio.mel`` width)."""
        return self.num_mels - nsf_lib.NSF_ROWS if self.nsf else self.num_mels

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VoiceConfig:
        version = data.get("contract_version")
        if version != contract.CONTRACT_VERSION:
            raise VoiceError(
                f"voice.json has contract version {version!r}; this engine reads {contract.CONTRACT_VERSION}"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise VoiceError(f"voice.json has unknown keys {unknown}")
        values = dict(data)
        values["speakers"] = tuple(values.get("speakers", ()))
        values["emotions"] = tuple(values.get("emotions", ()))
        values["files"] = {**contract.GRAPH_FILES, **values.get("files", {})}
        try:
            return cls(**values)
        except TypeError as e:
            raise VoiceError(f"voice.json: {e}") from None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["speakers"] = list(self.speakers)
        out["emotions"] = list(self.emotions)
        if not self.nsf:  # non-NSF voice.json files stay as they were
            del out["f0_denorm"], out["uv_threshold"]
        if not self.emotion_pace:
            del out["emotion_pace"]
        return out

    @property
    def settings_fingerprint(self) -> str:
        """sha256 (16 hex digits) of everything ``voice.json`` says: ``model_version`` covers the
        graphs, this also the settings that change the audio without touching them (sentence
        silence, emotion pace). Audio caches key on it."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @classmethod
    def load(cls, voice_dir: str | Path) -> VoiceConfig:
        path = Path(voice_dir) / contract.VOICE_FILE
        if not path.is_file():
            raise VoiceError(f"no {contract.VOICE_FILE} in voice folder {str(voice_dir)!r}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise VoiceError(f"cannot read {path}: {e}") from None
        return cls.from_dict(data)

    def save(self, voice_dir: str | Path) -> Path:
        path = Path(voice_dir) / contract.VOICE_FILE
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def model_version(voice_dir: str | Path, files: dict[str, str]) -> str:
    """sha256 over the graph files (sorted by role), first 16 hex digits."""
    digest = hashlib.sha256()
    for role in sorted(files):
        digest.update(role.encode())
        digest.update((Path(voice_dir) / files[role]).read_bytes())
    return digest.hexdigest()[:16]


BUNDLED_VOICES = Path(__file__).parent / "voices"
"""Voice folders shipped inside the package (``sambert_edge/voices/<name>/``)."""
DEFAULT_VOICE = "default"


def bundled_voice(name: str = DEFAULT_VOICE) -> Path | None:
    """The folder of a voice shipped in the package, or None when this install has none by that name."""
    path = BUNDLED_VOICES / name
    return path if (path / "voice.json").is_file() else None


def resolve_voice(voice: str | Path | None) -> Path:
    """A ``--voice`` argument -> voice folder: None is the bundled default voice, a bare name is a
    bundled voice when one has that name, anything else is a folder path.

    Raises VoiceError when None is given and this install has no bundled voice.
    """
    if voice is None:
        path = bundled_voice()
        if path is None:
            raise VoiceError("no bundled voice is installed; pass --voice DIR (a voice folder)")
        return path
    text = str(voice)
    if "/" not in text and "\\" not in text and not Path(text).exists():
        path = bundled_voice(text)
        if path is not None:
            return path
    return Path(text)
