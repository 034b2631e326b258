"""Convert a ModelScope Sambert-HifiGan model directory into a voice folder (``sambert-edge convert``).

Expected layout (ModelScope Dec 2022 onward, e.g. ``damo/speech_sambert-hifigan_tts_zh-cn_16k``)::

    MODEL_DIR/configuration.json                 (optional: model.sample_rate)
    MODEL_DIR/voices/voices.json                 {"voices": ["zhitian_emo", ...]}  (first = default)
    MODEL_DIR/voices/<v>/audio_config.yaml       (optional: audio_config.sampling_rate)
    MODEL_DIR/voices/<v>/am/config.yaml          Model.KanTtsSAMBERT.params, linguistic_unit.speaker_list
    MODEL_DIR/voices/<v>/am/ckpt/checkpoint_<N>.pth   (the highest N is used, as ModelScope does)
    MODEL_DIR/voices/<v>/am/mvn.npy              (NSF voices with nsf_norm_type mean_std: f0 mean, std)
    MODEL_DIR/voices/<v>/voc/config.yaml         Model.Generator.params
    MODEL_DIR/voices/<v>/voc/ckpt/checkpoint_<N>.pth  ({"model": {"generator": ...}}; highest N)

``MODEL_DIR`` may also be ``voices/`` without ``voices.json`` (every sub-folder with ``am/`` is a
voice) or one voice folder itself (``am/`` + ``voc/``). Resolving the voice (:func:`find_voice`)
needs only PyYAML; :func:`convert_modelscope` needs the ``export`` extra (torch, onnx).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..frontend.symbols import EMOTION_NAMES
from ..voice import VoiceConfig

log = logging.getLogger(__name__)

CHECKPOINT_RE = re.compile(r"^checkpoint_(\d+)\.pth$")
DEFAULT_SAMPLE_RATE = 16000
EXPORT_EXTRA_HINT = "pip install 'sambert-edge[export]'"

EMO_VOICE_EMOTIONS: tuple[str, ...] = tuple(e for e in EMOTION_NAMES if not e.startswith("placeholder"))
"""Emotions offered by the ModelScope ``*_emo`` voices when their config lists none: the named KAN-TTS
emotion types (``neutral`` .. ``dominance``, no placeholders). Which of them each voice actually
learned is documented only on the model cards; validate by listening."""

#: Top-level state_dict prefixes of ``KanTtsSAMBERT`` (to tell which checkpoint a key error is from).
_AM_KEY_PREFIXES = ("text_encoder", "spk_tokenizer", "emo_tokenizer", "variance_adaptor", "mel_decoder",
                    "mel_postnet", "FP_predictor", "align_attention")


class ConvertError(Exception):
    """The model directory cannot be converted; the message names the file, folder or option at fault."""


@dataclass(frozen=True)
class ModelScopeVoice:
    """One voice of a ModelScope model directory, resolved to the files the converter reads."""

    name: str
    voice_dir: Path
    am_config: Path
    am_checkpoint: Path
    voc_config: Path
    voc_checkpoint: Path
    sample_rate: int
    speakers: tuple[str, ...]
    emotions: tuple[str, ...]
    available: tuple[str, ...]
    """Every voice the model directory lists (``voices.json`` order)."""
    f0_denorm: dict | None = None
    """NSF voices: the f0 de-normalization for ``voice.json`` (:func:`sambert_edge.nsf.kantts_f0_denorm`)."""


@dataclass(frozen=True)
class ConvertResult:
    voice: ModelScopeVoice
    out_dir: Path
    precision: str
    config: Any
    """The written :class:`~sambert_edge.voice.VoiceConfig` (fp32 export)."""
    quantize_report: dict | None = None


def _split_list(value: Any) -> list[str]:
    """A KAN-TTS comma-separated list (``"F7,M7"``) or a YAML list -> stripped names."""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(x).strip() for x in items if str(x).strip()]


def _read_yaml(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConvertError(f"cannot read {path}: {e}") from None
    if not isinstance(data, dict):
        raise ConvertError(f"{path} is not a YAML mapping")
    return data


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConvertError(f"cannot read {path}: {e}") from None
    if not isinstance(data, dict):
        raise ConvertError(f"{path} is not a JSON object")
    return data


def newest_checkpoint(ckpt_dir: Path) -> Path:
    """The ``checkpoint_<N>.pth`` with the highest N in ``ckpt_dir`` (ModelScope ``scan_ckpt``)."""
    if not ckpt_dir.is_dir():
        raise ConvertError(f"missing checkpoint folder {ckpt_dir}")
    found = {}
    for path in ckpt_dir.iterdir():
        match = CHECKPOINT_RE.match(path.name)
        if match and path.is_file():
            found[int(match.group(1))] = path
    if not found:
        raise ConvertError(f"missing checkpoint: no checkpoint_<N>.pth in {ckpt_dir}")
    return found[max(found)]


def _list_voices(model_dir: Path) -> tuple[Path, tuple[str, ...]]:
    """(folder holding the voice folders, voice names in order; the first is the default)."""
    if not model_dir.is_dir():
        raise ConvertError(f"model directory {model_dir} does not exist or is not a directory")
    voices_root = model_dir / "voices"
    if not voices_root.is_dir() and (model_dir / "voices.json").is_file():
        voices_root = model_dir  # MODEL_DIR/voices given directly
    voices_json = voices_root / "voices.json"
    if voices_json.is_file():
        listed = _read_json(voices_json).get("voices")
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            raise ConvertError(f"{voices_json} has no non-empty \"voices\" list of names")
        return voices_root, tuple(listed)
    if voices_root.is_dir():
        names = tuple(sorted(p.name for p in voices_root.iterdir() if (p / "am").is_dir()))
        if names:
            return voices_root, names
    if (model_dir / "am").is_dir() and (model_dir / "voc").is_dir():
        return model_dir.parent, (model_dir.name,)  # one voice folder given directly
    hint = ""
    if (model_dir / "voices.zip").is_file():
        hint = " (it has voices.zip: the legacy Sep-2022 layout with pytorch_model.bin is not supported)"
    raise ConvertError(
        f"{model_dir} is not a ModelScope Sambert-HifiGan model directory: expected voices/voices.json "
        f"and voices/<name>/am, voc (or one voice folder with am/ and voc/){hint}"
    )


def _sample_rate(voice_dir: Path, model_dir: Path) -> int:
    """``audio_config.yaml`` -> ``configuration.json`` (``model.sample_rate``) -> 16000."""
    audio = voice_dir / "audio_config.yaml"
    if audio.is_file():
        data = _read_yaml(audio)
        section = data.get("audio_config") if isinstance(data.get("audio_config"), dict) else data
        for key in ("sampling_rate", "sample_rate"):
            if section.get(key):
                return int(section[key])
    configuration = model_dir / "configuration.json"
    if configuration.is_file():
        data = _read_json(configuration)
        for section in (data.get("model"), data):
            if isinstance(section, dict) and section.get("sample_rate"):
                return int(section["sample_rate"])
    return DEFAULT_SAMPLE_RATE


def _emotions(ling: dict, voice: str, am_config: Path) -> tuple[str, ...]:
    listed = ling.get("emotion_list")
    if listed:
        names = []
        for raw in _split_list(listed):
            name = raw.removeprefix("emotion_")
            if name == "none" or name in names:
                continue
            if name not in EMOTION_NAMES:
                raise ConvertError(f"{am_config}: unknown emotion {raw!r} in linguistic_unit.emotion_list")
            names.append(name)
        if "neutral" not in names:
            names.insert(0, "neutral")  # the engine's default emotion
        return tuple(names)
    if voice.endswith("_emo"):
        return EMO_VOICE_EMOTIONS
    return ("neutral",)


def find_voice(model_dir: str | Path, voice: str | None = None) -> ModelScopeVoice:
    """Resolve ``voice`` (default: the first of ``voices.json``) in a ModelScope model directory.

    Raises :class:`ConvertError` naming the missing file or folder (and the available voices).
    """
    model_dir = Path(model_dir)
    voices_root, available = _list_voices(model_dir)
    listing = ", ".join(available)
    name = available[0] if voice is None else voice
    if name not in available:
        raise ConvertError(f"unknown voice {name!r} in {model_dir}; available: {listing}")
    voice_dir = voices_root / name
    if not voice_dir.is_dir():
        raise ConvertError(f"voice {name!r} is listed but its folder {voice_dir} is missing; available: {listing}")
    for sub in ("am", "voc"):
        if not (voice_dir / sub).is_dir():
            raise ConvertError(f"voice {name!r}: missing folder {voice_dir / sub}")
    am_config, voc_config = voice_dir / "am" / "config.yaml", voice_dir / "voc" / "config.yaml"
    for path in (am_config, voc_config):
        if not path.is_file():
            raise ConvertError(f"voice {name!r}: missing {path}")
    am_yaml, voc_yaml = _read_yaml(am_config), _read_yaml(voc_config)
    params = ((am_yaml.get("Model") or {}).get("KanTtsSAMBERT") or {}).get("params")
    if not isinstance(params, dict):
        raise ConvertError(f"{am_config} has no Model.KanTtsSAMBERT.params (not a SAM-BERT acoustic model)")
    gen = ((voc_yaml.get("Model") or {}).get("Generator") or {}).get("params")
    if not isinstance(gen, dict):
        raise ConvertError(f"{voc_config} has no Model.Generator.params (not a HiFi-GAN vocoder)")
    if params.get("SE"):
        raise ConvertError(f"voice {name!r} is a speaker-embedding (SE) SAM-BERT voice ({am_config}); "
                           "exporting SE voices is not supported yet")
    f0_denorm = _nsf_f0_denorm(name, voice_dir, am_config, voc_config, params, gen)
    if int(gen.get("out_channels", 1)) != 1:
        raise ConvertError(f"voice {name!r}: multi-band (PQMF) vocoders are not supported ({voc_config})")
    ling = am_yaml.get("linguistic_unit") or {}
    language = ling.get("language", "PinYin")
    if language != "PinYin":
        raise ConvertError(f"voice {name!r} is a {language!r} voice ({am_config}); only Mandarin (PinYin) "
                           "voices match this engine's text frontend")
    speakers = tuple(_split_list(ling.get("speaker_list") or ""))
    if not speakers:
        raise ConvertError(f"{am_config} has no linguistic_unit.speaker_list")
    return ModelScopeVoice(
        name=name,
        voice_dir=voice_dir,
        am_config=am_config,
        am_checkpoint=newest_checkpoint(voice_dir / "am" / "ckpt"),
        voc_config=voc_config,
        voc_checkpoint=newest_checkpoint(voice_dir / "voc" / "ckpt"),
        sample_rate=_sample_rate(voice_dir, model_dir),
        speakers=speakers,
        emotions=_emotions(ling, name, am_config),
        available=available,
        f0_denorm=f0_denorm,
    )


def _nsf_f0_denorm(name: str, voice_dir: Path, am_config: Path, voc_config: Path, params: dict,
                   gen: dict) -> dict | None:
    """None for a plain voice; the f0 de-normalization of an NSF voice (AM ``NSF: true`` with
    ``num_mels`` 82 and a vocoder with ``nsf_params``), read as ModelScope does."""
    from .. import nsf

    am_nsf, voc_nsf = bool(params.get("NSF")), bool(gen.get("nsf_params"))
    if not am_nsf and not voc_nsf:
        return None
    if am_nsf != voc_nsf:
        which = f"the AM is NSF ({am_config}) but the vocoder has no nsf_params ({voc_config})" if am_nsf else \
            f"the vocoder is NSF ({voc_config}) but the AM is not NSF ({am_config})"
        raise ConvertError(f"voice {name!r}: {which}; both must be NSF or neither")
    mels = int(params.get("num_mels", 80))
    rows = int(gen.get("in_channels", 80)) + nsf.NSF_ROWS
    if mels != rows:
        raise ConvertError(f"voice {name!r}: the NSF AM emits {mels} rows ({am_config}) but the NSF vocoder "
                           f"reads {rows} (in_channels + f0 + uv, {voc_config})")
    mvn = voice_dir / "am" / "mvn.npy"
    try:
        return nsf.kantts_f0_denorm(params, mvn)
    except FileNotFoundError:
        raise ConvertError(f"NSF voice {name!r} (nsf_norm_type mean_std) needs its f0 statistics: "
                           f"missing {mvn}") from None
    except (OSError, ValueError) as e:
        raise ConvertError(f"NSF voice {name!r}: cannot use {mvn}: {e}") from None


def require_export_extra() -> None:
    """Raise :class:`ConvertError` when torch, onnx or PyYAML is not installed."""
    missing = [m for m in ("torch", "onnx", "yaml") if importlib.util.find_spec(m) is None]
    if missing:
        raise ConvertError(f"converting needs {', '.join(missing)}: {EXPORT_EXTRA_HINT}")


def _quantizer():
    try:
        from .quantize import quantize_voice
    except ImportError as e:
        raise ConvertError(f"--precision int8 is unavailable in this install ({e}); convert with fp32") from None
    return quantize_voice


def _check_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConvertError(f"output {out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise ConvertError(f"output folder {out_dir} is not empty (use --force to write into it)")


def _key_error_source(error: Exception, voice: ModelScopeVoice) -> str:
    keys = [*error.missing, *error.unexpected, *error.mismatched]
    if keys and all(k.split(".")[0] in _AM_KEY_PREFIXES for k in keys):
        return f"AM checkpoint {voice.am_checkpoint} does not match {voice.am_config}"
    if keys and not any(k.split(".")[0] in _AM_KEY_PREFIXES for k in keys):
        return f"vocoder checkpoint {voice.voc_checkpoint} does not match {voice.voc_config}"
    return f"checkpoints {voice.am_checkpoint} / {voice.voc_checkpoint} do not match their configs"


def _export_fp32(voice: ModelScopeVoice, out_dir: Path, name: str):
    import pickle
    import zipfile

    from .export import convert_kantts_voice
    from .models import CheckpointKeyError

    try:
        return convert_kantts_voice(
            voice.am_config, voice.am_checkpoint, voice.voc_config, voice.voc_checkpoint, out_dir,
            name=name, emotions=voice.emotions, speakers=voice.speakers, sample_rate=voice.sample_rate,
            f0_denorm=voice.f0_denorm,
        )
    except CheckpointKeyError as e:
        raise ConvertError(f"{_key_error_source(e, voice)}: {e}") from None
    except NotImplementedError as e:
        raise ConvertError(f"voice {voice.name!r} cannot be exported yet: {e}") from None
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        raise ConvertError(f"cannot load {voice.am_checkpoint} or {voice.voc_checkpoint}: {e}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ConvertError(f"voice {voice.name!r} ({voice.am_config}, {voice.voc_config}): {e}") from None


def convert_modelscope(
    model_dir: str | Path,
    out_dir: str | Path,
    *,
    voice: str | None = None,
    precision: str = "fp32",
    name: str | None = None,
    overwrite: bool = False,
) -> ConvertResult:
    """Convert one voice of a ModelScope Sambert-HifiGan model directory into ``out_dir``.

    ``precision="int8"`` exports fp32 into a temporary folder, then runs
    ``sambert_edge.train.quantize.quantize_voice(fp32_dir, out_dir)``. ``out_dir`` must be absent
    or empty unless ``overwrite``. Raises :class:`ConvertError` with a message naming the problem.
    """
    if precision not in ("fp32", "int8"):
        raise ConvertError(f"unknown precision {precision!r}; use fp32 or int8")
    require_export_extra()
    out = Path(out_dir)
    _check_out_dir(out, overwrite)
    found = find_voice(model_dir, voice)
    if precision == "int8" and found.f0_denorm is not None:
        raise ConvertError(f"voice {found.name!r} is an NSF voice: --precision int8 is not supported for NSF "
                           "voices yet; convert with fp32")
    quantize_voice = _quantizer() if precision == "int8" else None
    name = name or found.name
    log.info("converting voice %s: AM %s, vocoder %s", found.name, found.am_checkpoint, found.voc_checkpoint)
    if quantize_voice is None:
        config = _export_fp32(found, out, name)
        return ConvertResult(found, out, precision, config)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sambert-fp32-", dir=out.parent) as tmp:
        config = _export_fp32(found, Path(tmp), name)
        try:
            # out was checked above (absent, empty or --force), so the quantizer may write into it.
            report = quantize_voice(Path(tmp), out, force=True)
        except (OSError, ValueError) as e:
            raise ConvertError(f"int8 quantization of voice {found.name!r} failed: {e}") from None
    # The quantizer keeps fp32 where int8 measured worse, so the result may be int8, mixed or fp32.
    return ConvertResult(found, out, report["precision"], VoiceConfig.load(out), report)
