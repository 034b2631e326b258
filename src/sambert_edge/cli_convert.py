"""The voice-making commands of ``sambert-edge``: ``convert`` (a ModelScope model directory -> a voice
folder) and ``quantize`` (INT8 graphs kept only where measured). Both need the export extra, so
their modules are imported only when the command runs."""

from __future__ import annotations

import argparse
import sys


def run_quantize(args: argparse.Namespace) -> int:
    def fail(message: str) -> int:
        print(f"sambert-edge quantize: {message}", file=sys.stderr)
        return 1

    try:
        from .train.quantize import QuantizeError, quantize_voice
    except ImportError as e:
        return fail(f"quantize needs the export extra: pip install 'sambert-edge[export]' ({e.name} missing)")
    sentences = None
    if args.sentences:
        try:
            with open(args.sentences, encoding="utf-8") as f:
                sentences = tuple(line.strip() for line in f if line.strip())
        except (OSError, UnicodeDecodeError) as e:
            return fail(f"cannot read --sentences: {e}")
        if not sentences:
            return fail(f"{args.sentences} has no sentences")
    graphs = tuple(g for g in args.graphs.split(",") if g) if args.graphs else None
    try:
        report = quantize_voice(args.voice_dir, args.out_dir, graphs=graphs, sentences=sentences,
                                threads=args.threads, runs=args.runs, force=args.force, only=args.only)
    except QuantizeError as e:
        return fail(str(e))
    # One row per graph in fp32, then one per INT8 variant; "x fp32" is against the fp32 passes timed
    # interleaved with that variant's (the machine's load changes between variants).
    print(f"{'graph':<15} {'variant':<13} {'MB':>6} {'ms':>8} {'x fp32':>6} {'mel err':>7} {'max abs':>7} "
          f"{'LSD dB':>6}  chosen / why not")
    for role, graph in report["graphs"].items():
        kept = "chosen" if graph["chosen"] == "fp32" else ""
        print(f"{role:<15} {'fp32':<13} {graph['fp32_mb']:>6.2f} {graph['fp32_seconds'] * 1000:>8.1f} "
              f"{1:>6.2f} {'':>7} {'':>7} {'':>6}  {kept}")
        for v in graph["variants"]:
            if "error" in v:
                print(f"{'':<15} {v['variant']:<13} failed: {v['error'][:80]}")
                continue
            mel = "-" if v["rel_mel_error"] is None else f"{v['rel_mel_error']:.3f}"
            worst = f"{v['mel_max_abs']:.3f}" if "mel_max_abs" in v else "-"
            ratio = v["seconds"] / max(v["fp32_seconds"], 1e-9)
            verdict = "chosen" if graph["chosen"] == v["variant"] else "; ".join(v["reasons"]) or "not best"
            print(f"{'':<15} {v['variant']:<13} {v['mb']:>6.2f} {v['seconds'] * 1000:>8.1f} {ratio:>6.2f} {mel:>7} "
                  f"{worst:>7} {v['lsd_db']:>6.2f}  {verdict}")
    final = report["final"]
    print(f"{args.out_dir}: {final['precision']}, {final['fp32_mb']:.1f} -> {final['mb']:.1f} MB, "
          f"graph time {final['fp32_seconds'] * 1000:.0f} -> {final['seconds'] * 1000:.0f} ms, "
          f"mel error {final['rel_mel_error']:.3f} (max abs {final['mel_max_abs']:.3f}), "
          f"audio LSD {final['lsd_db']:.2f} dB")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from .train.convert import ConvertError, convert_modelscope

    try:
        result = convert_modelscope(args.model_dir, args.out_dir, voice=args.voice, precision=args.precision,
                                    name=args.name, overwrite=args.force)
    except ConvertError as e:
        print(f"sambert-edge convert: {e}", file=sys.stderr)
        return 1
    voice, config = result.voice, result.config
    print(f"{result.out_dir}: voice {config.name} ({result.precision}, {config.sample_rate} Hz), "
          f"speakers {','.join(config.speakers)}, {len(config.emotions)} emotions, "
          f"from {voice.am_checkpoint.name} + {voice.voc_checkpoint.name}")
    return 0
