"""``sambert-edge`` command line: a thin layer over the library; only here is logging configured."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__
from .cli_convert import run_convert, run_quantize

log = logging.getLogger("sambert_edge")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sambert-edge",
        description="Offline Mandarin text-to-speech with emotions (SAM-BERT + HiFi-GAN on onnxruntime).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    g2p = sub.add_parser("g2p", help="show how text is read: normalized text, pinyin, symbols")
    g2p.add_argument("text", help="text to read, or - to read lines from standard input")
    g2p.add_argument("--json", action="store_true", help="print one JSON object per text/line")
    g2p.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                     help="user lexicon file ('word pinyin...' per line); may be repeated")
    g2p.set_defaults(run=_run_g2p)

    say = sub.add_parser("say", help="synthesize speech to a 16-bit WAV file")
    say.add_argument("text", nargs="?", help="text to speak, or - to read it from standard input")
    say.add_argument("-o", "--output", metavar="FILE",
                     help="WAV file to write, or - for standard output (the default when it is not a terminal)")
    say.add_argument("--voice", metavar="DIR|NAME",
                     help="voice folder (voice.json + ONNX graphs) or bundled voice name (default: the bundled voice)")
    say.add_argument("--symbols", metavar="STRING",
                     help="speak one sentence given as KAN-TTS symbols ({phone$tone$...} units) instead of TEXT")
    say.add_argument("--emotion", help="emotion name (default: the voice's; with --symbols: as written)")
    say.add_argument("--intensity", type=float, default=1.0, help="emotion strength, 0..3 (default %(default)s)")
    say.add_argument("--speaker", help="speaker name (default: the voice's)")
    say.add_argument("--speed", type=float, default=1.0, help="speaking rate factor, >1 faster (default %(default)s)")
    say.add_argument("--pitch", type=float, default=0.0, help="pitch shift in normalized units (default %(default)s)")
    say.add_argument("--energy", type=float, default=1.0, help="energy factor (default %(default)s)")
    say.add_argument("--save-mel", metavar="PATH.npy",
                     help="also save the mel [frames, mels] as .npy; NSF voices also write PATH.f0uv.npy "
                          "[frames, 2]: f0 in Hz and voicing 0/1")
    say.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default %(default)s)")
    say.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                     help="user lexicon file ('word pinyin...' per line); may be repeated")
    say.set_defaults(run=_run_say)

    serve = sub.add_parser("serve", help="start the HTTP service (Gunicorn, app preloaded)")
    serve.add_argument("--voice", action="append", default=[], metavar="DIR|NAME",
                       help="voice folder or bundled voice name; repeat for several, the first is the default "
                            "(default: the bundled voice; without one only the text frontend is served)")
    serve.add_argument("--bind", default="127.0.0.1:7000", help="host:port (default %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default %(default)s)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default %(default)s)")
    serve.add_argument("--timeout", type=int, default=60,
                       help="seconds a request may take; also Gunicorn's worker and graceful timeouts "
                            "(default %(default)s)")
    serve.add_argument("--inference-threads", type=int, default=1,
                       help="onnxruntime intra-op threads per session (default %(default)s)")
    serve.add_argument("--max-queue", type=int, default=None,
                       help="syntheses admitted at once per worker; more get 503 (default: 2 x threads)")
    serve.add_argument("--cache-dir", default=None,
                       help="audio cache folder (default $XDG_CACHE_HOME/sambert-edge or ~/.cache/sambert-edge)")
    serve.add_argument("--cache-max-mb", type=float, default=256,
                       help="cache size cap in MB; 0 turns the cache off (default %(default)s)")
    serve.add_argument("--api-key", default=os.environ.get("SAMBERT_API_KEY"),
                       help="require this key (Authorization: Bearer KEY or X-API-Key) on all but /healthz "
                            "(default: $SAMBERT_API_KEY; none: open)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="allow browsers on this origin (or *) to call the API; repeatable (default: none)")
    serve.add_argument("--redis-url", default=os.environ.get("SAMBERT_REDIS_URL"), metavar="URL",
                       help="share the audio cache between machines through Redis, e.g. redis://host:6379/0; "
                            "the local cache stays the first level and a down Redis only costs a warning "
                            "(default: $SAMBERT_REDIS_URL; none: off)")
    serve.add_argument("--redis-timeout", type=float, default=0.2, metavar="SECONDS",
                       help="connect and read/write timeout of each Redis call (default %(default)s)")
    serve.add_argument("--lexicon", action="append", default=[], metavar="FILE")
    serve.set_defaults(run=_run_serve)
    conv = sub.add_parser("convert", help="convert a ModelScope Sambert-HifiGan model directory to a voice folder "
                                          "(needs the export extra)")
    conv.add_argument("model_dir", metavar="MODEL_DIR",
                      help="ModelScope model directory (configuration.json, voices/voices.json, voices/<name>/...)")
    conv.add_argument("out_dir", metavar="OUT_VOICE_DIR", help="voice folder to write (voice.json + ONNX graphs)")
    conv.add_argument("--voice", metavar="NAME", help="voice to convert (default: the first in voices/voices.json)")
    conv.add_argument("--precision", choices=("fp32", "int8"), default="fp32",
                      help="graph precision (default %(default)s; int8 quantizes the fp32 export)")
    conv.add_argument("--name", help="voice name written to voice.json (default: the ModelScope voice name)")
    conv.add_argument("--force", action="store_true", help="write into OUT_VOICE_DIR even if it is not empty")
    conv.set_defaults(run=run_convert)

    quant = sub.add_parser("quantize", help="INT8 graphs for a voice folder, each kept only where measured "
                                            "smaller, as fast and as accurate (needs the export extra)")
    quant.add_argument("voice_dir", metavar="VOICE_DIR", help="fp32 voice folder (voice.json + ONNX graphs)")
    quant.add_argument("out_dir", metavar="OUT_DIR", help="voice folder to write")
    quant.add_argument("--graphs", help="comma-separated graph roles to try (default: all)")
    quant.add_argument("--sentences", metavar="FILE", help="calibration sentences, one per line (default: built in)")
    quant.add_argument("--threads", type=int, default=1, help="intra-op threads while timing (default 1)")
    quant.add_argument("--runs", type=int, default=3, help="timed passes, median kept (default 3)")
    quant.add_argument("--force", action="store_true", help="write into OUT_DIR even if it is not empty")
    quant.add_argument("--only", action="append", default=[], metavar="ROLE=VARIANT[,VARIANT]",
                       help="try only these variants for one graph, e.g. decoder_step=fp16 (fp32: try none); "
                            "repeatable")
    quant.set_defaults(run=run_quantize)

    bench = sub.add_parser("bench", help="measure a voice: RTF, first audio, peak RSS, HTTP service, peers")
    bench.add_argument("--voice", metavar="DIR|NAME", help="voice folder or bundled voice name (default: the bundled voice)")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    bench.add_argument("--plot", metavar="FILE.png", help="also draw RTF by threads and HTTP latency percentiles")
    bench.add_argument("--threads", default="1,2", help="intra-op thread counts for RTF (default %(default)s)")
    bench.add_argument("--runs", type=int, default=3, help="timed passes per measurement, median kept (default 3)")
    bench.add_argument("--no-http", action="store_true", help="skip the HTTP service measurements")
    bench.add_argument("--http-workers", type=int, default=1)
    bench.add_argument("--http-threads", type=int, default=4)
    bench.add_argument("--concurrency", default="1,4,16", help="client counts for the load test (default %(default)s)")
    bench.add_argument("--requests", type=int, default=32, help="requests per concurrency level (default 32)")
    bench.add_argument("--peers", default="torch,kokoro,piper",
                       help="peer engines to time, comma-separated, or none (default %(default)s)")
    bench.add_argument("--compare", action="append", default=[], metavar="DIR",
                       help="another voice folder of ours to time (e.g. its fp32 export); may be repeated")
    bench.add_argument("--torch-am", metavar="DIR", help="train-am folder, for the eager PyTorch peer")
    bench.add_argument("--torch-vocoder", metavar="DIR", help="train-vocoder folder, for the eager PyTorch peer")
    bench.set_defaults(run=_run_bench)

    wy = sub.add_parser("wyoming", help="serve the Wyoming protocol (Home Assistant's voice services; "
                                        "needs the wyoming extra)")
    wy.add_argument("--uri", default="tcp://127.0.0.1:10200",
                    help="where to listen: tcp://HOST:PORT, unix://PATH or stdio:// (default %(default)s; "
                         "tcp://0.0.0.0:10200 to let another machine's Home Assistant in)")
    wy.add_argument("--voice", action="append", default=[], metavar="DIR|NAME",
                    help="voice folder or bundled voice name; repeat for several, the first is the default "
                         "(default: the bundled voice)")
    wy.add_argument("--threads", type=int, default=1,
                    help="onnxruntime intra-op threads per synthesis (default %(default)s)")
    wy.add_argument("--workers", type=int, default=2,
                    help="syntheses run at once, for several clients (default %(default)s)")
    wy.add_argument("--samples-per-chunk", type=int, default=1024,
                    help="samples per audio-chunk event (default %(default)s)")
    wy.add_argument("--cache-dir", default=None,
                    help="keep synthesized audio in this folder and reuse it for repeated texts (default: no cache)")
    wy.add_argument("--cache-max-mb", type=float, default=256,
                    help="cache size cap in MB (default %(default)s)")
    wy.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                    help="user lexicon file ('word pinyin...' per line); may be repeated")
    wy.set_defaults(run=_run_wyoming)
    return parser


def _frontend(lexicons: list[str]):
    from .frontend import Frontend, FrontendConfig

    return Frontend(FrontendConfig(lexicon_paths=tuple(lexicons)))


def _run_g2p(args: argparse.Namespace) -> int:
    from .frontend import FrontendError

    try:
        frontend = _frontend(args.lexicon)
    except FrontendError as e:
        print(f"sambert-edge g2p: {e}", file=sys.stderr)
        return 2
    if args.text != "-":
        try:
            analysis = frontend.analyze(args.text)
        except FrontendError as e:
            print(f"sambert-edge g2p: {e}", file=sys.stderr)
            return 1
        print(json.dumps(analysis.to_json(), ensure_ascii=False) if args.json
              else _describe(analysis))
        return 0
    # Batch mode: one output line per input line; with --json errors stay in-band so the
    # lines keep aligned and the exit status is 0, without it they go to stderr.
    failures = 0
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        try:
            analysis = frontend.analyze(line)
        except FrontendError as e:
            failures += 1
            if args.json:
                print(json.dumps({"error": str(e)}, ensure_ascii=False), flush=True)
            else:
                print(f"sambert-edge g2p: {e}", file=sys.stderr)
            continue
        print(json.dumps(analysis.to_json(), ensure_ascii=False) if args.json
              else _describe(analysis), flush=True)
    return 1 if failures and not args.json else 0


def _describe(analysis) -> str:
    lines = [f"normalized: {analysis.normalized}"]
    for sentence in analysis.sentences:
        lines.append("words:   " + " ".join(
            f"{w.text}/" + " ".join(s.spoken for s in w.syllables if s.spoken)
            + (f" #{w.boundary}" if w.boundary else "")
            for w in sentence.words
        ))
        lines.append("symbols: " + sentence.symbols())
    pinyin = " ".join(p for _, p in analysis.readings())
    spoken = " ".join(p or "-" for _, p in analysis.readings(spoken=True))
    lines[1:1] = [f"pinyin:  {pinyin}", f"spoken:  {spoken}"]
    return "\n".join(lines)


def _f0uv_path(mel_path: str) -> str:
    """``--save-mel`` PATH -> the NSF f0/voicing file beside it (``mel.npy`` -> ``mel.f0uv.npy``)."""
    return (mel_path[:-4] if mel_path.endswith(".npy") else mel_path) + ".f0uv.npy"


def _say_error(message: str, status: int = 1) -> int:
    print(f"sambert-edge say: {message}", file=sys.stderr)
    return status


def _run_say(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.symbols is None):
        return _say_error("give either TEXT (or - for standard input) or --symbols", 2)
    from .voice import VoiceError, resolve_voice

    try:
        voice_dir = resolve_voice(args.voice)
    except VoiceError as e:
        return _say_error(str(e), 2)
    output = args.output
    if output is None:
        if sys.stdout.isatty():
            return _say_error("give -o FILE.wav (or -o - to write WAV to standard output)", 2)
        output = "-"
    text = sys.stdin.read() if args.text == "-" else args.text
    from .engine import Synthesizer
    from .frontend import FrontendError

    knobs = dict(emotion=args.emotion, speaker=args.speaker, speed=args.speed, pitch=args.pitch,
                 energy=args.energy, intensity=args.intensity)
    try:
        # Without lexicons the engine makes its Frontend lazily, after the options are checked.
        frontend = _frontend(args.lexicon) if args.text is not None and args.lexicon else None
        synth = Synthesizer.load(voice_dir, threads=args.threads, frontend=frontend)
        if args.symbols is not None:
            audio = synth.synthesize_symbols(args.symbols, **knobs)
        else:
            audio = synth.synthesize(text, **knobs)
    except (ValueError, FrontendError) as e:
        return _say_error(str(e))
    except OSError as e:
        return _say_error(f"cannot load voice: {e}")
    data = audio.to_wav_bytes()
    try:
        if args.save_mel:
            import numpy as np

            np.save(args.save_mel, audio.mel)
            if audio.f0 is not None and audio.uv is not None:  # NSF voice: f0 (Hz) and voicing beside it
                np.save(_f0uv_path(args.save_mel), np.stack([audio.f0, audio.uv], axis=1).astype(np.float32))
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as f:
                f.write(data)
    except OSError as e:
        return _say_error(str(e))
    log.debug("wrote %.2f s of audio", audio.duration)
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from .service.server import run_server
    from .voice import VoiceError, bundled_voice

    voices = list(args.voice)
    if not voices:
        bundled = bundled_voice()
        if bundled is None:
            log.warning("no bundled voice is installed and no --voice given: serving the text frontend only")
        else:
            voices = [str(bundled)]
    if args.verbose is False:
        # Gunicorn's own logger prints its lines; ours should say which voices were loaded.
        logging.getLogger("sambert_edge").setLevel(logging.INFO)
    try:
        return run_server(
            bind=args.bind, workers=args.workers, threads=args.threads, timeout=args.timeout,
            lexicons=tuple(args.lexicon), voices=voices, inference_threads=args.inference_threads,
            cache_dir=args.cache_dir, cache_max_mb=args.cache_max_mb, api_key=args.api_key,
            max_queue=args.max_queue, cors_origins=tuple(args.cors_origin), redis_url=args.redis_url,
            redis_timeout_s=args.redis_timeout,
        )
    except (VoiceError, OSError) as e:
        print(f"sambert-edge serve: {e}", file=sys.stderr)
        return 2


def _int_list(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise ValueError(f"{option} takes positive integers separated by commas, got {text!r}")
    return values


def _run_bench(args: argparse.Namespace) -> int:
    from .voice import VoiceError, resolve_voice

    def fail(message: str) -> int:
        print(f"sambert-edge bench: {message}", file=sys.stderr)
        return 2

    try:
        voice_dir = resolve_voice(args.voice)
        threads = _int_list(args.threads, "--threads")
        concurrency = _int_list(args.concurrency, "--concurrency")
    except (VoiceError, ValueError) as e:
        return fail(str(e))
    if not (voice_dir / "voice.json").is_file():
        return fail(f"no voice.json in {str(voice_dir)!r}")
    peers = tuple(p for p in args.peers.split(",") if p and p != "none")
    unknown = sorted(set(peers) - {"torch", "kokoro", "piper"})
    if unknown:
        return fail(f"unknown peer(s) {', '.join(unknown)}; choose from torch, kokoro, piper, none")
    from .bench import BenchOptions, run_bench
    from .bench.report import plot, table

    options = BenchOptions(voice=str(voice_dir), threads=threads, runs=args.runs, http=not args.no_http,
                           http_workers=args.http_workers, http_threads=args.http_threads,
                           concurrency=concurrency, requests_per_level=args.requests, peers=peers,
                           compare=tuple(args.compare), torch_am=args.torch_am, torch_vocoder=args.torch_vocoder)
    result = run_bench(options)
    if args.plot:
        plot(result, args.plot)
    print(json.dumps(result, ensure_ascii=False) if args.json else table(result))
    return 0


def _run_wyoming(args: argparse.Namespace) -> int:
    def fail(message: str) -> int:
        print(f"sambert-edge wyoming: {message}", file=sys.stderr)
        return 2

    try:
        from .wyoming.server import run_server
    except ImportError as e:
        return fail(f"the wyoming package is missing (pip install 'sambert-edge[wyoming]'): {e}")
    from .frontend import FrontendError
    from .voice import VoiceError, bundled_voice

    voices = list(args.voice)
    if not voices:
        bundled = bundled_voice()
        if bundled is None:
            return fail("no bundled voice is installed; pass --voice DIR (a voice folder)")
        voices = [str(bundled)]
    if args.verbose is False:
        # Say which voices were loaded and where it listens (journald keeps it under systemd).
        logging.getLogger("sambert_edge").setLevel(logging.INFO)
    try:
        run_server(uri=args.uri, voices=voices, threads=args.threads, workers=args.workers,
                   samples_per_chunk=args.samples_per_chunk, cache_dir=args.cache_dir,
                   cache_max_mb=args.cache_max_mb, lexicons=tuple(args.lexicon))
    except (VoiceError, FrontendError, ValueError, RuntimeError, OSError) as e:
        return fail(str(e))
    return 0
