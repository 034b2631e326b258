"""The ``evaluate`` stage on the tiny fixture voice with a scripted judge (no Whisper needed)."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyworld")

from sambert_edge.train.evaluate import (  # noqa: E402
    CER_MARGIN,
    DITHER_LEVEL,
    check_bars,
    dithered,
    evaluate_voice,
    relative,
    summary,
)
from sambert_edge.train.judge import cer  # noqa: E402

TINY_VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_voice"
SENTENCES = ["打开客厅的灯", "今天是2024年3月15日"]


class ScriptedJudge:
    """Hears every sentence right except the ones listed in ``mishear`` (text -> what it hears)."""

    def __init__(self, sentences: list[str], mishear: dict[str, str] | None = None):
        self.sentences, self.mishear, self.calls = sentences, mishear or {}, 0

    def transcribe(self, samples) -> str:
        assert samples.ndim == 1 and len(samples) > 0
        text = self.sentences[self.calls % len(self.sentences)]
        self.calls += 1
        return self.mishear.get(text, text)


def test_evaluate_reports_cer_per_emotion_from_the_judge():
    judge = ScriptedJudge(SENTENCES, mishear={"打开客厅的灯": "打开客厅的"})
    report = evaluate_voice(TINY_VOICE, SENTENCES, judge)
    assert list(report["emotions"]) == ["neutral", "happy", "angry", "sad"]
    assert judge.calls == 4 * len(SENTENCES)
    for row in report["emotions"].values():
        assert [r["cer"] for r in row["rows"]] == [pytest.approx(1 / 6, abs=1e-4), 0.0]
        assert row["cer"] == pytest.approx(1 / 12, abs=1e-4)
        assert row["prosody"]["seconds"] > 0
    neutral = report["emotions"]["neutral"]["relative"]
    assert (neutral["duration_pct"], neutral["rms_db"]) == (0.0, 0.0)


def test_voice_with_no_voiced_frame_misses_the_f0_bars_instead_of_crashing():
    silent = {"f0_mean": 0.0, "f0_std": 0.0, "seconds": 2.0, "rms_dbfs": -40.0}
    happy = {"f0_mean": 0.0, "f0_std": 0.0, "seconds": 1.8, "rms_dbfs": -39.0}
    rel = relative(happy, silent)
    assert rel["duration_pct"] == pytest.approx(-10.0) and rel["rms_db"] == pytest.approx(1.0)
    misses = check_bars({"emotions": {"neutral": {"cer": 0.1, "relative": relative(silent, silent)},
                                      "happy": {"cer": 0.1, "relative": rel}}})
    assert [m.split(" ")[1] for m in misses] == ["f0_mean_pct", "f0_std_pct"]


def test_evaluate_emotion_subset_skips_the_others():
    judge = ScriptedJudge(SENTENCES)
    report = evaluate_voice(TINY_VOICE, SENTENCES, judge, emotions=("neutral",))
    assert list(report["emotions"]) == ["neutral"]
    assert judge.calls == len(SENTENCES)
    assert report["misses"] == []


def test_evaluate_names_an_emotion_the_voice_lacks():
    with pytest.raises(ValueError, match="excited"):
        evaluate_voice(TINY_VOICE, SENTENCES, ScriptedJudge(SENTENCES), emotions=("neutral", "excited"))


def _row(cer: float, **relative_values: float) -> dict:
    rel = {"f0_mean_pct": 0.0, "f0_std_pct": 0.0, "duration_pct": 0.0, "rms_db": 0.0, **relative_values}
    return {"cer": cer, "relative": rel}


@pytest.mark.parametrize("emotions, missed", [
    ({"neutral": _row(0.20), "happy": _row(0.25, f0_mean_pct=9, f0_std_pct=21)}, []),
    ({"neutral": _row(0.20), "happy": _row(0.20 + CER_MARGIN + 0.001, f0_mean_pct=9, f0_std_pct=21)},
     ["happy: CER"]),
    ({"neutral": _row(0.20), "happy": _row(0.20, f0_mean_pct=7.9, f0_std_pct=21)}, ["happy: f0_mean_pct"]),
    ({"neutral": _row(0.20), "sad": _row(0.20, f0_mean_pct=-6, duration_pct=12, rms_db=-1.5)}, ["sad: rms_db"]),
    ({"neutral": _row(0.20), "angry": _row(0.21, rms_db=3, duration_pct=-4, f0_std_pct=10)},
     ["angry: duration_pct", "angry: f0_std_pct"]),
])
def test_check_bars_lists_exactly_the_missed_bars(emotions, missed):
    misses = check_bars({"emotions": emotions})
    assert [m.split(" ")[0] + " " + m.split(" ")[1] for m in misses] == missed


def test_relative_is_percent_and_decibels():
    neutral = {"f0_mean": 200.0, "f0_std": 20.0, "seconds": 10.0, "rms_dbfs": -20.0}
    happy = {"f0_mean": 220.0, "f0_std": 30.0, "seconds": 9.0, "rms_dbfs": -19.0}
    assert relative(happy, neutral) == pytest.approx(
        {"f0_mean_pct": 10.0, "f0_std_pct": 50.0, "duration_pct": -10.0, "rms_db": 1.0})


class DitherSensitiveJudge:
    """Hears the first recording of each sentence right and the ``runs`` dithered copies that
    follow it wrong (last character lost), keeping everything it heard."""

    def __init__(self, sentences: list[str], runs: int):
        self.sentences, self.runs, self.heard = sentences, runs, []

    def transcribe(self, samples) -> str:
        k = len(self.heard)
        self.heard.append(samples.copy())
        text = self.sentences[k // (self.runs + 1)]
        return text if k % (self.runs + 1) == 0 else text[:-1]


def test_dither_judges_every_recording_again_with_one_step_of_noise():
    judge = DitherSensitiveJudge(SENTENCES, runs=3)
    report = evaluate_voice(TINY_VOICE, SENTENCES, judge, emotions=("neutral",), dither=3)
    row = report["emotions"]["neutral"]
    assert len(judge.heard) == len(SENTENCES) * 4
    assert row["cer"] == 0.0
    lost = [round(cer(t, t[:-1]), 4) for t in SENTENCES]
    assert [r["dithered"] for r in row["rows"]] == [[c] * 3 for c in lost]
    assert row["cer_runs"] == [pytest.approx(np.mean(lost))] * 3
    clean, noisy = judge.heard[0], judge.heard[1:4]
    for copy in noisy:  # inaudible: a few 16-bit steps at most, and each run's noise differs
        assert copy.shape == clean.shape and 0 < np.abs(copy - clean).max() < 6 * DITHER_LEVEL
    assert not np.array_equal(noisy[0], noisy[1])
    assert "3 dithered runs" in summary(report)


def test_dither_is_the_same_noise_on_every_run_of_the_stage():
    audio = np.zeros(1000, np.float32)
    assert np.array_equal(dithered(audio, 1, 0), dithered(audio, 1, 0))
    assert not np.array_equal(dithered(audio, 1, 0), dithered(audio, 1, 1))
    assert dithered(audio, 1, 0).std() == pytest.approx(DITHER_LEVEL, rel=0.15)


def test_dither_refuses_a_negative_count():
    with pytest.raises(ValueError, match="dither"):
        evaluate_voice(TINY_VOICE, SENTENCES, ScriptedJudge(SENTENCES), dither=-1)


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("4", 4), ("-1", None), ("two", None), ("1.5", None)])
def test_evaluate_dither_argument_is_a_count_of_runs(text, expected):
    from sambert_edge.train.__main__ import build_parser

    parser = build_parser()
    if expected is None:
        with pytest.raises(SystemExit):
            parser.parse_args(["evaluate", "--voice", "v", "--dither", text])
    else:
        assert parser.parse_args(["evaluate", "--voice", "v", "--dither", text]).dither == expected
