"""``python -m sambert_edge.train STAGE ...``: the training pipeline's stages.

This module builds the command line (one subcommand per stage, in the order the recipe runs them:
``recipes/default_voice/README.md``) and configures logging, here only; ``stages`` holds what each
stage runs and the defaults they share.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .stages import (CPP_SENTENCES, DEFAULT_ARCHIVE, DEFAULT_FRONTEND, DEFAULT_WORKDIR, DEV_SENTENCES,
                     cmd_teacher_check, cmd_corpus_text, cmd_corpus, cmd_corpus_pack, cmd_corpus_unpack,
                     cmd_corpus_merge, cmd_judge, cmd_align, cmd_train_am, cmd_train_vocoder, cmd_gta,
                     cmd_export, cmd_emotions, cmd_random_modelscope, cmd_evaluate, cmd_compare,
                     cmd_error_budget, cmd_plot_alignment)
from .student import STUDENT_SIZES


def _setup_logging(log_file: str | None, verbose: bool) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:  # jieba sets its own logger to DEBUG when imported, so filter here
        handler.addFilter(_quiet_libraries)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _quiet_libraries(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith(("jieba", "faster_whisper"))


def shard_arg(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N) with 0 <= K < N (argparse type of ``emotions --shard``)."""
    try:
        k, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N (e.g. 0/2)") from None
    if not 0 <= k < n:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 <= K < N")
    return k, n


def repeat_arg(text: str) -> tuple[str, int]:
    """``EMOTION=K`` -> (emotion, K) with K >= 1 (argparse type of ``train-am --repeat``)."""
    emotion, _, count = text.partition("=")
    try:
        k = int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not EMOTION=K (e.g. angry=2)") from None
    if not emotion or k < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: need an emotion and K >= 1")
    return emotion, k


def pace_arg(text: str) -> dict[str, float]:
    """``export --emotion-pace``: '' or 'none' -> {}, 'angry=0.92,happy=0.97' -> dict."""
    if text.strip() in ("", "none"):
        return {}
    pace = {}
    for item in text.split(","):
        emotion, _, value = item.partition("=")
        try:
            pace[emotion.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r} is not EMOTION=FACTOR (e.g. angry=0.92)") from None
        if not emotion.strip():
            raise argparse.ArgumentTypeError(f"{item!r}: need an emotion before '='")
    return pace


def runs_arg(text: str) -> int:
    """A count of runs: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 or more runs")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sambert_edge.train", description=__doc__.split("\n")[0])
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--log-file", help="also log to this file")
    sub = p.add_subparsers(dest="stage", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--workdir", default=DEFAULT_WORKDIR, help="outside the repository (default: %(default)s)")
        sp.add_argument("--threads", type=int, default=1, help="onnxruntime/CTranslate2 threads (default 1)")

    def voice(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--style", default="jf_gongitsune", help="Kokoro style (jf_gongitsune; jm_kumo male)")
        sp.add_argument("--speed", type=float, default=1.0)
        sp.add_argument("--frontend", default=DEFAULT_FRONTEND,
                        help="frontend as module:Class or file.py:Class (default: %(default)s)")

    sp = sub.add_parser("teacher-check", help="teacher CER and RTF on the dev sentences, inputs (a) misaki / (b) frontend")
    common(sp)
    voice(sp)
    sp.add_argument("--sentences", default=DEV_SENTENCES)
    sp.add_argument("--inputs", nargs="+", default=["misaki", "frontend"], choices=["misaki", "frontend"])
    sp.add_argument("--out", help="JSON report, merged with an existing one (default: WORKDIR/reports/teacher_cer.json)")
    sp.add_argument("--limit", type=int)
    sp.set_defaults(func=cmd_teacher_check)

    sp = sub.add_parser("corpus-text", help="select the training sentences (TSV utt_id<TAB>text)")
    sp.add_argument("--out", default=f"{DEFAULT_WORKDIR}/sentences.tsv")
    sp.add_argument("--cpp", default=CPP_SENTENCES)
    sp.add_argument("--exclude", default=DEV_SENTENCES, help="held-out sentences never used for training")
    sp.add_argument("--target", type=int, default=6000)
    sp.add_argument("--seed", type=int, default=20261123)
    sp.add_argument("--min-chars", type=int, default=6)
    sp.add_argument("--max-chars", type=int, default=40)
    sp.add_argument("--id-prefix", default="", help="before every utt_id, so that a second list for the same work "
                    "folder never reuses the first one's ids (e.g. short_)")
    sp.set_defaults(func=cmd_corpus_text)

    sp = sub.add_parser("corpus", help="teacher audio (16 kHz FLAC) + manifest.jsonl, resumable")
    common(sp)
    voice(sp)
    sp.add_argument("--sentences", default=f"{DEFAULT_WORKDIR}/sentences.tsv")
    sp.add_argument("--phonemes", default="frontend", choices=["frontend", "misaki"],
                    help="teacher input: (b) our frontend's spoken pinyin, or (a) misaki G2P")
    sp.add_argument("--limit", type=int)
    sp.set_defaults(func=cmd_corpus)

    sp = sub.add_parser("corpus-pack", help="append one Ogg Opus shard with the utterances no shard holds yet")
    sp.add_argument("--workdir", action="append",
                    help=f"corpus work folder; repeat to merge several (default {DEFAULT_WORKDIR})")
    sp.add_argument("--archive", default=DEFAULT_ARCHIVE, help="folder of shard-NNNN.tar")
    sp.add_argument("--opus-level", type=float, help="libsndfile Opus compression level 0..1 (default: corpus_archive.OPUS_LEVEL)")
    sp.add_argument("--min-new", type=int, default=1, help="write no shard for fewer new utterances")
    sp.set_defaults(func=cmd_corpus_pack)

    sp = sub.add_parser("corpus-unpack", help="restore the archived corpus into a work folder (then resume corpus)")
    sp.add_argument("--workdir", default=DEFAULT_WORKDIR)
    sp.add_argument("--archive", default=DEFAULT_ARCHIVE)
    sp.set_defaults(func=cmd_corpus_unpack)

    sp = sub.add_parser("corpus-merge", help="one training folder (manifest + linked wavs) over parallel corpus runs")
    sp.add_argument("--workdir", action="append", required=True, help="corpus work folder; repeat")
    sp.add_argument("--out", required=True)
    sp.add_argument("--sentences", help="order entries as in this TSV (so align --limit N is stable)")
    sp.set_defaults(func=cmd_corpus_merge)

    sp = sub.add_parser("judge", help="Whisper CER of audio files <utt_id>.flac|.wav against a TSV")
    common(sp)
    sp.add_argument("--audio", required=True, help="folder of <utt_id>.flac or .wav (16 or 24 kHz)")
    sp.add_argument("--sentences", required=True, help="TSV utt_id<TAB>reference text")
    sp.add_argument("--out", help="JSON report path")
    sp.add_argument("--limit", type=int)
    sp.set_defaults(func=cmd_judge)

    sp = sub.add_parser("align", help="teacher durations -> per-unit frames + mel/f0/energy features, resumable")
    common(sp)
    sp.add_argument("--frontend", default=DEFAULT_FRONTEND)
    sp.add_argument("--limit", type=int)
    sp.add_argument("--recompute-stats", action="store_true",
                    help="rewrite features/stats.json (kept by default: trained models depend on it)")
    sp.set_defaults(func=cmd_align)

    sp = sub.add_parser("emotions", help="prosodic emotion renderings (WORLD) of the aligned neutral corpus")
    common(sp)
    sp.add_argument("--emotions", default="happy,sad,angry")
    sp.add_argument("--limit", type=int)
    sp.add_argument("--shard", type=shard_arg, default=(0, 1), metavar="K/N",
                    help="render only the K-th of every N utterances (run N processes, K = 0..N-1)")
    sp.set_defaults(func=cmd_emotions)

    sp = sub.add_parser("train-am", help="train the student SAM-BERT on the aligned features (resumes from OUT/last.pt)")
    common(sp)
    sp.add_argument("--out", default=f"{DEFAULT_WORKDIR}/am", help="checkpoint folder (default: %(default)s)")
    sp.add_argument("--steps", type=int, default=40000)
    sp.add_argument("--max-frames", type=int, default=6000, help="padded mel frames per batch")
    sp.add_argument("--lr", type=float, default=1e-3)
    sp.add_argument("--save-every", type=int, default=200)
    sp.add_argument("--emotions", default="neutral", help="comma-separated emotions to train on")
    sp.add_argument("--renderings-per-epoch", type=int, metavar="K",
                    help="emotion renderings drawn per utterance per epoch (default: all)")
    sp.add_argument("--repeat", type=repeat_arg, action="append", default=[], metavar="EMOTION=K",
                    help="put each example of EMOTION K times into every epoch (repeatable; e.g. angry=2)")
    sp.add_argument("--size", default="base", choices=sorted(STUDENT_SIZES),
                    help="student size (default: %(default)s); --init may be a smaller size, grown into this one")
    sp.add_argument("--init", help="weights.pt to start from when OUT has no last.pt (e.g. the recipe checkpoint)")
    sp.add_argument("--init-step", type=int, default=0, help="step the --init weights were saved at")
    sp.add_argument("--ema", type=float, metavar="DECAY",
                    help="write an exponential moving average of the weights (decay per step, e.g. 0.999) to "
                         "weights.pt instead of the last step's weights")
    sp.add_argument("--adversarial", type=float, metavar="W",
                    help="add a mel discriminator's LSGAN + feature-matching terms, weighted W, on the postnet "
                         "output (e.g. 0.05)")
    sp.add_argument("--adversarial-warmup", type=int, default=200, metavar="N",
                    help="discriminator-only steps before its terms reach the acoustic model (default: %(default)s)")
    sp.add_argument("--adversarial-channels", type=int, default=32, metavar="C",
                    help="width of the mel discriminator (default: %(default)s); a resumed run whose saved "
                         "discriminator differs starts a fresh one")
    sp.add_argument("--adversarial-window", type=int, default=64, metavar="F",
                    help="frames of each random mel window the discriminator judges (default: %(default)s)")
    sp.add_argument("--decoder-feedback", type=float, default=0.0, metavar="P",
                    help="feed the decoder its own previous output on a random share P of its steps "
                         "(parallel scheduled sampling, e.g. 0.5; default: %(default)s = teacher forcing)")
    sp.add_argument("--feedback-passes", type=int, default=1, metavar="K",
                    help="gradient-free decoder passes that make that output (default: %(default)s)")
    sp.set_defaults(func=cmd_train_am)

    sp = sub.add_parser("train-vocoder", help="train the student vocoder (resumes from OUT/last.pt)")
    common(sp)
    sp.add_argument("--out", default=f"{DEFAULT_WORKDIR}/vocoder", help="checkpoint folder (default: %(default)s)")
    sp.add_argument("--steps", type=int, default=60000)
    sp.add_argument("--batch", type=int, default=16)
    sp.add_argument("--lr", type=float, default=5e-4)
    sp.add_argument("--save-every", type=int, default=200)
    sp.add_argument("--mels", help="folder of GTA mels (<utt>.npy) under WORKDIR to fine-tune on")
    sp.add_argument("--init", help="start from this last.pt (e.g. the analysis-mel vocoder) when OUT is new")
    sp.add_argument("--emotions", default="neutral,happy,angry,sad",
                    help="comma-separated emotions whose audio to train on (default: %(default)s)")
    sp.add_argument("--adversarial", type=float, default=0.0,
                    help="weight of multi-period + multi-resolution waveform discriminators (default 0: none)")
    sp.add_argument("--adversarial-warmup", type=int, default=200,
                    help="discriminator-only updates before the vocoder hears them (default: %(default)s)")
    sp.add_argument("--adversarial-channels", type=int, default=16,
                    help="the discriminators' first width (default: %(default)s)")
    sp.set_defaults(func=cmd_train_vocoder)

    sp = sub.add_parser("gta", help="teacher-forced mels of the trained acoustic model, to fine-tune the vocoder on")
    common(sp)
    sp.add_argument("--am", default=f"{DEFAULT_WORKDIR}/am", help="train-am folder (weights.pt, config.json)")
    sp.add_argument("--out", default="gta", help="folder under WORKDIR for <utt>.npy (default: %(default)s)")
    sp.add_argument("--emotions", default="neutral,happy,angry,sad")
    sp.add_argument("--force", action="store_true", help="rewrite existing mels (after more acoustic training)")
    sp.add_argument("--free-running", action="store_true",
                    help="run the decoder on its own output (as at inference) on the true durations, pitch and "
                         "energy, instead of teacher-forced")
    sp.set_defaults(func=cmd_gta)

    sp = sub.add_parser("random-modelscope",
                        help="a ModelScope Sambert-HifiGan model dir with random full-size weights (for measuring)")
    sp.add_argument("out", help="model directory to write")
    sp.add_argument("--voice", default="zhitian_emo")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--reduced", action="store_true", help="the reduced test-size configs instead")
    sp.add_argument("--nsf", action="store_true", help="an NSF voice (82-row AM, NSF HiFi-GAN, am/mvn.npy)")
    sp.add_argument("--nsf-norm-type", choices=("mean_std", "global"), default="mean_std",
                    help="NSF f0 normalization: mean_std (am/mvn.npy) or global (min/max 30/730 Hz)")
    sp.set_defaults(func=cmd_random_modelscope)

    sp = sub.add_parser("evaluate", help="a voice folder on the dev sentences: judge CER + prosody per emotion")
    common(sp)
    sp.add_argument("--voice", required=True, help="voice folder")
    sp.add_argument("--sentences", default=DEV_SENTENCES)
    sp.add_argument("--limit", type=int)
    sp.add_argument("--out", help="JSON report (default: WORKDIR/reports/eval_<voice>.json)")
    sp.add_argument("--audio-out", help="also write the synthesised WAVs here")
    sp.add_argument("--emotions", help="comma-separated subset of the voice's emotions (default: all)")
    sp.add_argument("--dither", type=runs_arg, default=0, metavar="N",
                    help="also judge every recording N times with one 16-bit step of noise added: the "
                         "spread a CER has between machines (default 0)")
    sp.set_defaults(func=cmd_evaluate)

    sp = sub.add_parser("compare", help="two voices' evaluate reports, paired sentence by sentence: mean CER "
                        "difference with a bootstrap interval and the sign test")
    sp.add_argument("--a", nargs="+", required=True, metavar="REPORT", help="evaluate reports of voice A")
    sp.add_argument("--b", nargs="+", required=True, metavar="REPORT",
                    help="evaluate reports of voice B, of the same sentence lists in the same order")
    sp.add_argument("--resamples", type=int, default=5000)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--json", action="store_true", help="print the result as JSON")
    sp.set_defaults(func=cmd_compare)

    sp = sub.add_parser("error-budget", help="a voice on held-out sentences: judge CER of the teacher, of "
                        "its mel through the voice's vocoder, and of the voice")
    common(sp)
    voice(sp)
    sp.add_argument("--voice", required=True, help="voice folder (mel vocoder)")
    sp.add_argument("--sentences", default=DEV_SENTENCES)
    sp.add_argument("--limit", type=int)
    sp.add_argument("--stats", help="mel normalisation of the vocoder (default: WORKDIR/features/stats.json)")
    sp.add_argument("--out", help="JSON report (default: WORKDIR/reports/error_budget_<voice>.json)")
    sp.set_defaults(func=cmd_error_budget)

    sp = sub.add_parser("plot-alignment", help="PNG of mel + unit boundaries + f0 for utterances")
    common(sp)
    sp.add_argument("utt", nargs="+", help="utterance ids (features/<utt>.npz)")
    sp.add_argument("--out", default="recipes/default_voice/alignments")
    sp.set_defaults(func=cmd_plot_alignment)

    sp = sub.add_parser("export", help="student checkpoints -> voice folder (ONNX + voice.json)")
    sp.add_argument("--am", default=f"{DEFAULT_WORKDIR}/am", help="train-am folder (weights.pt, config.json)")
    sp.add_argument("--vocoder", default=f"{DEFAULT_WORKDIR}/vocoder", help="train-vocoder folder")
    sp.add_argument("--out", required=True, help="voice folder to write")
    sp.add_argument("--name", default="default")
    sp.add_argument("--speakers", default="F7", help="trained speakers, in speaker-table order")
    sp.add_argument("--emotions", default="neutral", help="emotions the voice offers")
    sp.add_argument("--emotion-pace", type=pace_arg, default={}, metavar="EMOTION=F,...",
                    help="voice.json emotion_pace: that emotion reads no sentence faster than F x its neutral "
                         "reading (default: none)")
    sp.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_file, args.verbose)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
