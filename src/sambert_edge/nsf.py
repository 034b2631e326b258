"""NSF voices: the acoustic model's f0/uv rows -> the vocoder's f0 (Hz) and voicing (numpy only).

A KAN-TTS NSF SAM-BERT emits ``num_mels`` = 82 rows per frame: 80 normalized mel bins, a
normalized f0 and a voicing (uv) score. ModelScope (``models/audio/tts/voice.py`` ``denorm_f0`` and
``binarize``) turns the last two into what the NSF HiFi-GAN reads, and so does the engine:

- uv: ``0`` where ``uv < uv_threshold`` (0.6), else ``1``;
- f0, ``"mvn"`` (``nsf_norm_type: mean_std``, the default; mean/std from ``am/mvn.npy``, row 0 the
  mean, row 1 the std): ``f0 * std + mean``;
- f0, ``"minmax"`` (``nsf_norm_type: global``; ``nsf_f0_global_minimum``/``maximum``, default
  30/730 Hz): ``f0 * (max - min) + min``;
- then ``f0 < floor`` -> ``floor`` (30 Hz). f0 is *not* zeroed on unvoiced frames: the vocoder's
  source module mixes harmonics and noise by uv itself.

The vocoder input is then ``[80 mel rows, f0 in Hz, uv]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

F0_FLOOR = 30.0
"""Hz; ModelScope ``denorm_f0(f0_threshold=30)``."""
UV_THRESHOLD = 0.6
"""ModelScope ``denorm_f0(uv_threshold=0.6)`` / ``binarize(threshold=0.6)``."""
F0_GLOBAL_MIN = 30.0
"""ModelScope default of ``nsf_f0_global_minimum``."""
F0_GLOBAL_MAX = 730.0
"""ModelScope default of ``nsf_f0_global_maximum``."""
F0_DENORM_KINDS = ("mvn", "minmax")
NSF_ROWS = 2
"""Extra rows of an NSF acoustic output / vocoder input: f0 and uv (the last two)."""


def _number(spec: dict, key: str) -> float:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"f0_denorm.{key} must be a finite number, got {value!r}")
    return float(value)


def check_f0_denorm(spec: Any) -> dict[str, Any]:
    """Validate a ``voice.json`` ``f0_denorm`` object; returns it with ``floor`` filled in.

    ``{"kind": "mvn", "mean": m, "std": s[, "floor": 30]}`` or
    ``{"kind": "minmax", "min": 30, "max": 730[, "floor": 30]}``. Raises ValueError.
    """
    if not isinstance(spec, dict):
        raise ValueError(f"f0_denorm must be an object, got {spec!r}")
    kind = spec.get("kind")
    if kind not in F0_DENORM_KINDS:
        raise ValueError(f"f0_denorm.kind must be one of {', '.join(F0_DENORM_KINDS)}, got {kind!r}")
    keys = ("mean", "std") if kind == "mvn" else ("min", "max")
    unknown = sorted(set(spec) - {"kind", "floor", *keys})
    if unknown:
        raise ValueError(f"f0_denorm ({kind}) has unknown keys {unknown}")
    values = {key: _number(spec, key) for key in keys}
    if kind == "mvn" and values["std"] <= 0:
        raise ValueError(f"f0_denorm.std must be > 0, got {values['std']}")
    if kind == "minmax" and not values["min"] < values["max"]:
        raise ValueError(f"f0_denorm needs min < max, got {values['min']} / {values['max']}")
    floor = _number(spec, "floor") if "floor" in spec else F0_FLOOR
    return {"kind": kind, **values, "floor": floor}


def mvn_f0_denorm(mvn: np.ndarray, floor: float = F0_FLOOR) -> dict[str, Any]:
    """``am/mvn.npy`` (shape [2, 1] or [2]: row 0 mean, row 1 std of f0) -> an ``f0_denorm`` object."""
    mvn = np.asarray(mvn, dtype=np.float64)
    if mvn.size != 2 or mvn.shape[0] != 2:
        raise ValueError(f"mvn.npy must hold the f0 mean and std as shape [2, 1], got shape {list(mvn.shape)}")
    mean, std = (float(v) for v in mvn.reshape(2))
    return check_f0_denorm({"kind": "mvn", "mean": mean, "std": std, "floor": floor})


def minmax_f0_denorm(f0_min: float = F0_GLOBAL_MIN, f0_max: float = F0_GLOBAL_MAX,
                     floor: float = F0_FLOOR) -> dict[str, Any]:
    """The ``nsf_norm_type: global`` de-normalization as an ``f0_denorm`` object."""
    return check_f0_denorm({"kind": "minmax", "min": float(f0_min), "max": float(f0_max), "floor": floor})


def denorm_f0(f0: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Normalized f0 [F] -> Hz float32 [F] (floored at ``spec["floor"]``), as ModelScope ``denorm_f0``."""
    f0 = np.asarray(f0, dtype=np.float32)
    if spec["kind"] == "mvn":
        hz = f0 * np.float32(spec["std"]) + np.float32(spec["mean"])
    else:
        hz = f0 * np.float32(spec["max"] - spec["min"]) + np.float32(spec["min"])
    floor = np.float32(spec.get("floor", F0_FLOOR))
    return np.where(hz < floor, floor, hz).astype(np.float32)


def binarize_uv(uv: np.ndarray, threshold: float = UV_THRESHOLD) -> np.ndarray:
    """Voicing scores [F] -> float32 0/1: ``0`` where ``uv < threshold``, else ``1`` (ModelScope ``binarize``)."""
    uv = np.asarray(uv, dtype=np.float32)
    return np.where(uv < np.float32(threshold), np.float32(0.0), np.float32(1.0)).astype(np.float32)


def split_acoustic(features: np.ndarray, spec: dict[str, Any], uv_threshold: float = UV_THRESHOLD):
    """NSF acoustic output [F, mels + 2] -> (mel [F, mels], f0 Hz [F], uv 0/1 [F])."""
    features = np.asarray(features, dtype=np.float32)
    mel = np.ascontiguousarray(features[:, :-NSF_ROWS])
    return mel, denorm_f0(features[:, -2], spec), binarize_uv(features[:, -1], uv_threshold)


def vocoder_input(mel: np.ndarray, f0: np.ndarray, uv: np.ndarray, uv_threshold: float = UV_THRESHOLD) -> np.ndarray:
    """(mel [F, mels], f0 Hz [F], uv [F]) -> NSF vocoder frames [F, mels + 2]; uv is binarized again
    (a no-op on 0/1), as ModelScope ``vocoder_forward`` does."""
    mel = np.asarray(mel, dtype=np.float32)
    f0 = np.asarray(f0, dtype=np.float32).reshape(-1)
    uv = binarize_uv(np.asarray(uv).reshape(-1), uv_threshold)
    if not len(mel) == len(f0) == len(uv):
        raise ValueError(f"mel, f0 and uv frame counts differ: {len(mel)}, {len(f0)}, {len(uv)}")
    return np.concatenate([mel, f0[:, None], uv[:, None]], axis=1)


def kantts_f0_denorm(params: dict[str, Any], mvn_path: Any = None) -> dict[str, Any]:
    """The ``f0_denorm`` of a KAN-TTS NSF AM, chosen as ModelScope ``Voice.__init__`` does.

    ``params`` is ``Model.KanTtsSAMBERT.params``. ``nsf_norm_type`` ``mean_std`` (the default) reads
    ``mvn_path`` (``am/mvn.npy``; raises FileNotFoundError when absent); any other value is the
    global min/max (``nsf_f0_global_minimum``/``maximum``, default 30/730).
    """
    from pathlib import Path

    norm = params.get("nsf_norm_type", "mean_std")
    if norm == "mean_std":
        if mvn_path is None or not Path(mvn_path).is_file():
            raise FileNotFoundError(f"NSF voice with nsf_norm_type mean_std needs the f0 statistics {mvn_path}")
        return mvn_f0_denorm(np.load(mvn_path))
    return minmax_f0_denorm(params.get("nsf_f0_global_minimum", F0_GLOBAL_MIN),
                            params.get("nsf_f0_global_maximum", F0_GLOBAL_MAX))
