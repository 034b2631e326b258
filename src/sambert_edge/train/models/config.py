"""Model configs for SAM-BERT and the HiFi-GAN generator, mirroring KAN-TTS ``config.yaml``.

``SambertConfig.from_kantts`` reads ``Model.KanTtsSAMBERT.params`` (plus the vocabulary sizes that
KAN-TTS injects at load time); ``HifiGanConfig.from_kantts`` reads ``Model.Generator.params``.
Field names are the KAN-TTS yaml keys, so ``to_kantts`` round-trips a params dict.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: zh-cn linguistic vocabulary sizes (sy, tone, syllable_flag, word_segment, emotion) of the
#: ModelScope Sambert voices; speakers = len(speaker_list) + 3 (9 for the *_emo voices).
ZH_CN_VOCAB = {"sy": 147, "tone": 10, "syllable_flag": 8, "word_segment": 8, "emotion": 36}
ZH_CN_EMO_SPEAKERS = 9


def _pick(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """Keep only the keys of ``params`` that are fields of dataclass ``cls``."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in params.items() if k in names}


@dataclass(frozen=True)
class SambertConfig:
    """Hyper-parameters of ``KanTtsSAMBERT`` (defaults: KAN-TTS ``sambert_16k.yaml``, zh-cn emo voices)."""

    sy: int = ZH_CN_VOCAB["sy"]
    tone: int = ZH_CN_VOCAB["tone"]
    syllable_flag: int = ZH_CN_VOCAB["syllable_flag"]
    word_segment: int = ZH_CN_VOCAB["word_segment"]
    emotion: int = ZH_CN_VOCAB["emotion"]
    speaker: int = ZH_CN_EMO_SPEAKERS
    max_len: int = 800
    """Rows of the stored sinusoidal position table (rebuilt on the fly for longer inputs)."""
    embedding_dim: int = 512
    encoder_num_layers: int = 8
    encoder_num_heads: int = 8
    encoder_num_units: int = 128
    encoder_ffn_inner_dim: int = 1024
    encoder_dropout: float = 0.1
    encoder_attention_dropout: float = 0.1
    encoder_relu_dropout: float = 0.1
    encoder_projection_units: int = 32
    speaker_units: int = 32
    emotion_units: int = 32
    predictor_filter_size: int = 41
    predictor_fsmn_num_layers: int = 3
    predictor_num_memory_units: int = 128
    predictor_ffn_inner_dim: int = 256
    predictor_dropout: float = 0.1
    predictor_shift: int = 0
    predictor_lstm_units: int = 128
    dur_pred_prenet_units: tuple[int, ...] = (128, 128)
    dur_pred_lstm_units: int = 128
    decoder_prenet_units: tuple[int, ...] = (256, 256)
    decoder_num_layers: int = 12
    decoder_num_heads: int = 8
    decoder_num_units: int = 128
    decoder_ffn_inner_dim: int = 1024
    decoder_dropout: float = 0.1
    decoder_attention_dropout: float = 0.1
    decoder_relu_dropout: float = 0.1
    outputs_per_step: int = 3
    """Frames per decoder step (r); also the LFR grouping factor."""
    num_mels: int = 80
    """80, or 82 for the NSF variants (80 mel + f0 + uv)."""
    postnet_filter_size: int = 41
    postnet_fsmn_num_layers: int = 4
    postnet_num_memory_units: int = 256
    postnet_ffn_inner_dim: int = 512
    postnet_dropout: float = 0.1
    postnet_shift: int = 17
    postnet_lstm_units: int = 128
    NSF: bool = False
    """Informational in KAN-TTS: the NSF variant differs only by ``num_mels`` = 82."""
    SE: bool = False
    """Speaker given as an embedding vector (no ``spk_tokenizer``)."""
    MAS: bool = False
    """Monotonic alignment search at training time (not implemented here)."""
    FP: bool = False
    """Filled-pause predictor (not implemented here)."""
    prenet_dropout: float = 0.5
    """Dropout inside every Prenet (hard-coded in KAN-TTS)."""
    layer_norm_eps: float = 1e-6

    @property
    def mel_channels(self) -> int:
        """Mel bins without the NSF f0/uv channels."""
        return self.num_mels - 2 if self.NSF else self.num_mels

    @property
    def variance_input_dim(self) -> int:
        """Width of ``cat[text, spk, emo]`` fed to the variance predictors."""
        return self.encoder_projection_units + self.speaker_units + self.emotion_units

    @property
    def decoder_memory_dim(self) -> int:
        """Width of the LFR memory ``cat[text * r, spk, emo]``."""
        return self.encoder_projection_units * self.outputs_per_step + self.speaker_units + self.emotion_units

    @classmethod
    def from_kantts(cls, params: dict[str, Any], vocab: dict[str, int] | None = None) -> SambertConfig:
        """Build from a ``Model.KanTtsSAMBERT.params`` dict; ``vocab`` overrides the vocab sizes."""
        merged = dict(params)
        merged.update(vocab or {})
        if merged.get("using_byte"):
            raise ValueError("byte-input SAM-BERT (using_byte) is not supported")
        for key in ("dur_pred_prenet_units", "decoder_prenet_units"):
            if key in merged:
                merged[key] = tuple(merged[key])
        if isinstance(merged.get("predictor_shift"), list) or isinstance(merged.get("postnet_shift"), list):
            raise ValueError("per-layer FSMN shift lists are not supported")
        return cls(**_pick(cls, merged))

    @classmethod
    def from_kantts_yaml(cls, config: dict[str, Any], vocab: dict[str, int] | None = None) -> SambertConfig:
        """Build from a whole KAN-TTS AM ``config.yaml`` dict.

        The speaker table size is ``len(linguistic_unit.speaker_list) + 3`` (pad, eos, mask), as
        KAN-TTS ``KanTtsLinguisticUnit`` builds it; the other vocab sizes default to zh-cn.
        Pass ``vocab`` for other languages or legacy voices without ``@[MASK]`` (one row fewer each).
        """
        sizes: dict[str, int] = {}
        speakers = (config.get("linguistic_unit") or {}).get("speaker_list")
        if speakers:
            sizes["speaker"] = len(str(speakers).strip().split(",")) + 3
        sizes.update(vocab or {})
        return cls.from_kantts(config["Model"]["KanTtsSAMBERT"]["params"], sizes)

    def to_kantts(self) -> dict[str, Any]:
        """Inverse of :meth:`from_kantts` (lists instead of tuples)."""
        out = dataclasses.asdict(self)
        for key in ("dur_pred_prenet_units", "decoder_prenet_units"):
            out[key] = list(out[key])
        return out

    @classmethod
    def reduced(cls) -> SambertConfig:
        """A small config with the same structure and zh-cn vocab (used by the parity fixtures)."""
        return cls(
            max_len=100,
            embedding_dim=64,
            encoder_num_layers=2,
            encoder_num_heads=4,
            encoder_num_units=32,
            encoder_ffn_inner_dim=64,
            encoder_projection_units=16,
            speaker_units=8,
            emotion_units=8,
            predictor_num_memory_units=32,
            predictor_ffn_inner_dim=32,
            predictor_lstm_units=16,
            dur_pred_prenet_units=(16, 16),
            dur_pred_lstm_units=16,
            decoder_prenet_units=(32, 32),
            decoder_num_layers=2,
            decoder_num_heads=4,
            decoder_num_units=32,
            decoder_ffn_inner_dim=64,
            postnet_fsmn_num_layers=2,
            postnet_num_memory_units=32,
            postnet_ffn_inner_dim=32,
            postnet_lstm_units=16,
        )


@dataclass(frozen=True)
class NsfParams:
    """Harmonic-plus-noise source settings of the NSF HiFi-GAN (``nsf_params`` in the yaml)."""

    nb_harmonics: int = 7
    sampling_rate: int = 16000
    alpha: float = 0.1
    sigma: float = 0.003


@dataclass(frozen=True)
class HifiGanConfig:
    """Hyper-parameters of the KAN-TTS HiFi-GAN ``Generator`` (defaults: ``hifigan_v1_16k.yaml``)."""

    in_channels: int = 80
    """Mel bins; the NSF variant takes ``in_channels + 2`` input rows (mel, f0 in Hz, uv)."""
    out_channels: int = 1
    channels: int = 256
    kernel_size: int = 7
    upsample_scales: tuple[int, ...] = (10, 5, 2, 2)
    upsample_kernal_sizes: tuple[int, ...] = (20, 10, 4, 4)
    """Spelled as in the KAN-TTS yaml."""
    resblock_kernel_sizes: tuple[int, ...] = (3, 7, 11)
    resblock_dilations: tuple[tuple[int, ...], ...] = ((1, 3, 5, 7), (1, 3, 5, 7), (1, 3, 5, 7))
    repeat_upsample: bool = True
    bias: bool = True
    causal: bool = True
    nonlinear_activation: str = "LeakyReLU"
    negative_slope: float = 0.1
    """``nonlinear_activation_params.negative_slope``; the final activation uses torch's default 0.01."""
    final_negative_slope: float = 0.01
    use_weight_norm: bool = True
    nsf_params: NsfParams | None = None
    resblock_type: str = "1"
    """"1": KAN-TTS / classic V1-V2 resblock (two convs per dilation); "2": classic V3 (one conv)."""

    @property
    def hop_length(self) -> int:
        """Waveform samples per mel frame (product of the upsample scales)."""
        hop = 1
        for scale in self.upsample_scales:
            hop *= scale
        return hop

    @property
    def input_rows(self) -> int:
        """Rows of the generator input: ``in_channels`` mel bins, plus f0 and uv rows with NSF."""
        return self.in_channels + 2 if self.nsf_params is not None else self.in_channels

    @classmethod
    def from_kantts(cls, params: dict[str, Any]) -> HifiGanConfig:
        """Build from a ``Model.Generator.params`` dict (accepts ``upsample_kernel_sizes`` too)."""
        merged = dict(params)
        if "upsample_kernel_sizes" in merged:
            merged.setdefault("upsample_kernal_sizes", merged.pop("upsample_kernel_sizes"))
        act = merged.pop("nonlinear_activation_params", None) or {}
        if "negative_slope" in act:
            merged["negative_slope"] = act["negative_slope"]
        if merged.get("nonlinear_activation", "LeakyReLU") != "LeakyReLU":
            raise ValueError(f"unsupported activation {merged['nonlinear_activation']!r}")
        for key in ("upsample_scales", "upsample_kernal_sizes", "resblock_kernel_sizes"):
            if key in merged:
                merged[key] = tuple(merged[key])
        if "resblock_dilations" in merged:
            merged["resblock_dilations"] = tuple(tuple(d) for d in merged["resblock_dilations"])
        nsf = merged.get("nsf_params")
        if isinstance(nsf, dict):
            merged["nsf_params"] = NsfParams(**_pick(NsfParams, nsf))
        return cls(**_pick(cls, merged))

    @classmethod
    def from_kantts_yaml(cls, config: dict[str, Any]) -> HifiGanConfig:
        """Build from a whole KAN-TTS vocoder ``config.yaml`` dict (``Model.Generator.params``)."""
        return cls.from_kantts(config["Model"]["Generator"]["params"])

    def to_kantts(self) -> dict[str, Any]:
        """Inverse of :meth:`from_kantts`."""
        out: dict[str, Any] = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("negative_slope", "final_negative_slope", "nsf_params")
            and not (f.name == "resblock_type" and self.resblock_type == "1")  # KAN-TTS yaml has no such key
        }
        for key in ("upsample_scales", "upsample_kernal_sizes", "resblock_kernel_sizes"):
            out[key] = list(out[key])
        out["resblock_dilations"] = [list(d) for d in self.resblock_dilations]
        out["nonlinear_activation_params"] = {"negative_slope": self.negative_slope}
        if self.nsf_params is not None:
            out["nsf_params"] = dataclasses.asdict(self.nsf_params)
        return out

    @classmethod
    def reduced(cls) -> HifiGanConfig:
        """The 16 kHz causal layout with 32 channels (used by the parity fixtures)."""
        return cls(channels=32)

    @classmethod
    def classic(cls, version: str) -> HifiGanConfig:
        """The classic HiFi-GAN generators (Kong et al. 2020, configs V1/V2/V3) at 16 kHz, hop 200.

        Channel widths, resblock kernels/dilations and block types are the paper's; the upsampling
        (hop 256 at 22.05 kHz there) becomes 10x5x2x2 (V1, V2) or 10x5x4 (V3) with kernels of about
        twice the stride (11, not 10, for the 5x stage: an odd kernel-stride difference would add a
        sample per frame without the causal crop, as in KAN-TTS's non-causal 16 kHz yaml); no KAN-TTS
        repeat-upsample branch, non-causal.
        """
        common = dict(repeat_upsample=False, causal=False)
        if version in ("v1", "v2"):
            return cls(channels=512 if version == "v1" else 128, upsample_scales=(10, 5, 2, 2),
                       upsample_kernal_sizes=(20, 11, 4, 4), resblock_kernel_sizes=(3, 7, 11),
                       resblock_dilations=((1, 3, 5), (1, 3, 5), (1, 3, 5)), **common)
        if version == "v3":
            return cls(channels=256, upsample_scales=(10, 5, 4), upsample_kernal_sizes=(20, 11, 8),
                       resblock_kernel_sizes=(3, 5, 7), resblock_dilations=((1, 2), (2, 6), (3, 12)),
                       resblock_type="2", **common)
        raise ValueError(f"unknown classic HiFi-GAN version {version!r}; use v1, v2 or v3")

    @classmethod
    def noncausal_nsf_16k(cls) -> HifiGanConfig:
        """KAN-TTS ``hifigan_noncausal_nsf_v1_16k.yaml``."""
        return cls(
            upsample_kernal_sizes=(20, 11, 4, 4),
            causal=False,
            nsf_params=NsfParams(),
        )
