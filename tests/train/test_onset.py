"""The first unit of a training utterance starts where its consonant starts to sound, not at the
teacher's first token (the bug: every training mel began mid-consonant, and the student clipped
the first syllable of what it said: 这 heard as 德, 关 as 往)."""

import numpy as np
import pytest

from sambert_edge.train.features import MAX_ONSET_FRAMES, aligned_span, onset_start, phone_energy, phone_log_f0

QUIET, LOUD = 0.1, 100.0


def energy(pattern: str) -> np.ndarray:
    """'.' a silent frame, 'x' a sounding one."""
    return np.array([LOUD if c == "x" else QUIET for c in pattern])


@pytest.mark.parametrize(("pattern", "start", "onset"), [
    ("...xxxxxxx", 6, 3),   # three sounding frames before the first token: they are the onset
    ("...xxxxxxx", 3, 3),   # already at the onset
    ("xxxxxxxxxxxxxx", 12, 12 - MAX_ONSET_FRAMES),  # never more than the cap
    ("xxxx", 0, 0),
    ("..x..xxxxx", 6, 5),   # a click before a gap is not the onset
])
def test_onset_start_moves_back_over_sounding_frames_only(pattern, start, onset):
    assert onset_start(energy(pattern), start) == onset


def test_aligned_span_widens_the_first_unit_and_keeps_the_end():
    z = {"start": 6, "durations": np.array([4, 10, 2]), "energy": energy("...x" + "x" * 20)}
    start, durations = aligned_span(z)
    assert (start, durations.tolist()) == (3, [7, 10, 2])
    assert start + durations.sum() == 6 + 16
    again = aligned_span({**z, "start": start, "durations": durations})  # files written since: no move
    assert (again[0], again[1].tolist()) == (3, [7, 10, 2])
    assert z["durations"].tolist() == [4, 10, 2]  # the caller's array is left alone


def test_an_example_reads_its_onset_frames_and_recomputes_the_first_units_means(tmp_path):
    pytest.importorskip("torch")
    from sambert_edge.frontend.symbols import LinguisticUnit, format_symbols
    from sambert_edge.train.am_data import Normaliser, load_example
    from sambert_edge.train.student import SPEAKERS

    units = [LinguisticUnit("d_c", "tone4", "s_begin", "word_begin", "emotion_neutral", SPEAKERS[0]),
             LinguisticUnit("a_c", "tone4", "s_end", "word_end", "emotion_neutral", SPEAKERS[0])]
    frames = 20
    e = np.array([QUIET] * 3 + [5.0, 20.0] + [80.0] * 15, np.float32)
    f0 = np.array([0.0] * 6 + [200.0] * 14, np.float32)
    mel = np.tile(np.arange(frames, dtype=np.float16)[:, None] / frames, (1, 80))
    durations = np.array([3, 12])  # the token started at frame 5: frames 3 and 4 are the onset
    path = tmp_path / "u.npz"
    np.savez(path, symbols=np.array(format_symbols(units)), durations=durations, start=np.array(5),
             mel=mel, f0=f0, energy=e, log_f0=phone_log_f0(f0[5:], durations),
             phone_energy=phone_energy(e[5:], durations), emotion=np.array("neutral"))
    norm = Normaliser(np.zeros(80, np.float32), np.ones(80, np.float32), 0.0, 1.0, 0.0, 1.0)
    ex = load_example(path, norm, SPEAKERS, SPEAKERS[0])
    assert ex.durations.tolist() == [5, 12] and ex.frames == 17
    assert ex.mel[0, 0] == pytest.approx(3 / frames, abs=1e-3)  # the mel starts at the onset
    assert ex.energy[0] == pytest.approx(np.mean([5.0, 20.0, 80.0, 80.0, 80.0]))
    assert ex.energy[1] == pytest.approx(80.0)
