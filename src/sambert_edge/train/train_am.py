"""The ``train-am`` stage: teacher-forced training of the student SAM-BERT, resumable.

Losses as KAN-TTS: L1 on the decoder and postnet mels, MSE on log(d + 1) durations and on the
z-scored per-phone pitch and energy. Adam (0.9, 0.98) with warm-up and inverse-square-root decay.
``<out>/last.pt`` (model + optimiser + step, and the averaged weights) is replaced atomically every
``--save-every`` steps, so a killed job resumes where it was; ``<out>/weights.pt`` holds fp16 weights only
(what the recipe commits and the export reads). With ``--ema D`` those are an exponential moving average
of the trained weights (decay D per step), which smooths out the step-to-step noise of Adam at the learning
rates that keep an underfitting student moving. ``--adversarial W`` adds a mel discriminator's
least-squares and feature-matching terms (weight W) on the postnet output (:mod:`.mel_adversary`);
its state is kept in ``last.pt`` too. ``--decoder-feedback P`` feeds the decoder its own previous
output on a share P of the steps (parallel scheduled sampling, :class:`.models.sambert_decoder.MelPNCADecoder`):
teacher forcing alone leaves the autoregressive decoder unused to its own errors. Validation reports
the teacher-forced losses and ``free_dec`` / ``free_post``, the mel L1 with the decoder running
autoregressively on the target durations, pitch and energy (what inference gets).
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

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from .am_data import Example, Normaliser, batches, collate, epoch_examples, load_example, validation_ids
from .grow import grow_state_dict
from .mel_adversary import MelAdversary, random_windows
from .models.config import SambertConfig
from .models.sambert import KanTtsSAMBERT, SambertOutput, padding_mask
from .student import SPEAKERS, student_am_config

log = logging.getLogger(__name__)


@dataclass
class AmTrainSettings:
    steps: int = 40000
    max_frames: int = 6000
    lr: float = 1e-3
    warmup: int = 1000
    save_every: int = 200
    log_every: int = 25
    valid_every: int = 500
    valid_per_mille: float = 2.0  # of the source utterances (about 9 of 4,621), with their renderings
    seed: int = 1234
    threads: int = 1
    emotions: tuple[str, ...] = ("neutral",)
    renderings_per_epoch: int | None = None  # emotion renderings per utterance per epoch (None: all)
    repeat: dict[str, int] = dataclasses.field(default_factory=dict)  # emotion -> times each example per epoch
    size: str = "base"  # a key of student.STUDENT_SIZES
    ema: float | None = None  # decay of the weight average written to weights.pt (None: the raw weights)
    adversarial: float | None = None  # weight of the mel discriminator's terms (None: L1 only)
    adversarial_warmup: int = 200  # discriminator-only steps before its terms reach the acoustic model
    adversarial_channels: int = 32  # width of the mel discriminator
    adversarial_window: int = 64  # frames of each random window it judges
    decoder_feedback: float = 0.0  # share of decoder steps fed the decoder's own output (0: teacher forcing)
    feedback_passes: int = 1  # gradient-free passes that make that output


def learning_rate(step: int, s: AmTrainSettings) -> float:
    step = max(step, 1)
    return s.lr * min(step / s.warmup, math.sqrt(s.warmup / step))


def am_losses(model: KanTtsSAMBERT, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return am_outputs_and_losses(model, batch)[1]


def am_outputs_and_losses(model: KanTtsSAMBERT, batch: dict[str, torch.Tensor], decoder_feedback: float = 0.0,
                          feedback_passes: int = 1, free_running: bool = False
                          ) -> tuple[SambertOutput, dict[str, torch.Tensor]]:
    """The forward pass on the targets' durations, pitch and energy and its losses (``out.postnet_outputs``:
    [B, T, n_mels]); the decoder is teacher-forced unless ``free_running`` (see :meth:`KanTtsSAMBERT.forward`)."""
    out = model(
        batch["ling"], batch["emotion"], batch["speaker"],
        input_lengths=batch["input_lengths"], output_lengths=batch["output_lengths"],
        mel_targets=batch["mel"], duration_targets=batch["durations"].float(),
        pitch_targets=batch["pitch"], energy_targets=batch["energy"],
        decoder_feedback=decoder_feedback, feedback_passes=feedback_passes, free_running=free_running,
    )
    frames = ~padding_mask(batch["output_lengths"], batch["mel"].size(1))
    phones = ~padding_mask(batch["input_lengths"], batch["ling"].size(1))
    n_frames = frames.sum() * batch["mel"].size(2)
    fmask = frames.unsqueeze(-1)
    mel = batch["mel"]
    dec = (out.dec_outputs - mel).abs().masked_fill(~fmask, 0).sum() / n_frames
    post = (out.postnet_outputs - mel).abs().masked_fill(~fmask, 0).sum() / n_frames
    log_d = torch.log(batch["durations"].float() + 1.0)

    def phone_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return ((pred - target) ** 2).masked_fill(~phones, 0).sum() / phones.sum()

    losses = {
        "dec": dec,
        "post": post,
        "dur": phone_mse(out.log_duration_predictions, log_d),
        "pitch": phone_mse(out.pitch_predictions, batch["pitch"]),
        "energy": phone_mse(out.energy_predictions, batch["energy"]),
    }
    losses["total"] = sum(losses.values())
    return out, losses


def _save_atomic(obj: object, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_examples(features: Path, norm: Normaliser, emotions: tuple[str, ...],
                  speaker: str = SPEAKERS[0]) -> list[Example]:
    import numpy as np

    out = []
    for path in sorted(features.glob("*.npz")):
        with np.load(path) as z:
            if str(z["emotion"]) not in emotions:
                continue
        out.append(load_example(path, norm, SPEAKERS, speaker))
    return out


def train_am(workdir: Path, out: Path, s: AmTrainSettings, init: Path | None = None, init_step: int = 0) -> None:
    """Train (or resume from ``out/last.pt``). ``init``: a ``weights.pt`` (fp16 is fine) to start from when
    ``out`` has no ``last.pt``, e.g. the committed recipe checkpoint, of this size or a smaller one (grown
    without changing its output, :mod:`.grow`); ``init_step`` continues its LR schedule."""
    unknown = sorted(set(s.repeat) - set(s.emotions))
    if unknown:
        raise ValueError(f"--repeat names {unknown}, not among the emotions trained on {list(s.emotions)}")
    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    rng = random.Random(s.seed)
    out.mkdir(parents=True, exist_ok=True)
    features = workdir / "features"
    norm = Normaliser.load(features / "stats.json")
    config = student_am_config(s.size)
    model = KanTtsSAMBERT(config)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr, betas=(0.9, 0.98), eps=1e-9)
    step, saved_ema, saved_adversary = 0, None, None
    last = out / "last.pt"
    if last.exists():
        _check_same_model(out / "config.json", config)
        state = torch.load(last, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, saved_ema = state["step"], state.get("ema")
        saved_adversary = state.get("adversary")
        log.info("resumed at step %d", step)
    elif init is not None:
        weights = {k: v.float() for k, v in torch.load(init, map_location="cpu").items()}
        model.load_state_dict(grow_state_dict(weights, model))
        step = init_step
        grown = sum(p.numel() for p in model.parameters()) - sum(v.numel() for v in weights.values())
        log.info("initialised from %s at step %d (fresh optimizer state%s)", init, step,
                 f"; grown by {grown} parameters" if grown else "")
    if not 0.0 <= s.decoder_feedback <= 1.0 or s.feedback_passes < 1:
        raise ValueError(f"--decoder-feedback must be in [0, 1] and --feedback-passes >= 1, "
                         f"got {s.decoder_feedback} and {s.feedback_passes}")
    ema = _averaged(model, s.ema, saved_ema)
    adversary = None
    if s.adversarial is not None:
        if s.adversarial < 0:
            raise ValueError(f"--adversarial must be >= 0, got {s.adversarial}")
        adversary = MelAdversary(window=s.adversarial_window, warmup=s.adversarial_warmup,
                                 channels=s.adversarial_channels)
        if saved_adversary is not None and adversary.same_shape(saved_adversary):
            adversary.load_state_dict(saved_adversary)
        elif saved_adversary is not None:  # a new discriminator for a resumed model: warms up afresh
            log.info("the saved discriminator (%s channels, %s-frame windows) differs from the one asked for; "
                     "starting a fresh one", *MelAdversary.saved_shape(saved_adversary))
    examples = load_examples(features, norm, s.emotions)
    valid_ids = validation_ids([e.utt_id for e in examples], s.valid_per_mille)
    valid = [e for e in examples if e.utt_id in valid_ids]
    train = [e for e in examples if e.utt_id not in valid_ids]
    log.info("train-am: %d train / %d valid utterances, %.2f h, %d parameters", len(train), len(valid),
             sum(e.frames for e in train) / 80 / 3600, sum(p.numel() for p in model.parameters()))
    (out / "config.json").write_text(json.dumps({
        "am": config.to_kantts(), "speakers": list(SPEAKERS), "normaliser": norm.to_json(),
        "settings": dataclasses.asdict(s)}, indent=1))
    r = config.outputs_per_step
    model.train()
    t0, seen = time.perf_counter(), 0
    running: dict[str, tuple[float, int]] = {}
    while step < s.steps:
        epoch = epoch_examples(train, s.renderings_per_epoch, rng, s.repeat)
        for batch_examples in batches(epoch, s.max_frames, rng):
            if step >= s.steps:
                break
            for group in opt.param_groups:
                group["lr"] = learning_rate(step + 1, s)
            batch = collate(batch_examples, r)
            output, losses = am_outputs_and_losses(model, batch, s.decoder_feedback, s.feedback_passes)
            if adversary is not None:
                real, fake = random_windows(batch["mel"], output.postnet_outputs, batch["output_lengths"],
                                            adversary.window, rng)
                losses["disc"] = torch.tensor(adversary.train_discriminator(real, fake))
                if adversary.active:
                    g = adversary.generator_losses(real, fake)
                    losses.update(g)
                    losses["total"] = losses["total"] + s.adversarial * (g["adv"] + g["fm"])
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if ema is not None:
                ema.update_parameters(model)
            step += 1
            seen += 1
            for k, v in losses.items():  # the adversarial terms join after the discriminator's warm-up
                total, n = running.get(k, (0.0, 0))
                running[k] = (total + v.item(), n + 1)
            if step % s.log_every == 0:
                dt = (time.perf_counter() - t0) / seen
                log.info("step %d lr %.2e %s (%.2f s/step)", step, learning_rate(step, s),
                         " ".join(f"{k} {v / n:.4f}" for k, (v, n) in running.items()), dt)
                t0, seen, running = time.perf_counter(), 0, {}
            if step % s.save_every == 0 or step == s.steps:
                exported = (ema.module if ema is not None else model).state_dict()
                _save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                              **({"ema": exported} if ema is not None else {}),
                              **({"adversary": adversary.state_dict()} if adversary is not None else {})}, last)
                _save_atomic({k: v.half() if v.is_floating_point() else v for k, v in exported.items()},
                             out / "weights.pt")
            if step % s.valid_every == 0 and valid:
                log.info("valid at step %d: %s", step, _validate(model, valid, r))
                if ema is not None:
                    log.info("valid at step %d (average): %s", step, _validate(ema.module, valid, r))
    log.info("train-am: done at step %d", step)


def _averaged(model: KanTtsSAMBERT, decay: float | None,
              saved: dict[str, torch.Tensor] | None) -> AveragedModel | None:
    """The weight average for ``--ema``: continues the one in ``last.pt`` when there is one, else starts
    from the current weights (a run that switches averaging on midway loses nothing)."""
    if decay is None:
        return None
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"--ema must be in [0, 1), got {decay}")
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)  # a copy of model
    if saved is not None:
        ema.module.load_state_dict(saved)
    ema.n_averaged.fill_(1)  # averaged from here on, not replaced by the next step's weights
    return ema


def _check_same_model(config_json: Path, config: SambertConfig) -> None:
    """Refuse to resume a checkpoint folder trained with another student size."""
    if not config_json.exists():
        return
    saved = json.loads(config_json.read_text())
    if saved.get("am") != json.loads(json.dumps(config.to_kantts())):
        raise ValueError(f"{config_json.parent} holds a student of another size "
                         f"({saved.get('settings', {}).get('size', 'base')!r}); resume it with that --size")


@torch.no_grad()
def _validate(model: KanTtsSAMBERT, valid: list[Example], r: int) -> str:
    model.eval()
    try:
        totals: dict[str, float] = {}
        for ex in valid:
            batch = collate([ex], r)
            for k, v in am_losses(model, batch).items():
                totals[k] = totals.get(k, 0.0) + float(v) / len(valid)
            free = am_outputs_and_losses(model, batch, free_running=True)[1]
            for k in ("dec", "post"):
                totals[f"free_{k}"] = totals.get(f"free_{k}", 0.0) + float(free[k]) / len(valid)
        return " ".join(f"{k} {v:.4f}" for k, v in totals.items())
    finally:
        model.train()
