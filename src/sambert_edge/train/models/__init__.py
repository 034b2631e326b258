"""PyTorch re-implementations of the KAN-TTS SAM-BERT acoustic model and HiFi-GAN generator.

Parameter names and shapes match KAN-TTS checkpoints so their state_dicts load with strict keys.
"""

from .checkpoint import CheckpointKeyError, load_hifigan_checkpoint, load_sambert_checkpoint
from .config import HifiGanConfig, NsfParams, SambertConfig
from .hifigan import Generator
from .sambert import KanTtsSAMBERT, SambertOutput
from .sambert_adaptor import ProsodyControl

__all__ = [
    "CheckpointKeyError",
    "Generator",
    "HifiGanConfig",
    "KanTtsSAMBERT",
    "NsfParams",
    "ProsodyControl",
    "SambertConfig",
    "SambertOutput",
    "load_hifigan_checkpoint",
    "load_sambert_checkpoint",
]
