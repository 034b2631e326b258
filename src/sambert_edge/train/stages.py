"""What each stage of ``python -m sambert_edge.train`` runs with its parsed arguments, and the
defaults the stages share (work folder, ``../shared`` sentence lists, corpus archive).

Every ``cmd_<stage>`` takes the ``argparse.Namespace`` that ``__main__.build_parser`` makes, imports
its stage's module only when called (so that ``--help`` needs neither torch nor the teacher), prints
the stage's result and returns the exit status.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

DEFAULT_WORKDIR = "/work/data/default_voice"
# ../shared beside the repository (DEVELOPERS.md): the dev sentences and the CPP split.
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
DEV_SENTENCES = str(SHARED / "eval" / "dev_sentences.txt")
DEFAULT_FRONTEND = "sambert_edge.frontend:Frontend"
CPP_SENTENCES = str(SHARED / "data" / "cpp" / "dev.sent")
DEFAULT_ARCHIVE = str(Path(__file__).resolve().parents[3] / "recipes" / "default_voice" / "corpus")

log = logging.getLogger("sambert_edge.train")


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
                              seed=args.seed, min_chars=args.min_chars, max_chars=args.max_chars,
                              id_prefix=args.id_prefix)
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
                                    save_every=args.save_every, adversarial=args.adversarial,
                                    adversarial_warmup=args.adversarial_warmup,
                                    adversarial_channels=args.adversarial_channels)
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
                           speakers=tuple(args.speakers.split(",")), emotions=tuple(args.emotions.split(",")),
                           emotion_pace=args.emotion_pace)
    print(json.dumps({"voice": voice.name, "model_version": voice.model_version, "out": args.out}))
    return 0


def cmd_emotions(args: argparse.Namespace) -> int:
    from .prepare import run_emotions

    print(json.dumps(run_emotions(Path(args.workdir), tuple(args.emotions.split(",")), limit=args.limit,
                                  shard=args.shard)))
    return 0


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
