"""PyTorch re-implementations of the KAN-TTS SAM-BERT acoustic model and HiFi-GAN generator.

Parameter names and shapes match KAN-TTS checkpoints so their state_dicts load with strict keys.
Names load lazily, so listing this package (e.g. ``pkgutil.walk_packages``) does not import torch.
"""

from importlib import import_module

_LAZY = {
    "CheckpointKeyError": ".checkpoint", "load_hifigan_checkpoint": ".checkpoint",
    "load_sambert_checkpoint": ".checkpoint",
    "HifiGanConfig": ".config", "NsfParams": ".config", "SambertConfig": ".config",
    "Generator": ".hifigan",
    "KanTtsSAMBERT": ".sambert", "SambertOutput": ".sambert",
    "ProsodyControl": ".sambert_adaptor",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
