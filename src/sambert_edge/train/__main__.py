"""``python -m sambert_edge.train STAGE ...``: the training pipeline's stages.

Stages: ``teacher-check`` (teacher CER/RTF on the dev sentences for both phoneme inputs),
``corpus-text`` (the training sentence list), ``corpus`` (teacher audio + manifest),
``corpus-pack``/``corpus-unpack`` (the committed Opus archive of the corpus), ``judge``
(Whisper CER of any folder of audio against a TSV), ``align`` (per-unit durations and features). Logging is configured here only.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

from .student import STUDENT_SIZES

DEFAULT_WORKDIR = "/work/data/default_voice"
# ../shared beside the repository (DEVELOPERS.md): the dev sentences and the CPP split.
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
DEV_SENTENCES = str(SHARED / "eval" / "dev_sentences.txt")
DEFAULT_FRONTEND = "sambert_edge.frontend:Frontend"
CPP_SENTENCES = str(SHARED / "data" / "cpp" / "dev.sent")
DEFAULT_ARCHIVE = str(Path(__file__).resolve().parents[3] / "recipes" / "default_voice" / "corpus")

log = logging.getLogger("sambert_edge.train")


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


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def cmd_teacher_check(args: argparse.Namespace) -> int:
    import numpy as np

    from .corpus import postprocess, text_viewer, write_flac_atomic
    from .judge import Judge, cer

    from .teacher import TeacherTTS

    work = Path(args.workdir)
    sentences = _read_lines(args.sentences)[: args.limit or None]
    teacher = TeacherTTS.load(work / "models", threads=args.threads)
    judge = Judge.load(work / "models", threads=args.threads)
    out = Path(args.out) if args.out else work / "reports" / "teacher_cer.json"
    report: dict = {"inputs": {}}
    if out.exists():  # runs with other inputs (or another frontend) are kept side by side
        report = json.loads(out.read_text(encoding="utf-8"))
    report.update({"style": args.style, "speed": args.speed, "threads": args.threads, "sentences": args.sentences})
    for source in args.inputs:
        label = source if source == "misaki" or args.frontend == DEFAULT_FRONTEND else f"frontend={args.frontend}"
        view = text_viewer(source, args.frontend)
        rows, synth_s, audio_s = [], 0.0, 0.0
        out_dir = work / "reports" / "teacher_check" / f"{args.style}_{label.replace('/', '_').replace(':', '_')}"
        out_dir.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(sentences):
            tv = view(text)
            audio24k, seconds = teacher.timed(tv.phonemes, args.style, args.speed)
            audio = postprocess(audio24k)
            write_flac_atomic(out_dir / f"{i:03d}.flac", audio)
            hyp = judge.transcribe(audio)
            score = cer(text, hyp)
            synth_s += seconds
            audio_s += len(audio24k) / 24000
            rows.append({"i": i, "text": text, "hyp": hyp, "cer": round(score, 4),
                         "phonemes": tv.phonemes, "pinyin": tv.pinyin})
            log.info("[%s] %02d cer=%.3f %s -> %s", label, i, score, text, hyp)
        mean = float(np.mean([r["cer"] for r in rows]))
        report["inputs"][label] = {"mean_cer": round(mean, 4), "rtf": round(synth_s / audio_s, 3),
                                   "audio_s": round(audio_s, 1), "style": args.style,
                                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows}
        log.info("[%s] mean CER %.4f, RTF %.3f (%d thread(s))", label, mean, synth_s / audio_s, args.threads)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("wrote %s", out)
    for source, r in report["inputs"].items():
        print(f"{source}: mean CER {r['mean_cer']:.4f}  RTF {r['rtf']:.3f}")
    return 0


def cmd_corpus_text(args: argparse.Namespace) -> int:
    from .corpus_text import build_corpus_text

    stats = build_corpus_text(out=args.out, cpp=args.cpp, exclude=args.exclude, target=args.target,
                              seed=args.seed, min_chars=args.min_chars, max_chars=args.max_chars)
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    return 0


def cmd_corpus(args: argparse.Namespace) -> int:
    from .corpus import run_corpus

    counts = run_corpus(args.sentences, args.workdir, style=args.style, speed=args.speed,
                        threads=args.threads, limit=args.limit, source=args.phonemes,
                        frontend_spec=args.frontend)
    print(json.dumps(counts))
    return 0 if counts["failed"] < max(1, counts["total"] // 100) else 1


def cmd_corpus_pack(args: argparse.Namespace) -> int:
    from .corpus_archive import OPUS_LEVEL, pack

    level = OPUS_LEVEL if args.opus_level is None else args.opus_level
    print(json.dumps(pack([Path(w) for w in args.workdir or [DEFAULT_WORKDIR]], Path(args.archive),
                          level=level, min_new=args.min_new)))
    return 0


def cmd_corpus_unpack(args: argparse.Namespace) -> int:
    from .corpus_archive import unpack

    print(json.dumps(unpack(Path(args.archive), Path(args.workdir))))
    return 0


def cmd_corpus_merge(args: argparse.Namespace) -> int:
    from .corpus_archive import merge

    print(json.dumps(merge([Path(w) for w in args.workdir], Path(args.out),
                           Path(args.sentences) if args.sentences else None)))
    return 0


def cmd_judge(args: argparse.Namespace) -> int:
    import soundfile as sf

    from .corpus import read_tsv, to_16k
    from .judge import Judge, cer

    judge = Judge.load(Path(args.workdir) / "models", threads=args.threads)
    rows = []
    t0 = time.perf_counter()
    for utt_id, text in list(read_tsv(args.sentences))[: args.limit or None]:
        path = next((p for p in (Path(args.audio) / f"{utt_id}{ext}" for ext in (".flac", ".wav")) if p.exists()), None)
        if path is None:
            log.warning("no audio for %s", utt_id)
            continue
        audio, sr = sf.read(str(path), dtype="float32", always_2d=False)
        if sr == 24000:
            audio = to_16k(audio)
        elif sr != 16000:
            raise SystemExit(f"{path}: sample rate {sr}; expected 16000 or 24000")
        hyp = judge.transcribe(audio)
        rows.append({"utt_id": utt_id, "text": text, "hyp": hyp, "cer": round(cer(text, hyp), 4)})
    mean = statistics.fmean(r["cer"] for r in rows) if rows else float("nan")
    report = {"audio": args.audio, "sentences": args.sentences, "n": len(rows), "mean_cer": mean,
              "seconds": round(time.perf_counter() - t0, 1), "rows": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"n={len(rows)} mean CER {mean:.4f}")
    return 0


def cmd_align(args: argparse.Namespace) -> int:
    from .corpus import load_frontend
    from .prepare import run_align

    counts = run_align(Path(args.workdir), load_frontend(args.frontend), limit=args.limit,
                       recompute_stats=args.recompute_stats)
    print(json.dumps(counts))
    return 0 if counts["failed"] <= max(1, counts["total"] // 50) else 1


def cmd_train_am(args: argparse.Namespace) -> int:
    from .train_am import AmTrainSettings, train_am

    settings = AmTrainSettings(steps=args.steps, max_frames=args.max_frames, lr=args.lr, threads=args.threads,
                               save_every=args.save_every, emotions=tuple(args.emotions.split(",")),
                               renderings_per_epoch=args.renderings_per_epoch, repeat=dict(args.repeat),
                               size=args.size, ema=args.ema,
                               adversarial=args.adversarial, adversarial_warmup=args.adversarial_warmup,
                               adversarial_channels=args.adversarial_channels,
                               adversarial_window=args.adversarial_window,
                               decoder_feedback=args.decoder_feedback, feedback_passes=args.feedback_passes)
    train_am(Path(args.workdir), Path(args.out), settings, init=Path(args.init) if args.init else None,
             init_step=args.init_step)
    return 0


def cmd_train_vocoder(args: argparse.Namespace) -> int:
    from .train_vocoder import VocoderTrainSettings, train_vocoder

    settings = VocoderTrainSettings(steps=args.steps, batch=args.batch, lr=args.lr, threads=args.threads,
                                    save_every=args.save_every)
    train_vocoder(Path(args.workdir), Path(args.out), settings, mel_folder=args.mels,
                  init=Path(args.init) if args.init else None, emotions=tuple(args.emotions.split(",")))
    return 0


def cmd_gta(args: argparse.Namespace) -> int:
    import torch

    from .gta import write_gta_mels

    torch.set_num_threads(args.threads)
    counts = write_gta_mels(Path(args.workdir), Path(args.am), Path(args.workdir) / args.out,
                            tuple(args.emotions.split(",")), force=args.force, free_running=args.free_running)
    print(json.dumps(counts))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export_student import export_student

    voice = export_student(Path(args.am), Path(args.vocoder), Path(args.out), name=args.name,
                           speakers=tuple(args.speakers.split(",")), emotions=tuple(args.emotions.split(",")))
    print(json.dumps({"voice": voice.name, "model_version": voice.model_version, "out": args.out}))
    return 0


def cmd_emotions(args: argparse.Namespace) -> int:
    from .prepare import run_emotions

    print(json.dumps(run_emotions(Path(args.workdir), tuple(args.emotions.split(",")), limit=args.limit,
                                  shard=args.shard)))
    return 0


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


def runs_arg(text: str) -> int:
    """A count of runs: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 or more runs")
    return value


def cmd_random_modelscope(args: argparse.Namespace) -> int:
    from .random_modelscope import random_modelscope

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"random-modelscope: {out} is not empty")
    print(random_modelscope(out, voice=args.voice, seed=args.seed, reduced=args.reduced, nsf=args.nsf,
                            nsf_norm_type=args.nsf_norm_type))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_voice, summary, write_report
    from .judge import Judge

    sentences = _read_lines(args.sentences)[: args.limit or None]
    judge = Judge.load(Path(args.workdir) / "models", threads=args.threads)
    report = evaluate_voice(Path(args.voice), sentences, judge, threads=args.threads,
                            audio_out=Path(args.audio_out) if args.audio_out else None,
                            emotions=tuple(args.emotions.split(",")) if args.emotions else None,
                            dither=args.dither)
    out = Path(args.out) if args.out else Path(args.workdir) / "reports" / f"eval_{Path(args.voice).name}.json"
    write_report(report, out)
    print(summary(report))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare_reports import compare, paired_cers, summary

    result = compare(paired_cers([Path(p) for p in args.a], [Path(p) for p in args.b]),
                     resamples=args.resamples, seed=args.seed)
    print(json.dumps(result.to_json()) if args.json else summary(result))
    return 0


def cmd_error_budget(args: argparse.Namespace) -> int:
    import hashlib

    import soundfile as sf

    from .am_data import Normaliser
    from .corpus import KEEP_SILENCE_S, postprocess, text_viewer, write_flac_atomic
    from .error_budget import error_budget, summary
    from .judge import Judge
    from .teacher import TeacherTTS

    work = Path(args.workdir)
    stats = Path(args.stats) if args.stats else work / "features" / "stats.json"
    if not stats.exists():
        raise SystemExit(f"error-budget: no normalisation stats at {stats} (pass --stats)")
    sentences = _read_lines(args.sentences)[: args.limit or None]
    cache = work / "reports" / "error_budget_reference" / f"{args.style}_{args.speed:g}"
    view = text_viewer("frontend", args.frontend)
    teacher: list[TeacherTTS] = []  # loaded on the first sentence not in the cache

    def reference(text: str):
        path = cache / f"{hashlib.sha1(text.encode()).hexdigest()[:16]}.flac"
        if not path.exists():
            if not teacher:
                teacher.append(TeacherTTS.load(work, threads=args.threads))
                cache.mkdir(parents=True, exist_ok=True)
            write_flac_atomic(path, postprocess(teacher[0].synthesize(view(text).phonemes, args.style, args.speed)))
        return sf.read(str(path), dtype="float32")[0]

    judge = Judge.load(work / "models", threads=args.threads)
    report = error_budget(Path(args.voice), sentences, reference, judge, Normaliser.load(stats),
                          edge_silence_s=KEEP_SILENCE_S, threads=args.threads)
    out = Path(args.out) if args.out else work / "reports" / f"error_budget_{Path(args.voice).name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(summary(report))
    return 0


def cmd_plot_alignment(args: argparse.Namespace) -> int:
    from .plots import plot_alignment

    out_dir = Path(args.out)
    for utt in args.utt:
        print(plot_alignment(Path(args.workdir) / "features" / f"{utt}.npz", out_dir / f"{utt}.png"))
    return 0


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
    sp.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_file, args.verbose)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
