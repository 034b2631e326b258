"""``sambert-edge`` command line: a thin layer over the library; only here is logging configured."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from . import __version__

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

    serve = sub.add_parser("serve", help="start the HTTP service (Gunicorn)")
    serve.add_argument("--bind", default="127.0.0.1:7000", help="host:port (default %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--timeout", type=int, default=60, help="worker timeout, seconds")
    serve.add_argument("--lexicon", action="append", default=[], metavar="FILE")
    serve.set_defaults(run=_run_serve)
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


def _run_serve(args: argparse.Namespace) -> int:
    from .service.server import run_server

    return run_server(
        bind=args.bind, workers=args.workers, threads=args.threads, timeout=args.timeout,
        lexicons=tuple(args.lexicon),
    )
