"""Export a ``KanTtsSAMBERT`` + HiFi-GAN ``Generator`` pair into a voice folder (ONNX + voice.json).

Each graph of :mod:`sambert_edge.contract` comes from a small wrapper module around the trained
sub-modules (no patched ``forward``); :func:`check_parity` runs the engine on the exported
folder and compares its mel with ``KanTtsSAMBERT`` inference on the same symbols.
"""

from __future__ import annotations

import copy
import logging
import math
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import contract as C
from ..voice import VoiceConfig, model_version
from .models import Generator, KanTtsSAMBERT

log = logging.getLogger(__name__)


class EncoderGraph(nn.Module):
    """Embeddings, text encoder, emotion/speaker tables, pitch/energy predictors and embeddings."""

    def __init__(self, model: KanTtsSAMBERT):
        super().__init__()
        self.model = model

    def forward(self, ling, emotion, emotion_ref, speaker, emotion_weight, pitch_scale, pitch_shift, energy_scale):
        """ling: int64 [1, T, 4]; emotion, emotion_ref, speaker: int64 [1, T]; scalars: float32 [1].

        Returns text_aug [1, T, P], speaker_emb [1, T, S], emotion_emb [1, T, E],
        duration_cond [1, T, P+S+E], pitch [1, T], energy [1, T].
        """
        m = self.model
        va = m.variance_adaptor
        text = m.text_encoder(ling)
        emo = emotion_weight * m.emo_tokenizer(emotion) + (1 - emotion_weight) * m.emo_tokenizer(emotion_ref)
        spk = m.speaker_hidden(speaker)
        predictor_in = torch.cat([text, spk, emo], dim=-1)
        pitch = va.pitch_predictor(predictor_in)
        energy = va.energy_predictor(predictor_in)
        pitch_used = pitch * pitch_scale + pitch_shift
        energy_used = energy * energy_scale
        text_aug = (
            text
            + va.pitch_emb(pitch_used.unsqueeze(1)).transpose(1, 2)
            + va.energy_emb(energy_used.unsqueeze(1)).transpose(1, 2)
        )
        cond = torch.cat([text_aug, spk, emo], dim=-1)
        return text_aug, spk, emo, cond, pitch, energy


class DurationStepGraph(nn.Module):
    """One step of ``VarRnnARPredictor.infer`` with the LSTM state passed explicitly."""

    def __init__(self, model: KanTtsSAMBERT):
        super().__init__()
        self.predictor = model.variance_adaptor.duration_predictor

    def forward(self, prev, cond, h, c):
        """prev: [1, 1, 1]; cond: [1, 1, C]; h, c: [2, 1, U] -> log_duration [1, 1], h_out, c_out."""
        x, (h, c) = self.predictor.lstm(torch.cat([self.predictor.prenet(prev), cond], dim=-1), (h, c))
        return torch.relu(self.predictor.fc(x).squeeze(-1)), h, c


class DecoderMemoryGraph(nn.Module):
    """Length-regulated gather + duration position encoding + LFR grouping + memory K/V."""

    def __init__(self, model: KanTtsSAMBERT):
        super().__init__()
        self.model = model

    def forward(self, text_aug, speaker_emb, emotion_emb, frame_phone, frame_valid, frame_position):
        """text_aug [1, T, P], speaker_emb [1, T, S], emotion_emb [1, T, E]; frame_*: [F'].

        Returns memory [1, M, r*P+S+E], h_k and h_v [L, H, M, D].
        """
        m = self.model
        valid = frame_valid.view(1, -1, 1)
        text = text_aug[:, frame_phone] * valid
        spk = speaker_emb[:, frame_phone] * valid
        emo = emotion_emb[:, frame_phone] * valid
        inv = m.variance_adaptor.dur_position_encoder.inv_timescales
        angles = frame_position[None, :, None] / inv[None, None, :]
        even = (torch.arange(angles.size(-1)) % 2 == 0).view(1, 1, -1)
        text = text + torch.where(even, torch.sin(angles), torch.cos(angles))
        memory = m.lfr_memory(text, spk, emo)
        h_k, h_v = m.mel_decoder.mel_dec.memory_kv(memory)
        return memory, h_k, h_v


class DecoderStepGraph(nn.Module):
    """``HybridAttentionDecoder.decoder_step``: one PNCA step with ring-buffer x K/V caches."""

    def __init__(self, model: KanTtsSAMBERT):
        super().__init__()
        self.decoder = model.mel_decoder.mel_dec

    def forward(self, prev_frame, memory_step, h_k, h_v, x_k, x_v, step, h_band_width):
        """Shapes: see :mod:`sambert_edge.contract` (decoder_step). Returns frames [1, 1, r*mels], x_k, x_v."""
        return self.decoder.decoder_step(prev_frame, memory_step, h_k, h_v, x_k, x_v, step, h_band_width)


class PostnetGraph(nn.Module):
    """dec [1, F, mels] -> dec + postnet(dec). Valid frames only: zero padding equals KAN-TTS masking."""

    def __init__(self, model: KanTtsSAMBERT):
        super().__init__()
        self.postnet = model.mel_postnet

    def forward(self, dec):
        return self.postnet(dec) + dec


def _export(module: nn.Module, args: tuple, path: Path, inputs, outputs, dynamic_axes) -> None:
    with warnings.catch_warnings():
        # The tracer warns about shape-dependent Python ints it is told to keep dynamic.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # Slices with a step (LFR grouping) are left to onnxruntime to fold.
        warnings.filterwarnings("ignore", message="Constant folding - Only steps=1", category=UserWarning)
        # Batch is 1 by contract and the duration LSTM takes h0/c0 as inputs.
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size", category=UserWarning)
        torch.onnx.export(
            module.eval(), args, str(path), input_names=list(inputs), output_names=list(outputs),
            dynamic_axes=dynamic_axes, opset_version=C.OPSET, dynamo=False,
        )


def _scalar(value: float) -> torch.Tensor:
    return torch.tensor([value], dtype=torch.float32)


def export_acoustic(model: KanTtsSAMBERT, out_dir: Path, files: dict[str, str]) -> None:
    """Write the five acoustic graphs of ``model`` (eval mode, fp32) into ``out_dir``."""
    cfg = model.config
    T, r = 6, cfg.outputs_per_step
    ids = torch.zeros(1, T, dtype=torch.long)
    ling = torch.zeros(1, T, 4, dtype=torch.long)
    enc_args = (ling, ids, ids, ids, _scalar(1.0), _scalar(1.0), _scalar(0.0), _scalar(1.0))
    phones = {1: "T"}
    _export(
        EncoderGraph(model), enc_args, out_dir / files["encoder"], C.ENCODER_INPUTS, C.ENCODER_OUTPUTS,
        {C.ENC_LING: phones, C.ENC_EMOTION: phones, C.ENC_EMOTION_REF: phones, C.ENC_SPEAKER: phones,
         **{name: phones for name in C.ENCODER_OUTPUTS}},
    )
    with torch.no_grad():
        text_aug, spk, emo, cond, _, _ = EncoderGraph(model).eval()(*enc_args)
    units = cfg.dur_pred_lstm_units
    state = torch.zeros(2, 1, units)
    _export(
        DurationStepGraph(model), (torch.zeros(1, 1, 1), cond[:, :1], state, state),
        out_dir / files["duration_step"], C.DURATION_INPUTS, C.DURATION_OUTPUTS, None,
    )
    frames = 4 * r
    frame_phone = torch.arange(frames) % T
    mem_args = (text_aug, spk, emo, frame_phone, torch.ones(frames), torch.arange(1, frames + 1).float())
    frames_axis = {0: "F"}
    _export(
        DecoderMemoryGraph(model), mem_args, out_dir / files["decoder_memory"],
        C.DECODER_MEMORY_INPUTS, C.DECODER_MEMORY_OUTPUTS,
        {C.MEM_TEXT_AUG: phones, C.MEM_SPEAKER_EMB: phones, C.MEM_EMOTION_EMB: phones,
         C.MEM_FRAME_PHONE: frames_axis, C.MEM_FRAME_VALID: frames_axis, C.MEM_FRAME_POS: frames_axis,
         C.MEM_MEMORY: {1: "M"}, C.MEM_H_K: {2: "M"}, C.MEM_H_V: {2: "M"}},
    )
    dec = model.mel_decoder.mel_dec
    with torch.no_grad():
        memory, h_k, h_v = DecoderMemoryGraph(model).eval()(*mem_args)
        x_k, x_v = dec.init_x_cache(1, 2, memory)
    step_args = (torch.zeros(1, 1, cfg.num_mels), memory[:, :1], h_k, h_v, x_k, x_v,
                 torch.tensor(0, dtype=torch.long), torch.tensor(2, dtype=torch.long))
    _export(
        DecoderStepGraph(model), step_args, out_dir / files["decoder_step"],
        C.DECODER_STEP_INPUTS, C.DECODER_STEP_OUTPUTS,
        {C.STEP_H_K: {2: "M"}, C.STEP_H_V: {2: "M"}, C.STEP_X_K: {2: "W"}, C.STEP_X_V: {2: "W"},
         C.STEP_X_K_OUT: {2: "W"}, C.STEP_X_V_OUT: {2: "W"}},
    )
    _export(
        PostnetGraph(model), (torch.zeros(1, frames, cfg.num_mels),), out_dir / files["postnet"],
        (C.POST_DEC,), (C.POST_MEL,), {C.POST_DEC: {1: "F"}, C.POST_MEL: {1: "F"}},
    )


def export_vocoder(generator: nn.Module, path: Path) -> None:
    """Write the vocoder graph: a HiFi-GAN ``Generator`` (weight norm folded on a copy; ``generator``
    is left untouched) or a ``VocosGenerator``."""
    from .models.vocos import VocosGenerator

    if isinstance(generator, VocosGenerator):
        mel = torch.zeros(1, generator.config.input_rows, 8)
        _export(copy.deepcopy(generator).eval(), (mel,), path, (C.VOC_MEL,), (C.VOC_WAV,),
                {C.VOC_MEL: {2: "F"}, C.VOC_WAV: {2: "S"}})
        return
    gen = copy.deepcopy(generator).eval()
    if gen.config.use_weight_norm:
        gen.remove_weight_norm()
    mel = torch.zeros(1, gen.config.input_rows, 8)
    if gen.config.nsf_params is None:
        _export(gen, (mel,), path, (C.VOC_MEL,), (C.VOC_WAV,), {C.VOC_MEL: {2: "F"}, C.VOC_WAV: {2: "S"}})
        return
    waves = gen.config.nsf_params.nb_harmonics + 1
    mel[:, -2] = 200.0  # f0 in Hz
    phase = torch.zeros(1, waves, 1)
    noise = torch.zeros(1, waves, 8 * gen.config.hop_length)
    _export(NsfVocoderGraph(gen), (mel, phase, noise), path, (C.VOC_MEL, C.VOC_NSF_PHASE, C.VOC_NSF_NOISE),
            (C.VOC_WAV,), {C.VOC_MEL: {2: "F"}, C.VOC_NSF_NOISE: {2: "S"}, C.VOC_WAV: {2: "S"}})


class NsfVocoderGraph(nn.Module):
    """NSF HiFi-GAN with the source module's random phases and noise as inputs (the engine draws them)."""

    def __init__(self, generator: Generator):
        super().__init__()
        self.generator = generator

    def forward(self, mel, phase, noise):
        """mel [1, mels + 2, F] (f0 Hz, uv 0/1 last); phase [1, K, 1]; noise [1, K, F * hop] -> wav [1, 1, F * hop]."""
        return self.generator(mel, phase, noise)


def export_voice(
    model: KanTtsSAMBERT,
    generator: nn.Module,
    out_dir: str | Path,
    *,
    name: str,
    speakers: tuple[str, ...],
    emotions: tuple[str, ...],
    sample_rate: int,
    default_speaker: str | None = None,
    sentence_silence_s: float = 0.2,
    f0_denorm: dict | None = None,
    emotion_pace: dict[str, float] | None = None,
) -> VoiceConfig:
    """Export ``model`` + ``generator`` into ``out_dir`` (created) and write its ``voice.json``.

    ``speakers`` is the KAN-TTS ``speaker_list`` (speaker id = position); ``emotions`` the emotion
    names the voice offers. NSF voices (an NSF AM with 82 rows and an NSF HiFi-GAN) need
    ``f0_denorm`` (see :mod:`sambert_edge.nsf`); ``emotion_pace`` goes to ``voice.json`` as it is
    (``VoiceConfig.emotion_pace``). Returns the written :class:`VoiceConfig`.
    """
    cfg = model.config
    if cfg.SE:
        raise NotImplementedError("speaker-embedding (SE) SAM-BERT voices are not exportable yet")
    nsf = getattr(generator.config, "nsf_params", None) is not None
    if cfg.NSF != nsf:
        raise ValueError("an NSF SAM-BERT needs an NSF HiFi-GAN vocoder and vice versa "
                         f"(AM NSF {cfg.NSF}, vocoder nsf_params {'set' if nsf else 'absent'})")
    if nsf and f0_denorm is None:
        raise ValueError("an NSF voice needs f0_denorm (f0 mean/std from am/mvn.npy, or the global min/max)")
    if len(speakers) > cfg.speaker:
        raise ValueError(f"{len(speakers)} speakers but the speaker table has {cfg.speaker} rows")
    unknown = sorted(set(emotion_pace or {}) - set(emotions))
    if unknown:  # checked before any graph is written
        raise ValueError(f"emotion_pace names {unknown}, which the voice does not offer ({', '.join(emotions)})")
    if generator.config.input_rows != cfg.num_mels:
        raise ValueError(f"vocoder reads {generator.config.input_rows} mel rows, the AM emits {cfg.num_mels}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = dict(C.GRAPH_FILES)
    model = model.eval()
    with torch.no_grad():
        export_acoustic(model, out, files)
        export_vocoder(generator, out / files["vocoder"])
    voice = VoiceConfig(
        name=name,
        sample_rate=sample_rate,
        hop_length=generator.config.hop_length,
        num_mels=cfg.num_mels,
        outputs_per_step=cfg.outputs_per_step,
        speakers=tuple(speakers),
        emotions=tuple(emotions),
        default_speaker=default_speaker or speakers[0],
        max_phones=cfg.max_len,
        files=files,
        model_version=model_version(out, files),
        sentence_silence_s=sentence_silence_s,
        nsf=nsf,
        f0_denorm=f0_denorm if nsf else None,
        emotion_pace=dict(emotion_pace or {}),
    )
    voice.save(out)
    log.info("exported voice %s to %s (model version %s)", name, out, voice.model_version)
    return voice


def torch_mel(model: KanTtsSAMBERT, ling: np.ndarray, emotion: np.ndarray, speaker: np.ndarray,
              duration_scale: float = 1.0, pitch_shift: float = 0.0, energy_scale: float = 1.0) -> np.ndarray:
    """Reference ``KanTtsSAMBERT`` inference. ling int64 [T, 4]; emotion, speaker int64 [T]. Returns [F, mels]."""
    with torch.no_grad():
        out = model.eval()(
            torch.from_numpy(ling)[None], torch.from_numpy(emotion)[None], torch.from_numpy(speaker)[None],
            duration_scale=duration_scale, pitch_shift=pitch_shift, energy_scale=energy_scale,
        )
    return out.postnet_outputs[0, : int(out.lengths[0])].numpy()


def check_parity(model: KanTtsSAMBERT, voice_dir: str | Path, symbols: str, atol: float = 1e-3,
                 speed: float = 1.0, pitch: float = 0.0, energy: float = 1.0) -> float:
    """Max abs mel difference between the exported voice (onnxruntime) and ``model`` on ``symbols``.

    Raises AssertionError when the frame counts differ or the difference exceeds ``atol``.
    """
    from ..engine import Synthesizer

    synth = Synthesizer.load(voice_dir)
    ids = synth.encode_symbols(symbols, emotion=None, speaker=None)
    mel_onnx = synth.acoustic.mel(ids, speed=speed, pitch=pitch, energy=energy, intensity=1.0)
    mel_torch = torch_mel(model, ids.ling, ids.emotion, ids.speaker, 1.0 / speed, pitch, energy)
    if mel_onnx.shape != mel_torch.shape:
        raise AssertionError(f"mel shapes differ: onnx {mel_onnx.shape} vs torch {mel_torch.shape}")
    diff = float(np.abs(mel_onnx - mel_torch).max()) if mel_torch.size else 0.0
    if not diff <= atol or math.isnan(diff):
        raise AssertionError(f"mel max abs diff {diff:.3g} > {atol}")
    return diff


def _read_config(path: str | Path) -> dict:
    """A KAN-TTS ``config.yaml`` (or the same layout as JSON)."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        import json

        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def convert_kantts_voice(
    am_config: str | Path,
    am_checkpoint: str | Path,
    voc_config: str | Path,
    voc_checkpoint: str | Path,
    out_dir: str | Path,
    *,
    name: str,
    emotions: tuple[str, ...] = ("neutral",),
    speakers: tuple[str, ...] | None = None,
    sample_rate: int = 16000,
    f0_denorm: dict | None = None,
) -> VoiceConfig:
    """KAN-TTS / ModelScope checkpoints (``am/config.yaml``, ``am/ckpt/checkpoint_N.pth``, ``voc/...``)
    -> voice folder. ``speakers`` defaults to the AM config's ``linguistic_unit.speaker_list``.
    NSF voices: ``f0_denorm`` defaults to what ModelScope uses (``mvn.npy`` beside ``am_config``,
    or the config's global min/max; :func:`sambert_edge.nsf.kantts_f0_denorm`)."""
    from ..nsf import kantts_f0_denorm
    from .models import HifiGanConfig, SambertConfig, load_hifigan_checkpoint, load_sambert_checkpoint

    am_yaml = _read_config(am_config)
    am_params = am_yaml["Model"]["KanTtsSAMBERT"]["params"]
    if am_params.get("NSF") and f0_denorm is None:
        f0_denorm = kantts_f0_denorm(am_params, Path(am_config).parent / "mvn.npy")
    if speakers is None:
        listed = (am_yaml.get("linguistic_unit") or {}).get("speaker_list")
        if not listed:
            raise ValueError(f"{am_config} has no linguistic_unit.speaker_list; pass the speakers")
        speakers = tuple(s.strip() for s in str(listed).split(","))
    model = KanTtsSAMBERT(SambertConfig.from_kantts_yaml(am_yaml))
    load_sambert_checkpoint(model, am_checkpoint)
    generator = Generator(HifiGanConfig.from_kantts_yaml(_read_config(voc_config)))
    load_hifigan_checkpoint(generator, voc_checkpoint)
    return export_voice(model.eval(), generator.eval(), out_dir, name=name, speakers=speakers,
                        emotions=emotions, sample_rate=sample_rate, f0_denorm=f0_denorm)


def main(argv: list[str] | None = None) -> int:
    """``python -m sambert_edge.train.export AM_CONFIG AM_CKPT VOC_CONFIG VOC_CKPT OUT_DIR --name N``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m sambert_edge.train.export",
                                     description="Convert KAN-TTS SAM-BERT + HiFi-GAN checkpoints to a voice folder.")
    for arg in ("am_config", "am_checkpoint", "voc_config", "voc_checkpoint", "out_dir"):
        parser.add_argument(arg)
    parser.add_argument("--name", required=True)
    parser.add_argument("--emotions", default="neutral", help="comma-separated emotion names the voice offers")
    parser.add_argument("--speakers", help="comma-separated speaker_list (default: from the AM config)")
    parser.add_argument("--sample-rate", type=int, default=16000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(1)
    try:
        voice = convert_kantts_voice(
            args.am_config, args.am_checkpoint, args.voc_config, args.voc_checkpoint, args.out_dir,
            name=args.name, emotions=tuple(args.emotions.split(",")),
            speakers=tuple(args.speakers.split(",")) if args.speakers else None, sample_rate=args.sample_rate,
        )
    except (OSError, ValueError, KeyError, NotImplementedError) as e:
        print(f"export: {e}", file=sys.stderr)
        return 1
    print(f"{args.out_dir}: voice {voice.name}, model version {voice.model_version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
