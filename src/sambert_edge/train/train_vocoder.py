"""The ``train-vocoder`` stage: the Vocos-style student vocoder on (normalised mel, audio) pairs.

The reconstruction losses pin both magnitude and phase -- multi-resolution STFT (spectral
convergence + log magnitude), L1 on the log mel, and the anti-wrapping phase losses of APNet
(instantaneous phase, group delay, instantaneous angular frequency) plus a real/imaginary L1 on the
head's spectrum at the synthesis framing (Ai & Ling, "APNet", 2023). With ``--adversarial W``
small multi-period and multi-resolution discriminators (``wave_adversary.py``) add
``W * (adv + feature_weight * fm)``. ``<out>/last.pt`` (with the discriminators' state) is replaced
atomically every ``save_every`` steps (resumable); ``<out>/weights.pt`` holds fp16 weights.
``--mels gta`` fine-tunes on the acoustic model's teacher-forced mels instead of the analysis mels.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .am_data import Normaliser
from .features import MelSettings, mel_basis
from .models.vocos import VocosConfig, VocosGenerator
from .wave_adversary import WaveAdversary

log = logging.getLogger(__name__)


@dataclass
class VocoderTrainSettings:
    steps: int = 60000
    batch: int = 16
    segment_frames: int = 32
    lr: float = 5e-4
    save_every: int = 200
    log_every: int = 50
    seed: int = 4321
    threads: int = 1
    mel_weight: float = 15.0
    stft_weight: float = 1.0
    phase_weight: float = 1.0
    ri_weight: float = 2.0
    adversarial: float = 0.0         # weight of the waveform discriminators' terms; 0 = none
    adversarial_warmup: int = 200    # discriminator-only updates before the generator hears them
    adversarial_channels: int = 16
    feature_weight: float = 2.0      # feature matching against the LSGAN term (HiFi-GAN's 2)


@dataclass
class Clip:
    utt_id: str
    mel: np.ndarray    # float32 [F, 80] normalised
    audio: np.ndarray  # int16 [F * hop]


def audio_path(workdir: Path, stem: str, emotion: str) -> Path:
    """Teacher audio of a features file: ``wavs/`` for neutral, ``emotion_wavs/`` for renderings."""
    return workdir / ("wavs" if emotion == "neutral" else "emotion_wavs") / f"{stem}.flac"


def load_clips(workdir: Path, norm: Normaliser, settings: MelSettings, emotions: tuple[str, ...] = ("neutral",),
               mel_folder: str | None = None) -> list[Clip]:
    import soundfile as sf

    clips = []
    hop = settings.hop_length
    for path in sorted((workdir / "features").glob("*.npz")):
        with np.load(path) as z:
            emotion = str(z["emotion"])
            if emotion not in emotions:
                continue
            mel = z["mel"].astype(np.float32)
        if mel_folder is not None:  # GTA mels: same frames as the analysis mel from ``start``
            gta = workdir / mel_folder / f"{path.stem}.npy"
            if not gta.exists():
                continue
            mel = np.load(gta)
            normalised = mel
        else:
            normalised = (mel - norm.mel_mean) / norm.mel_std
        audio, _ = sf.read(str(audio_path(workdir, path.stem, emotion)), dtype="int16")
        frames = min(len(normalised), len(audio) // hop)
        clips.append(Clip(path.stem, normalised[:frames].astype(np.float32), audio[: frames * hop]))
    return clips


def sample_batch(clips: list[Clip], s: VocoderTrainSettings, hop: int, rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    mels, wavs = [], []
    for _ in range(s.batch):
        clip = rng.choice(clips)
        start = rng.randrange(0, max(1, len(clip.mel) - s.segment_frames))
        mel = clip.mel[start: start + s.segment_frames]
        wav = clip.audio[start * hop: (start + s.segment_frames) * hop].astype(np.float32) / 32768.0
        if len(mel) < s.segment_frames:
            mel = np.pad(mel, ((0, s.segment_frames - len(mel)), (0, 0)), constant_values=float(mel.min()))
            wav = np.pad(wav, (0, s.segment_frames * hop - len(wav)))
        mels.append(mel.T)
        wavs.append(wav)
    return torch.from_numpy(np.stack(mels)), torch.from_numpy(np.stack(wavs))


def _stft(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    return torch.stft(x, n_fft, hop, window=torch.hann_window(n_fft), center=True, pad_mode="constant",
                      return_complex=True)


def _anti_wrap(x: torch.Tensor) -> torch.Tensor:
    return torch.abs(x - 2 * math.pi * torch.round(x / (2 * math.pi)))


class VocoderLoss:
    RESOLUTIONS = ((256, 64), (512, 128), (1024, 256), (2048, 512))

    def __init__(self, settings: MelSettings, s: VocoderTrainSettings, config: VocosConfig):
        self.s, self.config = s, config
        self.basis = torch.from_numpy(mel_basis(settings))
        self.mel_fft, self.mel_hop = settings.n_fft, settings.hop_length

    def log_mel(self, wav: torch.Tensor) -> torch.Tensor:
        mag = _stft(wav, self.mel_fft, self.mel_hop).abs()
        return torch.log(torch.clamp(self.basis @ mag, min=1e-5))

    def __call__(self, model: VocosGenerator, mel: torch.Tensor,
                 wav: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """mel [B, n_mels, F], wav [B, F * hop] -> (losses with their weighted "total", audio [B, F * hop])."""
        real, imag = model.spectrum(mel)
        pred = model.head.synthesize(real, imag).squeeze(1).clamp(-1, 1)
        losses: dict[str, torch.Tensor] = {}
        losses["mel"] = F.l1_loss(self.log_mel(pred), self.log_mel(wav))
        sc = lm = 0.0
        for n_fft, hop in self.RESOLUTIONS:
            p, t = _stft(pred, n_fft, hop).abs(), _stft(wav, n_fft, hop).abs()
            sc = sc + torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp(min=1e-6)
            lm = lm + F.l1_loss(torch.log(p.clamp(min=1e-5)), torch.log(t.clamp(min=1e-5)))
        losses["stft"] = (sc + lm) / len(self.RESOLUTIONS)
        target = _stft(wav, self.config.n_fft, self.config.hop_length)[..., : real.size(-1)]
        phase, target_phase = torch.atan2(imag, real), torch.angle(target)
        ip = _anti_wrap(phase - target_phase).mean()
        gd = _anti_wrap(torch.diff(phase, dim=1) - torch.diff(target_phase, dim=1)).mean()
        iaf = _anti_wrap(torch.diff(phase, dim=2) - torch.diff(target_phase, dim=2)).mean()
        losses["phase"] = ip + gd + iaf
        losses["ri"] = F.l1_loss(real, target.real) + F.l1_loss(imag, target.imag)
        s = self.s
        losses["total"] = (s.mel_weight * losses["mel"] + s.stft_weight * losses["stft"]
                           + s.phase_weight * losses["phase"] + s.ri_weight * losses["ri"])
        return losses, pred


def _save_atomic(obj: object, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train_vocoder(workdir: Path, out: Path, s: VocoderTrainSettings, config: VocosConfig = VocosConfig(),
                  mel_folder: str | None = None, init: Path | None = None,
                  emotions: tuple[str, ...] = ("neutral",)) -> None:
    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    rng = random.Random(s.seed)
    out.mkdir(parents=True, exist_ok=True)
    settings = MelSettings()
    norm = Normaliser.load(workdir / "features" / "stats.json")
    model = VocosGenerator(config)
    opt = torch.optim.AdamW(model.parameters(), lr=s.lr, betas=(0.8, 0.99), weight_decay=0.01)
    if s.adversarial < 0:
        raise ValueError(f"--adversarial must be >= 0, got {s.adversarial}")
    adversary = (WaveAdversary(warmup=s.adversarial_warmup, channels=s.adversarial_channels)
                 if s.adversarial > 0 else None)
    step = 0
    last = out / "last.pt"
    if last.exists():
        state = torch.load(last, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        log.info("resumed at step %d", step)
        saved = state.get("adversary")
        if adversary is not None and saved is not None and adversary.same_shape(saved):
            adversary.load_state_dict(saved)
        elif adversary is not None and saved is not None:  # fresh discriminators warm up afresh
            log.info("the saved discriminators (%s channels) differ from the ones asked for; starting fresh ones",
                     saved.get("channels"))
    elif init is not None:
        state = torch.load(init, map_location="cpu")  # a last.pt, or a (fp16) weights.pt
        model.load_state_dict({k: v.float() for k, v in state.get("model", state).items()})
        log.info("initialised from %s", init)
    clips = load_clips(workdir, norm, settings, emotions=emotions, mel_folder=mel_folder)
    log.info("train-vocoder: %d clips, %.2f h, %d parameters", len(clips),
             sum(len(c.audio) for c in clips) / settings.sample_rate / 3600, sum(p.numel() for p in model.parameters()))
    (out / "config.json").write_text(json.dumps({"vocoder": config.to_json(), "settings": dataclasses.asdict(s),
                                                 "mels": mel_folder or "analysis",
                                                 "emotions": list(emotions)}, indent=1))
    loss_fn = VocoderLoss(settings, s, config)
    model.train()
    t0, seen, running = time.perf_counter(), 0, {}
    while step < s.steps:
        decay = 0.5 * (1 + math.cos(math.pi * min(step, s.steps) / s.steps))
        lr = s.lr * min(1.0, (step + 1) / 500) * decay
        for group in opt.param_groups:
            group["lr"] = lr
        mel, wav = sample_batch(clips, s, settings.hop_length, rng)
        losses, pred = loss_fn(model, mel, wav)
        if adversary is not None:
            adversary.set_lr(s.lr * decay)  # no ramp: it must learn during its warm-up
            losses["disc"] = torch.tensor(adversary.train_discriminator(wav, pred))
            if adversary.active:
                terms = adversary.generator_losses(wav, pred)
                losses.update(terms)
                losses["total"] = losses["total"] + s.adversarial * (terms["adv"] + s.feature_weight * terms["fm"])
        opt.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        seen += 1
        for k, v in losses.items():  # (sum, count): the generator's adversarial terms start after the warm-up
            total, count = running.get(k, (0.0, 0))
            running[k] = (total + v.item(), count + 1)
        if step % s.log_every == 0:
            log.info("step %d lr %.2e %s (%.2f s/step)", step, lr,
                     " ".join(f"{k} {t / n:.4f}" for k, (t, n) in running.items()), (time.perf_counter() - t0) / seen)
            t0, seen, running = time.perf_counter(), 0, {}
        if step % s.save_every == 0 or step == s.steps:
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step}
            if adversary is not None:
                state["adversary"] = adversary.state_dict()
            _save_atomic(state, last)
            _save_atomic({k: v.half() for k, v in model.state_dict().items()}, out / "weights.pt")
    log.info("train-vocoder: done at step %d", step)
