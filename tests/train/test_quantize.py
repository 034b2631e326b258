"""``sambert-edge quantize``: per-graph INT8 choices by measurement, on the tiny fixture voice."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

from sambert_edge import Synthesizer  # noqa: E402
from sambert_edge.cli import main  # noqa: E402
from sambert_edge.train import quantize as q  # noqa: E402
from sambert_edge.train import quantize_measure as qm  # noqa: E402
from sambert_edge.voice import VoiceConfig, model_version  # noqa: E402

TINY_VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_voice"
INT8_OPS = {"DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "DynamicQuantizeLSTM", "QuantizeLinear",
            "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "QLinearConv", "QLinearMatMul"}
"""Op types that only an INT8 graph has (quantize_dynamic and quantize_static outputs, after ORT fusions)."""


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


def test_variants_offer_fp16_storage_for_every_graph():
    for role in qm.ROLES:
        assert q.variants(role)[-1] == "fp16" and "dynamic" in q.variants(role)
    assert q.file_suffix("fp16") == "fp16" and {q.file_suffix(v) for v in q.variants("vocoder")[:-1]} == {"int8"}


def test_choose_prefers_the_fastest_acceptable_variant():
    slow, fast, wrong = _m(variant="static", seconds=0.9), _m(variant="dynamic", seconds=0.5), _m(
        variant="dynamic-conv", seconds=0.1, lsd_db=9.0)
    assert q.choose([slow, fast, wrong])["variant"] == "dynamic"


def test_choose_treats_timing_noise_as_a_tie_and_takes_the_smaller_exact_graph():
    """The bug: the encoder went int8 (0.27 dB off) over exact fp16 storage that was also smaller,
    because one timing came out 2 % faster."""
    int8 = _m(variant="dynamic", mb=2.98, fp32_mb=4.68, seconds=0.00898, lsd_db=0.27)
    fp16 = _m(variant="fp16", mb=2.44, fp32_mb=4.68, seconds=0.00917, lsd_db=0.0, rel_mel_error=0.0)
    assert q.choose([int8, fp16])["variant"] == "fp16"
    clearly_faster = _m(variant="dynamic", mb=2.98, fp32_mb=4.68, seconds=0.0080, lsd_db=0.27)
    assert q.choose([clearly_faster, fp16])["variant"] == "dynamic"
    same_size = _m(variant="dynamic", mb=2.44, fp32_mb=4.68, seconds=0.0090, lsd_db=0.27)
    assert q.choose([same_size, fp16])["variant"] == "fp16"  # then the smaller error


def test_errors_are_zero_for_identical_outputs_and_grow_with_the_difference():
    rng = np.random.default_rng(0)
    mels = [rng.standard_normal((40, 80)).astype(np.float32)]
    audio = [rng.standard_normal(16000).astype(np.float32)]
    assert qm.rel_mel_error(mels, mels) == 0.0 and qm.log_spectral_distance(audio, audio) == 0.0
    noisy = [m + 0.1 * rng.standard_normal(m.shape) for m in mels]
    noisier = [m + 0.5 * rng.standard_normal(m.shape) for m in mels]
    assert 0.05 < qm.rel_mel_error(mels, noisy) < qm.rel_mel_error(mels, noisier)
    louder = [2 * a for a in audio]  # +6 dB everywhere
    assert qm.log_spectral_distance(audio, louder) == pytest.approx(20 * np.log10(2), rel=1e-3)


def test_abs_mel_error_is_max_and_mean_over_the_common_frames():
    rng = np.random.default_rng(1)
    ref = [rng.standard_normal((30, 80)).astype(np.float32), rng.standard_normal((5, 80)).astype(np.float32)]
    other = [r + 0.25 for r in ref]
    other[0][3, 7] += 1.0  # one outlier raises the max, barely the mean
    other[1] = np.concatenate([other[1], np.full((4, 80), 99.0, np.float32)])  # extra frames are ignored
    worst, mean = qm.abs_mel_error(ref, other)
    assert worst == pytest.approx(1.25, abs=1e-5)
    assert mean == pytest.approx(0.25 + 1.0 / (35 * 80), abs=1e-5)


def test_op_counts_see_the_vocoder_as_conv_only():
    import onnx

    for name in ("encoder.onnx", "vocoder.onnx"):
        nodes = onnx.load(str(TINY_VOICE / name)).graph.node
        counts = q.op_counts(TINY_VOICE / name)
        for op, n in counts.items():
            assert n == sum(node.op_type == op for node in nodes) > 0
    assert "Conv" in q.op_counts(TINY_VOICE / "vocoder.onnx")
    assert not set(q.op_counts(TINY_VOICE / "vocoder.onnx")) & set(q._DYNAMIC_OPS)


def test_calibration_feeds_are_what_the_fp32_vocoder_was_given(frontend):
    sentences = ("你好。", "今天天气很好。")
    run = qm.synthesize_set(TINY_VOICE, sentences, 1, 1, frontend)
    assert len(run.vocoder_feeds) == len(run.mels) == len(sentences)
    for feed, mel in zip(run.vocoder_feeds, run.mels):
        (array,) = feed.values()
        np.testing.assert_array_equal(array[0].T, mel)
    reader = q._FeedReader(run.vocoder_feeds)
    got = list(iter(reader.get_next, None))
    assert [list(f) for f in got] == [list(f) for f in run.vocoder_feeds]


def test_interleaved_sets_time_every_graph_of_each_folder(frontend, monkeypatch):
    order = []
    one_pass = qm._TimedVoice.one_pass
    monkeypatch.setattr(qm._TimedVoice, "one_pass", lambda self, timed: order.append((id(self), timed)) or
                        one_pass(self, timed))
    a, b = qm.synthesize_sets([TINY_VOICE, TINY_VOICE], ("你好。",), 1, 3, frontend)
    first, second = order[0][0], order[1][0]
    # warm-up of each, then A B, B A, A B: neither folder is always timed first
    assert order == [(first, False), (second, False), (first, True), (second, True), (second, True),
                     (first, True), (first, True), (second, True)]
    for run in (a, b):
        assert set(run.seconds) == set(qm.ROLES) and all(t > 0 for t in run.seconds.values())
    np.testing.assert_array_equal(a.mels[0], b.mels[0])


@pytest.fixture(scope="module", params=["measured", "all-int8", "all-fp16"])
def quantized(request, tmp_path_factory, frontend):
    """The tiny voice quantized as measured (its graphs are too small to gain: mostly fp32), with every
    graph's last INT8 variant forced (for the vocoder static QDQ: "dynamic" finds no MatMul there),
    and with fp16 storage forced, so that writing and loading both kinds of graph is tested too."""
    out = tmp_path_factory.mktemp("q") / f"tiny_{request.param}"
    with pytest.MonkeyPatch.context() as mp:
        if request.param != "measured":
            real_choose = q.choose
            wanted = "fp16" if request.param == "all-fp16" else None

            def forced(measured):
                real_choose(measured)  # fills in every variant's reasons
                return next(m for m in reversed(measured) if (m["variant"] == "fp16") == (wanted == "fp16"))
            mp.setattr(q, "choose", forced)
        report = q.quantize_voice(TINY_VOICE, out, runs=1, frontend=frontend,
                                  sentences=("你好。", "今天天气很好。"))
    if request.param != "measured":
        assert report["precision"] == request.param.removeprefix("all-")
    return out, report


def test_quantized_folder_is_a_voice_that_speaks(quantized, frontend):
    out, report = quantized
    voice = VoiceConfig.load(out)
    assert voice.precision == report["precision"]
    assert voice.model_version == model_version(out, voice.files)
    audio = Synthesizer.load(out, frontend=frontend).synthesize("你好。")
    assert len(audio.samples) > 0 and np.isfinite(audio.samples).all()


def _weights(graph) -> list:
    """Initializers and Constant tensors of a graph."""
    return [*graph.initializer, *(n.attribute[0].t for n in graph.node if n.op_type == "Constant")]


def _fp16_initializers(graph) -> int:
    from onnx import TensorProto

    return sum(t.data_type == TensorProto.FLOAT16 for t in _weights(graph))


def _weight_bytes(graph) -> int:
    from onnx import TensorProto, numpy_helper

    return sum(numpy_helper.to_array(t).nbytes for t in _weights(graph)
               if t.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16))


def test_report_matches_the_files_written(quantized, request):
    import onnx

    out, report = quantized
    forced = "all-" in request.node.name
    assert json.loads((out / "quantization.json").read_text()) == report
    voice = VoiceConfig.load(out)
    for role, graph in report["graphs"].items():
        name = voice.files[role]
        chosen = graph["chosen"]
        assert (out / name).is_file()
        expected_name = {"fp32": f"{role}.onnx", "fp16": f"{role}.fp16.onnx"}.get(chosen, f"{role}.int8.onnx")
        assert name == expected_name
        for variant in graph["variants"]:
            assert "error" in variant or variant["reasons"] == [] or chosen != variant["variant"] or forced
        model = onnx.load(str(out / name))
        int8_ops = {n.op_type for n in model.graph.node} & INT8_OPS
        assert bool(int8_ops) == (chosen not in ("fp32", "fp16")), (role, int8_ops)
        assert bool(_fp16_initializers(model.graph)) == (chosen == "fp16"), role
        assert graph["ops"] == q.op_counts(TINY_VOICE / f"{role}.onnx")
        for variant in graph["variants"]:
            if "error" not in variant:
                assert (variant["mel_max_abs"] >= variant["mel_mean_abs"] >= 0) if role != "vocoder" \
                    else "mel_max_abs" not in variant
    kinds = {"fp32" if g["chosen"] == "fp32" else q.file_suffix(g["chosen"]) for g in report["graphs"].values()}
    expected = kinds.pop() if len(kinds) == 1 else "mixed"
    assert report["precision"] == expected


@pytest.mark.parametrize("name", ["encoder.onnx", "duration_step.onnx", "decoder_step.onnx", "vocoder.onnx"])
def test_fp16_storage_halves_the_file_and_keeps_fp32_arithmetic(name, tmp_path):
    """Weights are rounded to half precision and cast back: outputs move by that rounding only, and the
    graph's inputs, outputs and remaining ops are those of the fp32 graph."""
    import onnx
    import onnxruntime as ort

    src, dst = TINY_VOICE / name, tmp_path / name
    converted = q.store_weights_fp16(src, dst)
    assert converted > 0
    a, b = onnx.load(str(src)).graph, onnx.load(str(dst)).graph
    assert dst.stat().st_size < src.stat().st_size and _weight_bytes(b) < 0.6 * _weight_bytes(a)
    assert [i.name for i in a.input] == [i.name for i in b.input]
    assert [o.name for o in a.output] == [o.name for o in b.output]
    assert sum(n.op_type == "Cast" for n in b.node) - sum(n.op_type == "Cast" for n in a.node) == converted
    assert _fp16_initializers(b) == converted
    rng = np.random.default_rng(0)
    reference, half = (ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]) for p in (src, dst))
    feed = {}
    for i in reference.get_inputs():
        shape = [d if isinstance(d, int) else 7 for d in i.shape]
        kind = i.type
        feed[i.name] = (rng.integers(0, 2, shape) if "int" in kind else
                        rng.standard_normal(shape)).astype(np.int64 if "int64" in kind else
                                                           np.int32 if "int32" in kind else np.float32)
    want, got = reference.run(None, feed), half.run(None, feed)
    for w, g in zip(want, got):
        assert w.shape == g.shape
        scale = float(np.abs(w).max()) or 1.0
        assert float(np.abs(w - g).max()) <= 2e-2 * scale


def test_fp16_storage_leaves_overflowing_tiny_and_integer_tensors_alone(tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])
    weights = {"big": np.full((32, 32), 1e6, np.float32),  # beyond float16's 65504
               "fine": np.eye(32, dtype=np.float32) * 0.5,
               "small": np.ones(8, np.float32),  # under FP16_MIN_ELEMENTS
               "shape": np.array([4, 8], np.int64)}
    nodes = [helper.make_node("MatMul", ["x", "big"], ["a"]), helper.make_node("MatMul", ["a", "fine"], ["b"]),
             helper.make_node("Reshape", ["b", "shape"], ["c"]), helper.make_node("Add", ["c", "small"], ["y"])]
    graph = helper.make_graph(nodes, "g", [x], [y], [numpy_helper.from_array(v, k) for k, v in weights.items()])
    src = tmp_path / "g.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    assert q.store_weights_fp16(src, tmp_path / "h.onnx") == 1
    kinds = {t.name: t.data_type for t in onnx.load(str(tmp_path / "h.onnx")).graph.initializer}
    assert kinds == {"big": TensorProto.FLOAT, "fine__fp16": TensorProto.FLOAT16, "small": TensorProto.FLOAT,
                     "shape": TensorProto.INT64}


@pytest.mark.parametrize(("args", "message"), [
    (["{tiny}", "{tiny}"], "must differ"),
    (["{empty}", "{out}"], "no voice.json"),
    (["{tiny}", "{full}"], "not empty"),
    (["{tiny}", "{out}", "--graphs", "encoder,decoder"], "unknown graph(s) decoder"),
    (["{tiny}", "{out}", "--sentences", "{missing}"], "cannot read --sentences"),
    (["{tiny}", "{out}", "--only", "decoder=fp16"], "unknown graph 'decoder'"),
    (["{tiny}", "{out}", "--only", "encoder=static"], "encoder has no variant static"),
    (["{tiny}", "{out}", "--only", "encoder"], "expected ROLE=VARIANT"),
    (["{tiny}", "{out}", "--only", "encoder=fp16", "--only", "encoder=dynamic"], "names encoder twice"),
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


@pytest.mark.parametrize(("specs", "expected"), [
    ([], {}),
    (["decoder_step=fp16"], {"decoder_step": ("fp16",)}),
    (["vocoder=static,dynamic", "encoder=fp32"], {"vocoder": ("dynamic", "static"), "encoder": ()}),
    (["postnet = fp32, fp16"], {"postnet": ("fp16",)}),  # fp32 is the fallback anyway
])
def test_only_lists_the_variants_to_try_in_the_quantizers_order(specs, expected):
    assert q.parse_only(specs) == expected


def test_only_tries_just_the_named_variants_and_records_them(tmp_path, capsys):
    """The bug it prevents: the decoder step went int8 on a 2 % timing edge where fp16 was wanted."""
    out = tmp_path / "out"
    assert main(["quantize", str(TINY_VOICE), str(out), "--graphs", "decoder_step,postnet", "--runs", "1",
                 "--only", "decoder_step=fp16", "--only", "postnet=fp32"]) == 0
    report = json.loads((out / "quantization.json").read_text())
    assert report["only"] == {"decoder_step": ["fp16"], "postnet": []}
    assert [v["variant"] for v in report["graphs"]["decoder_step"]["variants"]] == ["fp16"]
    assert report["graphs"]["postnet"]["variants"] == [] and report["graphs"]["postnet"]["chosen"] == "fp32"
    files = VoiceConfig.load(out).files
    assert files["decoder_step"] in ("decoder_step.onnx", "decoder_step.fp16.onnx") and files["postnet"] == "postnet.onnx"
    assert "int8" not in files["decoder_step"]


def _slow_first_timings(monkeypatch, slow_calls: int) -> list[int]:
    """Make the variant's first ``slow_calls`` interleaved timings 1.5 x fp32 (a load spike)."""
    calls = []
    real = q.synthesize_sets

    def timed(dirs, *args):
        ref, run = real(dirs, *args)
        calls.append(len(calls))
        if len(calls) <= slow_calls:
            run.seconds = {role: ref.seconds[role] * 1.5 for role in run.seconds}
        else:
            run.seconds = {role: ref.seconds[role] * 0.99 for role in run.seconds}
        return ref, run

    monkeypatch.setattr(q, "synthesize_sets", timed)
    return calls


@pytest.mark.parametrize("slow_calls, chosen", [(1, "fp16"), (2, "fp32")])
def test_a_variant_refused_for_time_alone_is_timed_once_more(slow_calls, chosen, tmp_path, monkeypatch):
    calls = _slow_first_timings(monkeypatch, slow_calls)
    report = q.quantize_voice(TINY_VOICE, tmp_path / "out", graphs=("postnet",), runs=1, only=["postnet=fp16"])
    (variant,) = report["graphs"]["postnet"]["variants"]
    assert variant["first_slowdown"] == 1.5
    assert report["graphs"]["postnet"]["chosen"] == chosen
    assert len(calls) == 3  # the variant, its second timing, the final check
    if chosen == "fp32":
        assert variant["reasons"] == ["slower: 1.50 x fp32"]


def test_a_variant_refused_for_accuracy_is_not_timed_again(tmp_path, monkeypatch):
    calls = _slow_first_timings(monkeypatch, 1)
    monkeypatch.setattr(q, "MAX_LSD_DB", -1.0)  # nothing is accurate enough: no second timing
    report = q.quantize_voice(TINY_VOICE, tmp_path / "out", graphs=("encoder",), runs=1, only=["encoder=fp16"])
    (variant,) = report["graphs"]["encoder"]["variants"]
    assert "first_slowdown" not in variant and len(calls) == 2
    assert any(r.startswith("audio LSD") for r in variant["reasons"])


def test_runtime_synthesis_never_imports_the_quantizer_or_onnx():
    code = (f"import sys; from sambert_edge import Synthesizer; "
            f"Synthesizer.load({str(TINY_VOICE)!r}).synthesize('你好。'); import sambert_edge.cli; "
            "print(sorted(m for m in sys.modules if m == 'onnx' or m.startswith(('onnx.', "
            "'onnxruntime.quantization', 'sambert_edge.train'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_quantize_without_onnx_asks_for_the_export_extra(tmp_path):
    """The CLI imports the quantizer lazily; with onnx unimportable it says which extra to install."""
    code = ("import sys; sys.modules['onnx'] = None; from sambert_edge.cli import main; "
            f"sys.exit(main(['quantize', {str(TINY_VOICE)!r}, {str(tmp_path / 'out')!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "quantize needs the export extra: pip install 'sambert-edge[export]'" in result.stderr
    assert not (tmp_path / "out").exists()
