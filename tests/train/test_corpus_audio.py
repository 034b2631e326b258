"""Audio post-processing of teacher output and the resumable file writing of the corpus stage."""

import numpy as np
import pytest

from sambert_edge.train import corpus


def test_peak_safe_scales_down_only():
    loud = np.array([0.0, 1.5, -2.0], np.float32)
    assert np.max(np.abs(corpus.peak_safe(loud))) == pytest.approx(corpus.PEAK)
    quiet = np.array([0.1, -0.2], np.float32)
    assert np.array_equal(corpus.peak_safe(quiet), quiet)


def test_trim_silence_keeps_50ms_each_side():
    sr = 16000
    audio = np.zeros(sr * 2, np.float32)
    audio[sr // 2: sr] = 0.5 * np.sin(np.arange(sr // 2) * 0.3)
    out = corpus.trim_silence(audio, sr)
    assert len(out) == pytest.approx(sr // 2 + 2 * int(0.05 * sr), abs=int(0.01 * sr))


def test_trim_silence_leaves_silence_alone():
    silent = np.zeros(1600, np.float32)
    assert len(corpus.trim_silence(silent)) == 1600


def test_to_16k_length():
    pytest.importorskip("soxr")
    assert len(corpus.to_16k(np.zeros(24000, np.float32))) == 16000


def test_atomic_flac_roundtrip(tmp_path):
    pytest.importorskip("soundfile")
    path = tmp_path / "u1.flac"
    corpus.write_flac_atomic(path, 0.1 * np.ones(3200, np.float32))
    assert corpus.valid_audio(path)
    assert [p.name for p in tmp_path.iterdir()] == ["u1.flac"]
    (tmp_path / "bad.flac").write_bytes(b"not audio")
    assert not corpus.valid_audio(tmp_path / "bad.flac")
    assert not corpus.valid_audio(tmp_path / "missing.flac")


def test_manifest_ignores_a_torn_last_line(tmp_path):
    m = tmp_path / "manifest.jsonl"
    m.write_text('{"utt_id": "a", "text": "x"}\n{"utt_id": "b", "te', encoding="utf-8")
    assert list(corpus.read_manifest(m)) == ["a"]


def test_read_tsv_skips_comments(tmp_path):
    p = tmp_path / "s.tsv"
    p.write_text("# seed=1\ncpp_00000\t你好。\n\ntemplate_00001\t打开灯。\n", encoding="utf-8")
    assert list(corpus.read_tsv(p)) == [("cpp_00000", "你好。"), ("template_00001", "打开灯。")]


def test_cli_parses_every_stage():
    from sambert_edge.train.__main__ import build_parser
    p = build_parser()
    assert p.parse_args(["teacher-check"]).stage == "teacher-check"
    assert p.parse_args(["corpus", "--phonemes", "misaki", "--limit", "3"]).limit == 3
    assert p.parse_args(["corpus-text", "--target", "10"]).target == 10
    assert p.parse_args(["judge", "--audio", "a", "--sentences", "b"]).audio == "a"


def test_second_corpus_run_is_refused_and_keeps_the_holders_pid(tmp_path):
    import os
    lock = corpus._lock(tmp_path / "corpus.lock")
    with pytest.raises(SystemExit):
        corpus._lock(tmp_path / "corpus.lock")
    assert (tmp_path / "corpus.lock").read_text() == str(os.getpid())
    lock.close()


def test_trim_bounds_report_where_the_kept_audio_starts():
    pytest.importorskip("soxr")
    teacher_rate, sr = 24000, 16000
    audio = np.zeros(teacher_rate * 2, np.float32)
    audio[teacher_rate // 2: teacher_rate] = 0.5 * np.sin(np.arange(teacher_rate // 2) * 0.3)
    out, start = corpus.postprocess_aligned(audio)
    # speech began 0.5 s in; 50 ms of the silence before it is kept
    assert start == pytest.approx(sr // 2 - int(0.05 * sr), abs=int(0.01 * sr))
    resampled = corpus.to_16k(audio)
    assert np.allclose(out, corpus.peak_safe(resampled)[start:start + len(out)])
