"""`compare`: two voices' evaluate reports paired sentence by sentence."""

import json
import subprocess
import sys

import pytest

from sambert_edge.train.compare_reports import compare, paired_cers, report_rows


def write_report(path, rows_by_emotion):
    report = {"voice": path.stem, "model_version": "x", "sentences": 0, "misses": [],
              "emotions": {e: {"cer": sum(c for _, c in rows) / len(rows),
                               "rows": [{"text": t, "hyp": t, "cer": c} for t, c in rows]}
                           for e, rows in rows_by_emotion.items()}}
    path.write_text(json.dumps(report, ensure_ascii=False))
    return path


TEXTS = [f"句子{i}" for i in range(40)]


@pytest.mark.parametrize("b_minus_a, verdict", [
    (-0.05, "B better"),
    (+0.05, "B worse"),
    (0.0, "no measured difference"),
])
def test_verdict_follows_a_consistent_paired_difference(tmp_path, b_minus_a, verdict):
    base = [0.1 + 0.3 * ((i * 7) % 10) / 10 for i in range(len(TEXTS))]  # spread-out CERs, as real reports
    a = write_report(tmp_path / "a.json", {"neutral": list(zip(TEXTS, base))})
    b = write_report(tmp_path / "b.json", {"neutral": [(t, c + b_minus_a) for t, c in zip(TEXTS, base)]})
    result = compare(paired_cers([a], [b]))
    assert result.pairs == len(TEXTS)
    assert result.mean_diff == pytest.approx(b_minus_a)
    assert result.verdict == verdict


def test_one_large_miss_keeps_the_mean_within_noise_but_the_sign_test_sees_many_small_wins(tmp_path):
    a_rows = [(t, 0.2) for t in TEXTS]
    b_rows = [(t, 0.19) for t in TEXTS[:-1]] + [(TEXTS[-1], 0.9)]  # 39 small wins, one phrase dropped
    a = write_report(tmp_path / "a.json", {"neutral": a_rows})
    b = write_report(tmp_path / "b.json", {"neutral": b_rows})
    result = compare(paired_cers([a], [b]))
    assert (result.better, result.worse) == (39, 1)
    assert result.ci_low < 0 < result.ci_high
    assert result.sign_test_p < 1e-9
    assert result.verdict.startswith("B better on more sentences")


def test_pairs_by_emotion_and_text_not_by_position(tmp_path):
    a = write_report(tmp_path / "a.json", {"neutral": [("甲", 0.5), ("乙", 0.0)], "happy": [("甲", 0.2)]})
    b = write_report(tmp_path / "b.json", {"happy": [("甲", 0.1)], "neutral": [("乙", 0.0), ("甲", 0.25)],
                                           "sad": [("甲", 1.0)]})  # only in B: not paired
    assert sorted(paired_cers([a], [b])) == [(0.0, 0.0), (0.2, 0.1), (0.5, 0.25)]
    assert report_rows(a)[("neutral", "甲")] == 0.5


def test_several_reports_pool_their_sentences(tmp_path):
    a1 = write_report(tmp_path / "a1.json", {"neutral": [("甲", 0.5)]})
    a2 = write_report(tmp_path / "a2.json", {"neutral": [("甲", 0.3)]})  # the same text in another list
    b1 = write_report(tmp_path / "b1.json", {"neutral": [("甲", 0.4)]})
    b2 = write_report(tmp_path / "b2.json", {"neutral": [("甲", 0.3)]})
    assert paired_cers([a1, a2], [b1, b2]) == [(0.5, 0.4), (0.3, 0.3)]


@pytest.mark.parametrize("make, message", [
    (lambda p: ([p / "a.json"], []), "same number of reports"),
    (lambda p: ([write_report(p / "a.json", {"neutral": [("甲", 0.1)]})],
                [write_report(p / "b.json", {"neutral": [("乙", 0.1)]})]), "share no"),
    (lambda p: ([p / "x.json"], [p / "x.json"]), "not an evaluate report"),
])
def test_bad_input_is_named(tmp_path, make, message):
    (tmp_path / "x.json").write_text(json.dumps({"voice": "x"}))
    a, b = make(tmp_path)
    with pytest.raises(ValueError, match=message):
        paired_cers(a, b)


def test_cli_prints_the_comparison_as_json(tmp_path):
    a = write_report(tmp_path / "a.json", {"neutral": [(t, 0.3) for t in TEXTS]})
    b = write_report(tmp_path / "b.json", {"neutral": [(t, 0.1) for t in TEXTS]})
    out = subprocess.run([sys.executable, "-m", "sambert_edge.train", "compare", "--a", str(a), "--b", str(b),
                          "--json"], capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["verdict"] == "B better" and result["better"] == len(TEXTS)
    assert result["mean_diff"] == pytest.approx(-0.2)


def _dithered_report(path, rows):
    """rows: (text, clean CER, [dithered CERs]) of the neutral emotion."""
    report = {"voice": path.stem, "model_version": "x", "sentences": len(rows), "misses": [],
              "emotions": {"neutral": {"cer": 0.0, "rows": [{"text": t, "hyp": t, "cer": c, "dithered": d}
                                                            for t, c, d in rows]}}}
    path.write_text(json.dumps(report, ensure_ascii=False))
    return path


def test_reports_dithered_alike_pair_the_mean_of_every_reading(tmp_path):
    a = _dithered_report(tmp_path / "a.json", [("甲", 0.0, [0.5, 0.5, 0.5]), ("乙", 0.2, [0.2, 0.2, 0.2])])
    b = _dithered_report(tmp_path / "b.json", [("甲", 0.1, [0.1, 0.1, 0.1]), ("乙", 0.2, [0.0, 0.0, 0.4])])
    assert sorted(paired_cers([a], [b])) == [pytest.approx((0.2, 0.15)), pytest.approx((0.375, 0.1))]
    assert report_rows(a)[("neutral", "甲")] == 0.0  # the clean reading, as before


def test_a_dithered_report_against_a_clean_one_pairs_the_clean_readings(tmp_path):
    a = _dithered_report(tmp_path / "a.json", [("甲", 0.0, [0.5, 0.5])])
    b = write_report(tmp_path / "b.json", {"neutral": [("甲", 0.1)]})
    c = _dithered_report(tmp_path / "c.json", [("甲", 0.3, [0.1, 0.1, 0.1, 0.1])])
    assert paired_cers([a], [b]) == [(0.0, 0.1)]
    assert paired_cers([a], [c]) == [(0.0, 0.3)]  # two dithers against four: not alike
