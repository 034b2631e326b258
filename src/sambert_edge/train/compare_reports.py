"""The ``compare`` stage: is voice B more intelligible than voice A, or is the difference noise?

Two ``evaluate`` reports of the same sentences differ by a few hundredths of CER between
checkpoints, about what one misheard sentence moves a 30-sentence mean. Pooling the means of
several sentence lists and eyeballing them decides badly, so this pairs the two voices sentence by
sentence (same text, same emotion, from every report given) and reports the mean of the paired CER
differences (B - A: negative means B is better), a percentile bootstrap interval of that mean, and
how many sentences got better and worse (the sign test's counts; ties are sentences both voices
read equally well or badly).

A difference counts as measured when the interval excludes zero; a sign test below 0.05 with the
interval across zero says one voice wins more sentences by small margins while a few large misses
(a dropped phrase, a number read digit by digit) keep the mean within noise. The judge is deterministic on one
machine, so the noise estimated here is the sentences', not the judge's; compare reports made on
the same machine (the same folder scores differently elsewhere, recipe stage 9). Where both
reports of a pair were made with the same ``evaluate --dither N``, a sentence's CER is the mean of
its clean and dithered readings, which takes most of the judge's own noise out of the pairing.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PairedComparison:
    pairs: int
    mean_a: float
    mean_b: float
    mean_diff: float  # B - A
    ci_low: float
    ci_high: float
    better: int  # sentences where B's CER is lower
    worse: int
    sign_test_p: float  # two-sided, ties dropped

    @property
    def verdict(self) -> str:
        if self.ci_high < 0:
            return "B better"
        if self.ci_low > 0:
            return "B worse"
        if self.sign_test_p < 0.05:
            side = "B" if self.better > self.worse else "A"
            return f"{side} better on more sentences (sign test), mean difference within noise"
        return "no measured difference"

    def to_json(self) -> dict:
        return {**self.__dict__, "verdict": self.verdict}


def report_readings(path: Path) -> dict[tuple[str, str], list[float]]:
    """{(emotion, text): [clean CER, dithered CERs...]} of one ``evaluate`` report; a text read
    twice keeps the mean of each reading."""
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    if "emotions" not in report:
        raise ValueError(f"{path} is not an evaluate report (no 'emotions')")
    seen: dict[tuple[str, str], list[list[float]]] = {}
    for emotion, result in report["emotions"].items():
        for row in result["rows"]:
            readings = [float(row["cer"]), *map(float, row.get("dithered", ()))]
            seen.setdefault((emotion, row["text"]), []).append(readings)
    out = {}
    for key, rows in seen.items():
        width = min(len(r) for r in rows)
        out[key] = [sum(r[k] for r in rows) / len(rows) for k in range(width)]
    return out


def report_rows(path: Path) -> dict[tuple[str, str], float]:
    """{(emotion, text): clean CER} of one ``evaluate`` report; a text read twice keeps its mean."""
    return {key: readings[0] for key, readings in report_readings(path).items()}


def _paired_value(a: list[float], b: list[float]) -> tuple[float, float]:
    """Both sides dithered alike: the mean of every reading; otherwise the clean CERs."""
    if len(a) == len(b) > 1:
        return sum(a) / len(a), sum(b) / len(b)
    return a[0], b[0]


def paired_cers(reports_a: list[Path], reports_b: list[Path]) -> list[tuple[float, float]]:
    """(CER of A, CER of B) for every (report, emotion, sentence) that both sides hold."""
    if len(reports_a) != len(reports_b) or not reports_a:
        raise ValueError(f"give the same number of reports for A and B, got {len(reports_a)} and {len(reports_b)}")
    pairs = []
    for path_a, path_b in zip(reports_a, reports_b):
        a, b = report_readings(path_a), report_readings(path_b)
        common = [key for key in a if key in b]
        if not common:
            raise ValueError(f"{path_a} and {path_b} share no (emotion, sentence)")
        pairs.extend(_paired_value(a[key], b[key]) for key in common)
    return pairs


def _sign_test_p(better: int, worse: int) -> float:
    n = better + worse
    if n == 0:
        return 1.0
    k = min(better, worse)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(pairs: list[tuple[float, float]], resamples: int = 5000, seed: int = 0) -> PairedComparison:
    """Paired comparison of per-sentence CERs; the interval is a 95 % percentile bootstrap of the mean."""
    if not pairs:
        raise ValueError("nothing to compare")
    diffs = [b - a for a, b in pairs]
    n = len(diffs)
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(diffs) for _ in range(n)) / n for _ in range(resamples))
    low, high = means[int(0.025 * resamples)], means[min(resamples - 1, int(0.975 * resamples))]
    better, worse = sum(d < 0 for d in diffs), sum(d > 0 for d in diffs)
    return PairedComparison(
        pairs=n,
        mean_a=sum(a for a, _ in pairs) / n,
        mean_b=sum(b for _, b in pairs) / n,
        mean_diff=sum(diffs) / n,
        ci_low=low,
        ci_high=high,
        better=better,
        worse=worse,
        sign_test_p=_sign_test_p(better, worse),
    )


def summary(result: PairedComparison) -> str:
    return (f"{result.pairs} paired sentences: CER A {result.mean_a:.4f}, B {result.mean_b:.4f}, "
            f"B - A {result.mean_diff:+.4f} (95 % interval {result.ci_low:+.4f} .. {result.ci_high:+.4f}); "
            f"B better on {result.better}, worse on {result.worse} (sign test p {result.sign_test_p:.3g}): "
            f"{result.verdict}")
