"""``sambert-edge say`` on the tiny fixture voice."""

import io
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from sambert_edge.cli import main

TINY_VOICE = str(Path(__file__).resolve().parent / "fixtures" / "tiny_voice")
SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#4$tone_none$s_none$word_none$emotion_none$F7}"
)


def _wav(data: bytes) -> tuple[int, int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getframerate(), wav.getsampwidth(), wav.getnframes()


def test_say_writes_a_16_bit_wav_and_the_mel(tmp_path):
    out, mel = tmp_path / "out.wav", tmp_path / "mel.npy"
    rc = main(["say", "你好，世界。", "--voice", TINY_VOICE, "-o", str(out), "--save-mel", str(mel),
               "--emotion", "happy", "--intensity", "0.5", "--speed", "1.2", "--pitch", "0.3",
               "--energy", "1.1", "--speaker", "M7", "--threads", "1"])
    assert rc == 0
    rate, width, frames = _wav(out.read_bytes())
    assert (rate, width) == (16000, 2) and frames > 0
    assert np.load(mel).shape[1] == 80


def test_say_speaks_symbols(tmp_path):
    out = tmp_path / "sym.wav"
    assert main(["say", "--symbols", SYMBOLS, "--voice", TINY_VOICE, "-o", str(out)]) == 0
    assert _wav(out.read_bytes())[2] > 0


def test_say_reads_stdin_and_writes_stdout():
    result = subprocess.run(
        [sys.executable, "-m", "sambert_edge", "say", "-", "--voice", TINY_VOICE, "-o", "-"],
        input="你好。".encode(), capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout[:4] == b"RIFF" and _wav(result.stdout)[2] > 0


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["say", "-o", "x.wav", "--voice", TINY_VOICE], "give either TEXT", 2),
        (["say", "你好", "--voice", "/nonexistent/voice", "-o", "x.wav"], "no voice.json", 1),
        (["say", "你好", "--voice", TINY_VOICE, "-o", "x.wav", "--emotion", "fear"], "neutral, happy", 1),
        (["say", "你好", "--voice", TINY_VOICE, "-o", "x.wav", "--speaker", "X"], "F7, M7", 1),
        (["say", "--symbols", "{bad}", "--voice", TINY_VOICE, "-o", "x.wav"], "fields", 1),
    ],
)
def test_say_errors_go_to_stderr_with_nonzero_status(args, message, status, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == status
    err = capsys.readouterr().err
    assert err.startswith("sambert-edge say: ") and message in err
    assert not (tmp_path / "x.wav").exists()


def test_say_without_voice_and_without_a_bundled_voice_names_the_option(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sambert_edge.voice.BUNDLED_VOICES", tmp_path / "no_voices")
    monkeypatch.chdir(tmp_path)
    assert main(["say", "你好", "-o", "x.wav"]) == 2
    assert "pass --voice DIR" in capsys.readouterr().err
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("voice_args", [[], ["--voice", "default"], ["--voice", "tiny"]])
def test_say_uses_the_bundled_voice_by_default_or_by_name(voice_args, tmp_path, monkeypatch):
    import shutil

    bundled = tmp_path / "voices"
    shutil.copytree(TINY_VOICE, bundled / "default")
    shutil.copytree(TINY_VOICE, bundled / "tiny")
    monkeypatch.setattr("sambert_edge.voice.BUNDLED_VOICES", bundled)
    monkeypatch.chdir(tmp_path)
    assert main(["say", "你好。", "-o", "x.wav", *voice_args]) == 0
    rate, width, frames = _wav((tmp_path / "x.wav").read_bytes())
    assert (rate, width) == (16000, 2) and frames > 0
