"""Load KAN-TTS / ModelScope checkpoints into our models with strict key matching.

Accepted containers:

* AM: ``{"model": state_dict, ...}`` (KAN-TTS ``checkpoint_<N>.pth``), legacy ModelScope
  ``pytorch_model.bin`` ``{"fsnet": state_dict}`` (values may be numpy arrays), or a bare state_dict.
* Vocoder: ``{"model": {"generator": sd, "discriminator": ...}}``, legacy ``{"generator": sd}``,
  or a bare state_dict. Legacy generator key names (``ups.{i}``, ``repeat_ups.{i}``, ``resblocks.{k}``)
  are renamed to the KAN-TTS ones.

Unlike ModelScope (``strict=False``), a missing or unexpected key is an error that lists the keys;
keys under :data:`SAMBERT_OPTIONAL_PREFIXES` can be tolerated with ``allow_optional=True``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

#: Parameters of SAM-BERT options our models do not implement (FP predictor, MAS aligner).
SAMBERT_OPTIONAL_PREFIXES = ("FP_predictor.", "align_attention.")
#: ``(pattern, replacement)`` renames from the Sep-2022 ModelScope HiFi-GAN to KAN-TTS names.
LEGACY_HIFIGAN_RENAMES = (
    (r"^ups\.(\d+)\.", r"transpose_upsamples.\1.1."),
    (r"^repeat_ups\.(\d+)\.", r"repeat_upsamples.\1."),
    (r"^resblocks\.(\d+)\.", r"conv_blocks.\1."),
)


class CheckpointKeyError(KeyError):
    """A state_dict does not match the model; ``missing``/``unexpected``/``mismatched`` list why."""

    def __init__(self, missing: list[str], unexpected: list[str], mismatched: list[str]):
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
        if mismatched:
            parts.append(f"shape mismatches ({len(mismatched)}): {', '.join(mismatched)}")
        super().__init__("checkpoint does not match the model: " + "; ".join(parts))

    def __str__(self) -> str:
        return str(self.args[0])


def _to_tensors(state: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Convert numpy values (legacy TF-converted checkpoints) and strip a DataParallel ``module.``."""
    out = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        out[key.removeprefix("module.")] = value
    return out


def sambert_state_dict(obj: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Pick the AM state_dict out of a loaded checkpoint object."""
    for key in ("model", "fsnet"):
        if isinstance(obj.get(key), Mapping):
            return _to_tensors(obj[key])
    return _to_tensors(obj)


def hifigan_state_dict(obj: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Pick the generator state_dict out of a loaded checkpoint object, renaming legacy keys."""
    if isinstance(obj.get("model"), Mapping) and isinstance(obj["model"].get("generator"), Mapping):
        state = obj["model"]["generator"]
    elif isinstance(obj.get("generator"), Mapping):
        state = obj["generator"]
    else:
        state = obj
    renamed = {}
    for key, value in _to_tensors(state).items():
        for pattern, replacement in LEGACY_HIFIGAN_RENAMES:
            key = re.sub(pattern, replacement, key)
        renamed[key] = value
    return renamed


def load_strict(
    model: nn.Module,
    state: Mapping[str, torch.Tensor],
    optional_prefixes: Iterable[str] = (),
) -> None:
    """Load ``state`` into ``model``; raise :class:`CheckpointKeyError` naming every bad key.

    Unexpected keys starting with one of ``optional_prefixes`` are ignored.
    """
    prefixes = tuple(optional_prefixes)
    expected = model.state_dict()
    missing = sorted(k for k in expected if k not in state)
    unexpected = sorted(k for k in state if k not in expected and not k.startswith(prefixes))
    mismatched = sorted(
        f"{k} {list(state[k].shape)} != {list(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    )
    if missing or unexpected or mismatched:
        raise CheckpointKeyError(missing, unexpected, mismatched)
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=True)


def _read(path: str | Path) -> Mapping[str, Any]:
    """torch.load on CPU; tries ``weights_only`` first and falls back for legacy pickles."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - legacy checkpoints pickle numpy arrays / optimizer objects
        return torch.load(path, map_location="cpu", weights_only=False)


def load_sambert_checkpoint(model: nn.Module, path: str | Path, allow_optional: bool = False) -> None:
    """Load a KAN-TTS AM checkpoint (.pth/.bin) into a ``KanTtsSAMBERT`` with strict keys."""
    prefixes = SAMBERT_OPTIONAL_PREFIXES if allow_optional else ()
    load_strict(model, sambert_state_dict(_read(path)), prefixes)


def load_hifigan_checkpoint(model: nn.Module, path: str | Path) -> None:
    """Load a KAN-TTS vocoder checkpoint into a weight-normed ``Generator`` with strict keys."""
    load_strict(model, hifigan_state_dict(_read(path)))
