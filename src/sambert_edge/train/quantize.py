"""``sambert-edge quantize``: INT8 or fp16-stored graphs for a voice folder, each kept only where measurement says so.

INT8 is not a free win on CPUs: dynamic quantization speeds up MatMul-heavy graphs, but
convolutional vocoders often run *slower* with ConvInteger kernels than in fp32 (see
../shared/ANCHORS.md: Piper and Kokoro int8 slower than fp32 on one thread). So every graph of the
voice is tried in each variant below, timed inside a full synthesis of calibration sentences with
only that graph swapped, and compared with fp32 on what the listener gets:

    acoustic graphs  mel error of the final (postnet) mel, relative to the fp32 mel's spread
    every graph      log-spectral distance (dB) of the audio against the fp32 audio

A variant is chosen when it is smaller, not slower than fp32 by more than ``MAX_SLOWDOWN``, and
within ``MAX_REL_MEL_ERROR`` / ``MAX_LSD_DB`` (the fastest such, where times within
``TIMING_NOISE`` tie and the smallest file then wins); else fp32 stays. A variant refused for its
time alone is timed once more and the better ratio counts (``first_slowdown`` in the report): the
exact fp16 encoder of a 2026-12-04 export was refused at 1.13 x fp32 and measured 0.99 x on a rerun.
The output folder gets the chosen files (``<stem>.int8.onnx`` / ``<stem>.fp16.onnx``), ``voice.json``
with ``precision`` fp32 | int8 | fp16 | mixed and a new model version, and ``quantization.json``
with every measurement.

Variants: ``dynamic`` (weights int8, activations quantized at run time; MatMul, Gemm, LSTM,
Attention), ``dynamic-conv`` (the same plus Conv, vocoder only), ``static`` (QDQ, int8 weights per
channel and int8 activations with ranges calibrated on the exact vocoder inputs (mels; NSF voices
also f0/uv, phases, noise) that the fp32 voice produced for the calibration sentences; vocoder only)
and ``fp16`` (every graph: weights *stored* in half precision, each behind a ``Cast`` to float that
onnxruntime folds into an fp32 initializer when it builds the session, so the file is half the size
and the arithmetic stays fp32; only the rounding of the weights to 11 significant bits is left,
which keeps graphs that int8 spoils, such as LSTM encoders, within the thresholds).
The report counts each graph's MatMul/Gemm/LSTM/Attention/Conv nodes: a conv-only graph (HiFi-GAN)
gains nothing from ``dynamic``, which leaves convolutions alone.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx  # at import time, so that an install without the export extra fails before any work

from ..voice import VoiceConfig, model_version
from .quantize_measure import (ACOUSTIC_ROLES, ROLES, abs_mel_error, log_spectral_distance, rel_mel_error, synthesize_set,
                               synthesize_sets)

MAX_SLOWDOWN = 1.10
"""int8 must not cost more than 10 % over fp32 in the graph's own time (measurement noise is ~5 %)."""
TIMING_NOISE = 0.05
"""Relative timing difference that decides nothing. Without it the step-15,200 encoder went int8
(8.98 ms, 2.98 MB, 0.27 dB) over fp16 storage (9.17 ms, 2.44 MB, exact) on a 2 % difference."""
MAX_REL_MEL_ERROR = 0.05
"""Mean |mel int8 - mel fp32| / std(mel fp32): 5 % of the mel's spread is below what a vocoder renders audibly."""
MAX_LSD_DB = 1.0
"""Log-spectral distance to the fp32 audio; ~1-2 dB is where codec studies start hearing differences.
1.5 dB let the bundled voice's autoregressive decoder step into int8 at 1.44 dB (its errors feed back
into the next frames), and that voice scored dev-sentence CER 0.238 and 0.244 in two runs where the
same acoustic model with fp32 arithmetic scored 0.203, 0.214 and 0.216 (2026-12-02); the int8 vocoder
(0.68 dB) cost nothing measurable. With ``fp16`` storage as the accurate way to halve a graph, the
bar sits below what the decoder step reached."""

DEFAULT_SENTENCES = (
    "今天天气很好，我们去公园散步吧。",
    "请把客厅的空调调到二十六度。",
    "这本书一共有三百二十页，我已经读完了一半。",
    "明天早上七点半叫我起床，别忘了。",
)
WEIGHT_TYPE = "QUInt8"
"""Unsigned int8 weights for the dynamic variants. Measured 2026-11-24 (onnxruntime 1.32, AMD EPYC
with AVX2 but no VNNI, 1 thread, full-size random voice): signed QInt8 weights gave 20-40x the mel
error of QUInt8 at the same size (encoder 0.115 vs 0.005, decoder_step 0.19 vs 0.008 relative mel
error), because AVX2's u8 x s8 multiply-add saturates its 16-bit sums; u8 x u8 does not, and ARM
boards have no such problem either way. Speed differed by less than the noise of the loaded machine.
Static QDQ uses it for activations too: on the HiFi-GAN vocoder u8 activations x s8 weights gave
3.7 dB LSD (saturation), s8 x s8 1.9 dB and u8 x u8 1.8 dB."""
_DYNAMIC_OPS = ["MatMul", "Gemm", "LSTM", "Attention"]
_COUNTED_OPS = (*_DYNAMIC_OPS, "Conv", "ConvTranspose")


class QuantizeError(ValueError):
    """A voice folder that cannot be quantized as asked; the message names the problem."""


def op_counts(path: Path) -> dict[str, int]:
    """Nodes per op type among those quantization can touch (MatMul ... ConvTranspose), top graph only."""
    nodes = onnx.load(str(path), load_external_data=False).graph.node
    return {op: n for op in _COUNTED_OPS if (n := sum(node.op_type == op for node in nodes))}


def refusals(m: dict[str, Any]) -> list[str]:
    """Why one measurement (see :func:`choose`) cannot be chosen; empty when it can."""
    reasons = []
    if m["mb"] >= m["fp32_mb"]:
        reasons.append("not smaller")
    if _slowdown(m) > MAX_SLOWDOWN:
        reasons.append(f"slower: {_slowdown(m):.2f} x fp32")
    if m.get("rel_mel_error") is not None and m["rel_mel_error"] > MAX_REL_MEL_ERROR:
        reasons.append(f"mel error {m['rel_mel_error']:.3f} > {MAX_REL_MEL_ERROR}")
    if m["lsd_db"] > MAX_LSD_DB:
        reasons.append(f"audio LSD {m['lsd_db']:.2f} dB > {MAX_LSD_DB}")
    return reasons


def _slowdown(m: dict[str, Any]) -> float:
    return m["seconds"] / max(m["fp32_seconds"], 1e-9)


def choose(measurements: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The acceptable variant with the smallest time among one graph's measurements, or None; times
    within ``TIMING_NOISE`` of the fastest count as equal, and among those the smallest file wins,
    then the smaller audio error.

    Each measurement: {"variant", "mb", "fp32_mb", "seconds", "fp32_seconds", "rel_mel_error" (None
    for the vocoder), "lsd_db"}; its "reasons" list is filled with why it was refused.
    """
    accepted = []
    for m in measurements:
        m["reasons"] = refusals(m)
        if not m["reasons"]:
            accepted.append(m)
    if not accepted:
        return None
    fastest = min(m["seconds"] for m in accepted)
    tied = [m for m in accepted if m["seconds"] <= fastest * (1 + TIMING_NOISE)]
    return min(tied, key=lambda m: (m["mb"], m["lsd_db"], m["seconds"]))


FP16_MIN_ELEMENTS = 16
"""Float tensors smaller than this stay fp32 in the ``fp16`` variant (scalars and tiny shapes: a Cast
each would cost more than the bytes it saves)."""


def variants(role: str) -> tuple[str, ...]:
    return ("dynamic", "dynamic-conv", "static", "fp16") if role == "vocoder" else ("dynamic", "fp16")


def file_suffix(variant: str) -> str:
    """How a graph of ``variant`` is named in the output folder: ``<stem>.<suffix>.onnx``."""
    return "fp16" if variant == "fp16" else "int8"


def store_weights_fp16(src: Path, dst: Path, min_elements: int = FP16_MIN_ELEMENTS) -> int:
    """Write ``src`` with its float initializers and ``Constant`` tensors of at least ``min_elements``
    values stored as float16, each feeding a ``Cast`` to float under its old name; returns how many
    were converted. Tensors that are graph inputs (overridable) or would overflow float16 stay fp32.

    Top graph only: the exported voices have no subgraphs with weights (If/Loop bodies).
    """
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    overridable = {i.name for i in graph.input}

    def half(array: np.ndarray) -> np.ndarray | None:
        if array.size < min_elements or not np.isfinite(array).all() or \
                float(np.abs(array).max()) > float(np.finfo(np.float16).max):
            return None
        return array.astype(np.float16)

    initializers, casts = [], []
    for tensor in graph.initializer:
        converted = None
        if tensor.data_type == TensorProto.FLOAT and tensor.name not in overridable:
            converted = half(numpy_helper.to_array(tensor))
        if converted is None:
            initializers.append(tensor)
            continue
        initializers.append(numpy_helper.from_array(converted, f"{tensor.name}__fp16"))
        casts.append(helper.make_node("Cast", [f"{tensor.name}__fp16"], [tensor.name], to=TensorProto.FLOAT,
                                      name=f"{tensor.name}__cast"))
    nodes, constants = [], 0
    for node in graph.node:
        value = node.attribute[0].t if node.op_type == "Constant" and node.attribute[0].name == "value" else None
        converted = half(numpy_helper.to_array(value)) if value is not None and value.data_type == TensorProto.FLOAT \
            else None
        if converted is None:
            nodes.append(node)
            continue
        out = node.output[0]
        nodes.append(helper.make_node("Constant", [], [f"{out}__fp16"], value=numpy_helper.from_array(converted),
                                      name=f"{node.name}__fp16"))
        nodes.append(helper.make_node("Cast", [f"{out}__fp16"], [out], to=TensorProto.FLOAT, name=f"{node.name}__cast"))
        constants += 1
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    # Casts of initializers first: their inputs exist before any node runs, so topological order holds.
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return len(casts) + constants


class _FeedReader:
    """``CalibrationDataReader`` for static quantization of the vocoder: the feeds the fp32 voice
    gave it (mel [1, num_mels, F]; NSF voices also phases and noise), one per sentence."""

    def __init__(self, feeds: list[dict[str, np.ndarray]]):
        self._items = iter([f for f in feeds if all(v.size for v in f.values())])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)


def quantize_graph(src: Path, dst: Path, variant: str, feeds: list[dict[str, np.ndarray]]) -> None:
    """Write the ``variant`` version (INT8, or fp16 storage) of ``src`` to ``dst`` (``feeds``: static calibration)."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static

    weight_type = getattr(QuantType, WEIGHT_TYPE)
    if variant == "fp16":
        store_weights_fp16(src, dst)
    elif variant in ("dynamic", "dynamic-conv"):
        ops = _DYNAMIC_OPS + (["Conv"] if variant == "dynamic-conv" else [])
        quantize_dynamic(str(src), str(dst), weight_type=weight_type, op_types_to_quantize=ops)
    elif variant == "static":
        if not feeds:
            raise QuantizeError("static quantization needs calibration feeds (no sentence gave any frames)")
        quantize_static(str(src), str(dst), _FeedReader(feeds), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=weight_type, weight_type=weight_type)
    else:
        raise QuantizeError(f"unknown variant {variant!r}")


def _check_dirs(voice_dir: Path, out_dir: Path, force: bool) -> VoiceConfig:
    from ..voice import VoiceError

    try:
        voice = VoiceConfig.load(voice_dir)
    except VoiceError as e:
        raise QuantizeError(str(e)) from None
    if out_dir.resolve() == voice_dir.resolve():
        raise QuantizeError("the output folder must differ from the voice folder (the fp32 graphs are the reference)")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise QuantizeError(f"{str(out_dir)!r} is not empty; pass --force to write into it")
    return voice


def parse_only(specs: list[str] | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """``["decoder_step=fp16", "vocoder=dynamic,static"]`` -> {role: variants to try}; ``fp32`` alone
    means try none (fp32 is always the fallback). Raises QuantizeError naming a bad role or variant."""
    only: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        role, sep, names = spec.partition("=")
        role = role.strip()
        wanted = tuple(v.strip() for v in names.split(",") if v.strip())
        if not sep or not wanted:
            raise QuantizeError(f"--only {spec!r}: expected ROLE=VARIANT[,VARIANT...]")
        if role not in ROLES:
            raise QuantizeError(f"--only {spec!r}: unknown graph {role!r}; choose from {', '.join(ROLES)}")
        bad = [v for v in wanted if v != "fp32" and v not in variants(role)]
        if bad:
            raise QuantizeError(f"--only {spec!r}: {role} has no variant {', '.join(bad)}; "
                                f"choose from fp32, {', '.join(variants(role))}")
        if role in only:
            raise QuantizeError(f"--only names {role} twice")
        only[role] = tuple(v for v in variants(role) if v in wanted)
    return only


def quantize_voice(voice_dir: str | Path, out_dir: str | Path, *, graphs: tuple[str, ...] | None = None,
                   sentences: tuple[str, ...] | None = None, threads: int = 1, runs: int = 3,
                   force: bool = False, frontend: Any = None, only: tuple[str, ...] | list[str] = ()
                   ) -> dict[str, Any]:
    """Measure INT8 variants of ``graphs`` (default: all) of ``voice_dir``; write the chosen voice to ``out_dir``.

    ``only``: ``ROLE=VARIANT[,VARIANT]`` specs (:func:`parse_only`) naming the variants to try for a
    graph, e.g. to keep an autoregressive graph off int8 whatever its timing says; the choice among
    them is still measured, fp32 the fallback.
    Returns the report also written to ``out_dir/quantization.json``. Raises QuantizeError.
    """
    voice_dir, out_dir = Path(voice_dir), Path(out_dir)
    voice = _check_dirs(voice_dir, out_dir, force)
    graphs = tuple(graphs or ROLES)
    unknown = [g for g in graphs if g not in ROLES]
    if unknown:
        raise QuantizeError(f"unknown graph(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}")
    only = parse_only(only)
    sentences = tuple(sentences or DEFAULT_SENTENCES)
    if frontend is None:
        from ..frontend import Frontend

        frontend = Frontend()
    fp32 = synthesize_set(voice_dir, sentences, threads, runs, frontend)
    report: dict[str, Any] = {"voice": voice.name, "sentences": list(sentences), "threads": threads,
                              "thresholds": {"max_slowdown": MAX_SLOWDOWN, "max_rel_mel_error": MAX_REL_MEL_ERROR,
                                             "max_lsd_db": MAX_LSD_DB},
                              "only": {role: list(names) for role, names in only.items()}, "graphs": {}}
    files = dict(voice.files)
    with tempfile.TemporaryDirectory(prefix="sambert-quantize-") as tmp:
        trial = Path(tmp) / "trial"
        shutil.copytree(voice_dir, trial)
        chosen_files: dict[str, tuple[str, Path]] = {}
        for role in graphs:
            src = voice_dir / voice.files[role]
            base = {"fp32_mb": src.stat().st_size / 1e6, "fp32_seconds": fp32.seconds[role]}
            measured = []
            for variant in only.get(role, variants(role)):
                candidate = Path(tmp) / f"{role}.{variant}.onnx"
                entry: dict[str, Any] = {"variant": variant, **base}
                try:
                    quantize_graph(src, candidate, variant, fp32.vocoder_feeds)
                    shutil.copyfile(candidate, trial / voice.files[role])
                    ref, run = synthesize_sets([voice_dir, trial], sentences, threads, runs, frontend)
                    # fp32_seconds: the fp32 time of the passes interleaved with this variant's (see synthesize_sets)
                    entry.update(mb=candidate.stat().st_size / 1e6, seconds=run.seconds[role],
                                 fp32_seconds=ref.seconds[role],
                                 rel_mel_error=rel_mel_error(fp32.mels, run.mels) if role in ACOUSTIC_ROLES else None,
                                 lsd_db=log_spectral_distance(fp32.audios, run.audios))
                    reasons = refusals(entry)
                    if len(reasons) == 1 and reasons[0].startswith("slower"):
                        # Refused for its time alone: a load spike can cost a small graph 10-15 %, so
                        # it is timed once more and the better of the two ratios counts.
                        ref, run = synthesize_sets([voice_dir, trial], sentences, threads, runs, frontend)
                        entry["first_slowdown"] = round(_slowdown(entry), 3)
                        if run.seconds[role] / max(ref.seconds[role], 1e-9) < _slowdown(entry):
                            entry.update(seconds=run.seconds[role], fp32_seconds=ref.seconds[role])
                except Exception as e:  # noqa: BLE001 - a variant ORT cannot build or run is reported, not fatal
                    entry["error"] = f"{type(e).__name__}: {e}"
                    measured.append(entry)
                    continue
                finally:
                    shutil.copyfile(src, trial / voice.files[role])
                if role in ACOUSTIC_ROLES:
                    entry["mel_max_abs"], entry["mel_mean_abs"] = abs_mel_error(fp32.mels, run.mels)
                measured.append(entry)
            best = choose([m for m in measured if "error" not in m])
            report["graphs"][role] = {**base, "ops": op_counts(src), "variants": measured,
                                      "chosen": best["variant"] if best else "fp32"}
            if best:
                chosen_files[role] = (best["variant"], Path(tmp) / f"{role}.{best['variant']}.onnx")
        _write_voice(voice_dir, out_dir, voice, files, chosen_files, report)
    fp32_again, final = synthesize_sets([voice_dir, out_dir], sentences, threads, runs, frontend)
    report["final"] = {
        "precision": report["precision"],
        "fp32_mb": sum((voice_dir / f).stat().st_size for f in voice.files.values()) / 1e6,
        "mb": sum((out_dir / f).stat().st_size for f in report["files"].values()) / 1e6,
        "fp32_seconds": sum(fp32_again.seconds.values()), "seconds": sum(final.seconds.values()),
        "rel_mel_error": rel_mel_error(fp32.mels, final.mels),
        "mel_max_abs": abs_mel_error(fp32.mels, final.mels)[0],
        "lsd_db": log_spectral_distance(fp32.audios, final.audios),
    }
    (out_dir / "quantization.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return report


def _write_voice(voice_dir: Path, out_dir: Path, voice: VoiceConfig, files: dict[str, str],
                 chosen: dict[str, tuple[str, Path]], report: dict[str, Any]) -> None:
    """Copy the voice, put each chosen graph in as ``<stem>.int8.onnx`` / ``<stem>.fp16.onnx``, rewrite voice.json."""
    from dataclasses import replace

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in sorted(set(voice.files.values())):
        if not any(voice.files[role] == name for role in chosen):
            shutil.copyfile(voice_dir / name, out_dir / name)
    kinds = set()
    for role, (variant, path) in chosen.items():
        kinds.add(file_suffix(variant))
        files[role] = f"{Path(voice.files[role]).stem}.{file_suffix(variant)}.onnx"
        shutil.copyfile(path, out_dir / files[role])
    precision = kinds.pop() if len(chosen) == len(ROLES) and len(kinds) == 1 else "mixed" if chosen else "fp32"
    config = replace(voice, files=files, precision=precision, model_version=model_version(out_dir, files))
    config.save(out_dir)
    report.update(precision=precision, files=files, model_version=config.model_version)
