"""``sambert-edge convert``: a synthetic ModelScope model directory (real layout, reduced random
checkpoints) -> voice folder the onnxruntime engine opens and speaks."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
yaml = pytest.importorskip("yaml")
pytest.importorskip("onnx")

from sambert_edge.cli import main  # noqa: E402
from sambert_edge.engine import Synthesizer  # noqa: E402
from sambert_edge.train.convert import (  # noqa: E402
    EMO_VOICE_EMOTIONS,
    ConvertError,
    convert_modelscope,
    find_voice,
)
from sambert_edge.train.export import check_parity  # noqa: E402
from sambert_edge.train.models import Generator, HifiGanConfig, KanTtsSAMBERT, SambertConfig  # noqa: E402
from sambert_edge.train.random_modelscope import random_sambert, write_voice  # noqa: E402
from sambert_edge.voice import VoiceConfig  # noqa: E402

SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#1$tone_none$s_none$word_none$emotion_none$F7} {h_c$tone3$s_begin$word_begin$emotion_happy$F7} "
    "{ao_c$tone3$s_end$word_end$emotion_happy$F7} {#4$tone_none$s_none$word_none$emotion_none$F7}"
)
EMO = "zhitian_emo"
SECOND = "xiaoming"
EMO_SPEAKERS = "F7,F74,FBYN,FRXL,M7,xiaoyu"
OLD_STEP, NEW_STEP = 99000, 100000  # the newest checkpoint sorts first as text


@pytest.fixture(autouse=True)
def _single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _write_voice(root: Path, name: str, speakers: str, am_steps: dict[int, int], ling_extra: dict,
                 sample_rate: int | None) -> dict[int, KanTtsSAMBERT]:
    """voices/<name>/...: one reduced AM checkpoint per (step -> seed); returns the models by step."""
    models = {step: random_sambert(SambertConfig.reduced(), speakers, seed) for step, seed in am_steps.items()}
    torch.manual_seed(7)
    write_voice(root, name, speakers, models, Generator(HifiGanConfig.reduced()), ling_extra, sample_rate)
    return models


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """(model_dir, {voice: {step: model}}): two voices, the first one with two AM checkpoints."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("speech_sambert-hifigan_tts_zh-cn_16k")
    (root / "configuration.json").write_text(json.dumps(
        {"framework": "pytorch", "task": "text-to-speech",
         "model": {"type": "sambert-hifigan", "lang_type": "zhcn", "sample_rate": 24000}}))
    (root / "voices").mkdir()
    (root / "voices" / "voices.json").write_text(json.dumps({"voices": [EMO, SECOND]}))
    models = {
        EMO: _write_voice(root, EMO, EMO_SPEAKERS, {OLD_STEP: 1, NEW_STEP: 2}, {}, 16000),
        SECOND: _write_voice(root, SECOND, "F7,M7", {2000: 3},
                             {"emotion_list": "emotion_happy,emotion_neutral,sad"}, None),
    }
    return root, models


@pytest.fixture(scope="module")
def default_voice(model_dir, tmp_path_factory):
    root, _ = model_dir
    out = tmp_path_factory.mktemp("converted") / "zhitian"
    return convert_modelscope(root, out), out


def test_find_voice_reads_the_layout(model_dir):
    root, _ = model_dir
    voice = find_voice(root)
    assert voice.name == EMO and voice.available == (EMO, SECOND)
    assert voice.am_checkpoint.name == f"checkpoint_{NEW_STEP}.pth"
    assert voice.voc_checkpoint.name == "checkpoint_0.pth"
    assert voice.sample_rate == 16000  # audio_config.yaml wins over configuration.json
    second = find_voice(root, SECOND)
    assert second.sample_rate == 24000  # no audio_config.yaml: configuration.json
    assert second.emotions == ("happy", "neutral", "sad")
    # One voice folder given directly works too.
    assert find_voice(root / "voices" / SECOND).speakers == ("F7", "M7")


def test_default_voice_converts_and_speaks(default_voice):
    result, out = default_voice
    voice = VoiceConfig.load(out)
    assert voice.name == EMO and result.precision == "fp32"
    assert voice.speakers == tuple(EMO_SPEAKERS.split(",")) and voice.default_speaker == "F7"
    assert voice.emotions == EMO_VOICE_EMOTIONS and "neutral" in voice.emotions and "happy" in voice.emotions
    assert voice.sample_rate == 16000 and voice.hop_length == 200 and voice.num_mels == 80
    synth = Synthesizer.load(out)
    audio = synth.synthesize_symbols(SYMBOLS, emotion="sad", speaker="M7")
    assert audio.sample_rate == 16000 and audio.samples.size > 0
    assert np.isfinite(audio.samples.astype(np.float64)).all()


def test_the_highest_checkpoint_is_exported(default_voice, model_dir):
    result, out = default_voice
    _, models = model_dir
    assert result.voice.am_checkpoint.name == f"checkpoint_{NEW_STEP}.pth"
    assert check_parity(models[EMO][NEW_STEP], out, SYMBOLS) <= 1e-3
    with pytest.raises(AssertionError):
        check_parity(models[EMO][OLD_STEP], out, SYMBOLS)


def test_cli_converts_the_second_voice(model_dir, tmp_path, capsys):
    root, models = model_dir
    out = tmp_path / "voice"
    assert main(["convert", str(root), str(out), "--voice", SECOND, "--name", "xm"]) == 0
    printed = capsys.readouterr().out
    assert "voice xm (fp32, 24000 Hz)" in printed and "checkpoint_2000.pth" in printed
    voice = VoiceConfig.load(out)
    assert voice.name == "xm" and voice.speakers == ("F7", "M7") and voice.sample_rate == 24000
    assert voice.emotions == ("happy", "neutral", "sad")
    assert check_parity(models[SECOND][2000], out, SYMBOLS) <= 1e-3
    # A second run refuses the now non-empty folder.
    assert main(["convert", str(root), str(out), "--voice", SECOND]) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err
    # --force writes over it (here: the first voice, so every graph changes).
    before = VoiceConfig.load(out).model_version
    assert main(["convert", str(root), str(out), "--force"]) == 0
    assert VoiceConfig.load(out).name == EMO and VoiceConfig.load(out).model_version != before


def test_unknown_voice_lists_the_available_ones(model_dir, tmp_path, capsys):
    root, _ = model_dir
    with pytest.raises(ConvertError, match=f"unknown voice 'zhiyan_emo'.*available: {EMO}, {SECOND}"):
        find_voice(root, "zhiyan_emo")
    assert main(["convert", str(root), str(tmp_path / "v"), "--voice", "zhiyan_emo"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sambert-edge convert: unknown voice") and SECOND in err


def test_not_a_model_dir(tmp_path, capsys):
    with pytest.raises(ConvertError, match="not a ModelScope Sambert-HifiGan model directory"):
        find_voice(tmp_path)
    assert main(["convert", str(tmp_path / "nowhere"), str(tmp_path / "v")]) == 1
    assert "does not exist" in capsys.readouterr().err


def _copy_voice(model_dir, tmp_path) -> Path:
    """A private copy of the synthetic model directory (to break it)."""
    import shutil

    root, _ = model_dir
    copy = tmp_path / "model"
    shutil.copytree(root, copy)
    return copy


def test_missing_checkpoint_is_named(model_dir, tmp_path):
    root = _copy_voice(model_dir, tmp_path)
    ckpt = root / "voices" / SECOND / "voc" / "ckpt"
    (ckpt / "checkpoint_0.pth").unlink()
    with pytest.raises(ConvertError, match=f"missing checkpoint: no checkpoint_<N>.pth in {ckpt}"):
        find_voice(root, SECOND)


def test_checkpoint_key_mismatch_names_the_checkpoint(model_dir, tmp_path):
    root = _copy_voice(model_dir, tmp_path)
    path = root / "voices" / SECOND / "am" / "ckpt" / "checkpoint_2000.pth"
    ckpt = torch.load(path, weights_only=True)
    ckpt["model"]["mel_postnet.fc.bogus"] = ckpt["model"].pop("mel_postnet.fc.weight")
    torch.save(ckpt, path)
    expected = (r"AM checkpoint .*checkpoint_2000.pth does not match .*missing keys \(1\): mel_postnet.fc.weight; "
                r"unexpected keys \(1\): mel_postnet.fc.bogus")
    with pytest.raises(ConvertError, match=expected):
        convert_modelscope(root, tmp_path / "out", voice=SECOND)


def test_nsf_am_without_nsf_vocoder_is_refused(model_dir, tmp_path):
    """NSF voices convert (tests/train/test_convert_nsf.py), but only as an NSF AM + NSF vocoder pair."""
    root = _copy_voice(model_dir, tmp_path)
    config = root / "voices" / SECOND / "am" / "config.yaml"
    data = yaml.safe_load(config.read_text())
    data["Model"]["KanTtsSAMBERT"]["params"]["NSF"] = True
    config.write_text(yaml.safe_dump(data))
    with pytest.raises(ConvertError, match="the AM is NSF .* but the vocoder has no nsf_params"):
        convert_modelscope(root, tmp_path / "out", voice=SECOND)


def test_non_empty_out_dir_is_refused_before_any_work(model_dir, tmp_path):
    root, _ = model_dir
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ConvertError, match="is not empty"):
        convert_modelscope(root, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_int8_without_the_quantizer_says_so(model_dir, tmp_path, monkeypatch, capsys):
    root, _ = model_dir
    monkeypatch.setitem(sys.modules, "sambert_edge.train.quantize", None)  # import fails
    assert main(["convert", str(root), str(tmp_path / "v"), "--precision", "int8"]) == 1
    assert "int8 is unavailable" in capsys.readouterr().err


def test_int8_quantizes_the_fp32_export(model_dir, tmp_path, frontend):
    """convert exports fp32 to a temporary folder, then quantize_voice measures and writes out_dir."""
    from sambert_edge import Synthesizer
    from sambert_edge.voice import PRECISIONS, VoiceConfig

    root, _ = model_dir
    out = tmp_path / "out" / "v8"
    result = convert_modelscope(root, out, precision="int8")
    report = json.loads((out / "quantization.json").read_text())
    assert result.precision == report["precision"] == VoiceConfig.load(out).precision
    assert result.precision in PRECISIONS
    assert set(report["graphs"]) == {"encoder", "duration_step", "decoder_memory", "decoder_step", "postnet",
                                     "vocoder"}
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["v8"]  # the temporary fp32 folder is gone
    audio = Synthesizer.load(out, frontend=frontend).synthesize("你好。")
    assert len(audio.samples) > 0


def test_missing_export_extra_is_a_clear_cli_error(model_dir, tmp_path, monkeypatch, capsys):
    root, _ = model_dir
    monkeypatch.setitem(sys.modules, "torch", None)  # importlib.util.find_spec -> None
    assert main(["convert", str(root), str(tmp_path / "v")]) == 1
    assert "pip install 'sambert-edge[export]'" in capsys.readouterr().err


def test_random_modelscope_stage_writes_a_directory_convert_reads(tmp_path, frontend):
    from sambert_edge.train.__main__ import main as train_main

    root = tmp_path / "model"
    assert train_main(["random-modelscope", str(root), "--reduced", "--voice", "zhiyan_emo"]) == 0
    found = find_voice(root)
    assert found.name == "zhiyan_emo" and found.am_checkpoint.name == "checkpoint_100000.pth"
    convert_modelscope(root, tmp_path / "voice")
    audio = Synthesizer.load(tmp_path / "voice", frontend=frontend).synthesize("你好。")
    assert len(audio.samples) > 0
