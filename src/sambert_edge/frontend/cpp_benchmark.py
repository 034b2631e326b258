"""Polyphone accuracy on the CPP benchmark (Park & Lee, Interspeech 2020) with the full predictor.

Each line of ``*.sent`` holds one sentence with its labelled polyphonic character wrapped in U+2581 on
both sides; the same line of ``*.lb`` holds that character's pinyin with tone number (ü as ``u:``).
Sentences are segmented with jieba and read by ``PinyinPredictor.predict``; the labelled character's
output is compared with the label.

    python -m sambert_edge.frontend.cpp_benchmark [--data DIR] [--limit N] [--no-neutral]
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .pinyin import PinyinPredictor
from .polyphone import normalize_reading

MARK = "\u2581"  # wraps the labelled character in CPP sentences
# Repository root is four levels above this file (src/sambert_edge/frontend/cpp_benchmark.py).
DEFAULT_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "cpp"


def read_cpp(sent_path: str | Path, label_path: str | Path) -> Iterator[tuple[str, int, str]]:
    """Yields (sentence without marks, index of the labelled character, normalized label)."""
    with open(sent_path, encoding="utf-8") as fs, open(label_path, encoding="utf-8") as fl:
        for n, (line, label) in enumerate(zip(fs, fl), 1):
            line = line.rstrip("\n")
            a = line.find(MARK)
            b = line.find(MARK, a + 1)
            if a < 0 or b != a + 2:
                raise ValueError(f"{sent_path}:{n}: expected one character wrapped in U+2581")
            yield line[:a] + line[a + 1] + line[b + 1:], a, normalize_reading(label.strip())


def evaluate(
    sent_path: str | Path,
    label_path: str | Path,
    predictor: PinyinPredictor | None = None,
    limit: int | None = None,
) -> dict:
    """Accuracy of ``predictor`` on the labelled characters of the first ``limit`` sentences.

    Returns {"accuracy": float, "n": int, "correct": int,
             "errors": {char: count}, "confusions": {(char, label, predicted): count}}.
    """
    from .segmenter import jieba  # imported there without pkg_resources

    predictor = predictor or PinyinPredictor()
    errors: Counter[str] = Counter()
    confusions: Counter[tuple[str, str, str | None]] = Counter()
    n = correct = 0
    for sentence, index, label in read_cpp(sent_path, label_path):
        if limit is not None and n >= limit:
            break
        predicted = predictor.predict(jieba.lcut(sentence))[index]
        n += 1
        if predicted == label:
            correct += 1
        else:
            errors[sentence[index]] += 1
            confusions[(sentence[index], label, predicted)] += 1
    return {
        "accuracy": correct / n if n else 0.0,
        "n": n,
        "correct": correct,
        "errors": dict(errors.most_common()),
        "confusions": dict(confusions.most_common()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="dir with dev.sent, dev.lb")
    parser.add_argument("--split", default="dev", help="file stem inside --data (default: dev)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sentences")
    parser.add_argument("--top", type=int, default=15, help="most frequent confusions to show")
    parser.add_argument("--phrase-bonus", type=float, default=None, help="override PHRASE_BONUS")
    parser.add_argument("--no-neutral", action="store_true", help="skip the neutral-tone word list")
    args = parser.parse_args(argv)

    from .segmenter import jieba  # imported there without pkg_resources

    jieba.setLogLevel(logging.WARNING)
    data = args.data.resolve()
    options: dict = {"lexical_neutral": not args.no_neutral}
    if args.phrase_bonus is not None:
        options["phrase_bonus"] = args.phrase_bonus
    predictor = PinyinPredictor(**options)
    sent, label = data / f"{args.split}.sent", data / f"{args.split}.lb"
    result = evaluate(sent, label, predictor, limit=args.limit)
    print(f"CPP {args.split}: accuracy {result['accuracy']:.4f} ({result['correct']}/{result['n']})")
    for (char, label, predicted), count in list(result["confusions"].items())[: args.top]:
        print(f"  {char} {label} -> {predicted}: {count}")


if __name__ == "__main__":
    main()
