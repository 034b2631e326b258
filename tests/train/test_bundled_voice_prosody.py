"""The bundled voice meets the issue's prosody bars on the dev sentences.

The bars (``evaluate.BARS``) are measured exactly as the ``evaluate`` stage measures them: every dev
sentence synthesised in each emotion by the torch-free engine, f0 by WORLD, duration and RMS pooled.
The judge's CER needs Whisper (the ``teacher`` extra) and is measured by the recipe, not here; the
judge below hears nothing, so only the prosody columns of the report are read.
"""

import pytest

pytest.importorskip("pyworld")

from sambert_edge.train.stages import SHARED  # noqa: E402
from sambert_edge.train.evaluate import BARS, evaluate_voice  # noqa: E402
from sambert_edge.voice import BUNDLED_VOICES  # noqa: E402

DEV_SENTENCES = SHARED / "eval" / "dev_sentences.txt"


class DeafJudge:
    def transcribe(self, samples) -> str:
        return ""


@pytest.fixture(scope="module")
def relative_prosody() -> dict[str, dict[str, float]]:
    """emotion -> {f0_mean_pct, f0_std_pct, duration_pct, rms_db} against neutral."""
    if not DEV_SENTENCES.is_file():
        pytest.skip(f"no dev sentences at {DEV_SENTENCES} (../shared beside the repository)")
    sentences = [s.strip() for s in DEV_SENTENCES.read_text(encoding="utf-8").splitlines() if s.strip()]
    assert len(sentences) >= 30
    report = evaluate_voice(BUNDLED_VOICES / "default", sentences, DeafJudge(), threads=2)
    return {emotion: row["relative"] for emotion, row in report["emotions"].items()}


def test_bundled_voice_offers_the_four_emotions(relative_prosody):
    assert set(relative_prosody) >= {"neutral", "happy", "angry", "sad"}


@pytest.mark.parametrize(("metric", "emotion"), sorted(BARS))
def test_bundled_voice_meets_the_prosody_bar(relative_prosody, metric, emotion):
    op, bar = BARS[(metric, emotion)]
    value = relative_prosody[emotion][metric]
    assert (value >= bar) if op == ">=" else (value <= bar), f"{emotion} {metric} {value:+.1f}, bar {op} {bar:+.1f}"
