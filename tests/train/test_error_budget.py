"""``error-budget`` on the tiny fixture voice: which recording the judge hears, and the sums."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("librosa")

from sambert_edge.engine import Synthesizer  # noqa: E402
from sambert_edge.train.am_data import Normaliser  # noqa: E402
from sambert_edge.train.error_budget import analysis_mel, error_budget, summary  # noqa: E402
from sambert_edge.train.features import MelSettings  # noqa: E402

TINY_VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_voice"
RATE = 16000


def _norm(mels: int = 80) -> Normaliser:
    return Normaliser(np.full(mels, 0.5, np.float32), np.full(mels, 0.25, np.float32), 5.0, 0.3, 0.0, 1.0)


def _tone(seconds: float, edge_s: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    pad = np.zeros(int(edge_s * RATE), np.float32)
    return np.concatenate([pad, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), pad])


class LengthJudge:
    """Tells the three recordings apart by length: hears the text right only for the ones in ``right``
    (``reference`` / ``copy`` / ``student``), otherwise drops the last character."""

    def __init__(self, text: str, reference_samples: int, right: set[str]):
        self.text, self.ref, self.right, self.heard = text, reference_samples, right, []

    def transcribe(self, samples: np.ndarray) -> str:
        n = len(samples)
        source = "reference" if n == self.ref else "copy" if n == self.ref // 200 * 200 else "student"
        self.heard.append(source)
        return self.text if source in self.right else self.text[:-1]


def test_error_budget_splits_the_loss_between_vocoder_and_acoustic_model():
    text = "打开客厅的灯"
    ref = _tone(1.0, edge_s=0.05)[:-37]  # not a whole number of hops, so copy != reference in length
    judge = LengthJudge(text, len(ref), right={"reference"})
    report = error_budget(TINY_VOICE, [text], lambda _: ref, judge, _norm(), edge_silence_s=0.05)
    assert judge.heard == ["reference", "copy", "student"]
    assert report["cer"] == {"reference": 0.0, "copy": pytest.approx(1 / 6, abs=1e-4),
                             "student": pytest.approx(1 / 6, abs=1e-4)}
    assert report["vocoder_cost"] == pytest.approx(1 / 6, abs=1e-4)
    assert report["acoustic_cost"] == pytest.approx(0.0, abs=1e-4)
    student_s = len(Synthesizer.load(TINY_VOICE).synthesize(text).samples) / RATE
    assert report["length_ratio"] == pytest.approx(student_s / (len(ref) / RATE - 0.1), rel=1e-3)
    assert "vocoder +0.167" in summary(report) and "acoustic model +0.000" in summary(report)


def test_analysis_mel_is_the_normalized_training_mel_one_frame_per_hop():
    settings = MelSettings()
    mel = analysis_mel(_tone(0.5), settings, _norm())
    assert mel.shape == (int(0.5 * RATE) // settings.hop_length, settings.num_mels) and mel.dtype == np.float32
    # [0, 1] mel z-scored with mean 0.5 and std 0.25 lies in [-2, 2]; a 220 Hz tone peaks in a low bin
    assert mel.min() >= -2.0 - 1e-6 and mel.max() <= 2.0 + 1e-6
    assert int(np.argmax(mel.mean(axis=0))) < 20


def test_error_budget_refuses_stats_of_another_mel_size():
    with pytest.raises(ValueError, match="40 mel bins"):
        error_budget(TINY_VOICE, ["你好"], lambda _: _tone(0.3), LengthJudge("你好", 0, set()), _norm(40))


def test_error_budget_command_names_missing_stats(tmp_path):
    from sambert_edge.train.__main__ import main

    with pytest.raises(SystemExit, match=r"no normalisation stats at .*stats\.json"):
        main(["error-budget", "--workdir", str(tmp_path), "--voice", str(TINY_VOICE)])
