"""``sambert-edge quantize``: per-graph INT8 choices by measurement, on the tiny fixture voice."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

from sambert_edge import Synthesizer  # noqa: E402
from sambert_edge.cli import main  # noqa: E402
from sambert_edge.train import quantize as q  # noqa: E402
from sambert_edge.voice import VoiceConfig, model_version  # noqa: E402

TINY_VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_voice"


def _m(**kw):
    base = {"variant": "dynamic", "mb": 1.0, "fp32_mb": 2.0, "seconds": 1.0, "fp32_seconds": 1.0,
            "rel_mel_error": 0.01, "lsd_db": 0.5}
    return {**base, **kw}


@pytest.mark.parametrize(("measurement", "accepted", "reason"), [
    (_m(), True, None),
    (_m(seconds=1.09), True, None),  # within the 10 % allowance
    (_m(seconds=1.2), False, "slower: 1.20 x fp32"),
    (_m(mb=2.0), False, "not smaller"),
    (_m(rel_mel_error=0.2), False, "mel error 0.200"),
    (_m(rel_mel_error=None, lsd_db=1.0), True, None),  # the vocoder has no mel error
    (_m(lsd_db=3.0), False, "audio LSD 3.00 dB"),
])
def test_choose_keeps_int8_only_when_smaller_as_fast_and_accurate(measurement, accepted, reason):
    chosen = q.choose([measurement])
    assert (chosen is measurement) == accepted
    if reason:
        assert any(reason in r for r in measurement["reasons"])


def test_choose_prefers_the_fastest_acceptable_variant():
    slow, fast, wrong = _m(variant="static", seconds=0.9), _m(variant="dynamic", seconds=0.5), _m(
        variant="dynamic-conv", seconds=0.1, lsd_db=9.0)
    assert q.choose([slow, fast, wrong])["variant"] == "dynamic"


def test_errors_are_zero_for_identical_outputs_and_grow_with_the_difference():
    rng = np.random.default_rng(0)
    mels = [rng.standard_normal((40, 80)).astype(np.float32)]
    audio = [rng.standard_normal(16000).astype(np.float32)]
    assert q.rel_mel_error(mels, mels) == 0.0 and q.log_spectral_distance(audio, audio) == 0.0
    noisy = [m + 0.1 * rng.standard_normal(m.shape) for m in mels]
    noisier = [m + 0.5 * rng.standard_normal(m.shape) for m in mels]
    assert 0.05 < q.rel_mel_error(mels, noisy) < q.rel_mel_error(mels, noisier)
    louder = [2 * a for a in audio]  # +6 dB everywhere
    assert q.log_spectral_distance(audio, louder) == pytest.approx(20 * np.log10(2), rel=1e-3)


@pytest.fixture(scope="module")
def quantized(tmp_path_factory, frontend):
    out = tmp_path_factory.mktemp("q") / "tiny_int8"
    report = q.quantize_voice(TINY_VOICE, out, runs=1, frontend=frontend, sentences=("你好。", "今天天气很好。"))
    return out, report


def test_quantized_folder_is_a_voice_that_speaks(quantized, frontend):
    out, report = quantized
    voice = VoiceConfig.load(out)
    assert voice.precision == report["precision"]
    assert voice.model_version == model_version(out, voice.files)
    audio = Synthesizer.load(out, frontend=frontend).synthesize("你好。")
    assert len(audio.samples) > 0 and np.isfinite(audio.samples).all()


def test_report_matches_the_files_written(quantized):
    out, report = quantized
    assert json.loads((out / "quantization.json").read_text()) == report
    voice = VoiceConfig.load(out)
    for role, graph in report["graphs"].items():
        name = voice.files[role]
        assert (out / name).is_file()
        assert name.endswith(".int8.onnx") == (graph["chosen"] != "fp32")
        for variant in graph["variants"]:
            assert "error" in variant or variant["reasons"] == [] or graph["chosen"] != variant["variant"]
    int8 = [g["chosen"] != "fp32" for g in report["graphs"].values()]
    expected = "int8" if all(int8) else "mixed" if any(int8) else "fp32"
    assert report["precision"] == expected


@pytest.mark.parametrize(("args", "message"), [
    (["{tiny}", "{tiny}"], "must differ"),
    (["{empty}", "{out}"], "no voice.json"),
    (["{tiny}", "{full}"], "not empty"),
    (["{tiny}", "{out}", "--graphs", "encoder,decoder"], "unknown graph(s) decoder"),
    (["{tiny}", "{out}", "--sentences", "{missing}"], "cannot read --sentences"),
])
def test_quantize_cli_names_the_problem(args, message, tmp_path, capsys):
    tiny = tmp_path / "tiny"
    shutil.copytree(TINY_VOICE, tiny)
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    paths = {"tiny": tiny, "empty": tmp_path / "empty", "full": tmp_path / "full", "out": tmp_path / "out",
             "missing": tmp_path / "missing.txt"}
    assert main(["quantize", *[a.format(**paths) for a in args]]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_quantize_cli_prints_the_table_for_chosen_graphs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["quantize", str(TINY_VOICE), str(out), "--graphs", "postnet", "--runs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "postnet" in printed and "encoder" not in printed and str(out) in printed
    assert VoiceConfig.load(out).files["encoder"] == "encoder.onnx"
