"""The committed corpus archive: append-only Opus shards that restore a work folder the corpus
stage resumes from without calling the teacher again."""

import json
import tarfile

import numpy as np
import pytest

sf = pytest.importorskip("soundfile")
if "OPUS" not in sf.available_subtypes("OGG"):
    pytest.skip("libsndfile without Ogg Opus", allow_module_level=True)

from sambert_edge.train import corpus  # noqa: E402
from sambert_edge.train.corpus_archive import ArchiveError, pack, unpack  # noqa: E402

RATE = corpus.TARGET_RATE


def _speechlike(seconds: float, f0: float, seed: int) -> np.ndarray:
    """Bursts of a harmonic tone with vibrato and noise: enough spectrum and change for the codec to matter."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))) / RATE
    audio = sum(0.3 / k * np.sin(k * phase) for k in range(1, 12)) + 0.01 * rng.standard_normal(len(t))
    audio *= np.clip(np.sin(2 * np.pi * 4 * t), 0.02, 1.0)  # syllable-like bursts and gaps
    return (0.5 * audio / np.max(np.abs(audio))).astype(np.float32)


def _add_utterance(workdir, utt_id, seconds=1.3, f0=180.0, seed=0, token_frames=True):
    wavs = workdir / "wavs"
    wavs.mkdir(parents=True, exist_ok=True)
    audio = _speechlike(seconds, f0, seed)
    corpus.write_flac_atomic(wavs / f"{utt_id}.flac", audio)
    entry = {"utt_id": utt_id, "text": f"句子{utt_id}", "phonemes": "ni↓hau↓", "style": "jf_gongitsune",
             "speed": 1.0, "duration": seconds}
    if token_frames:
        entry.update(token_frames=[3, 10, 12, 4], token_frame_samples=600, trim_start_16k=80)
    with open(workdir / "manifest.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return audio, entry


def _mel(audio):
    from sambert_edge.train.features import MelSettings, magnitude, mel_from_magnitude

    settings = MelSettings()
    return mel_from_magnitude(magnitude(audio, settings), settings)


def test_pack_then_unpack_restores_entries_and_audio_of_the_same_length(tmp_path):
    pytest.importorskip("librosa")
    work, archive, restored = tmp_path / "work", tmp_path / "archive", tmp_path / "restored"
    originals = {u: _add_utterance(work, u, seed=i) for i, u in enumerate(["u1", "u2", "u3"])}
    counts = pack([work], archive)
    assert counts["new"] == 3 and counts["shard"] == "shard-0000.tar"
    assert unpack(archive, restored) == {"restored": 3, "kept": 0, "shards": 1}
    entries = corpus.read_manifest(restored / "manifest.jsonl")
    for utt_id, (audio, entry) in originals.items():
        assert {k: v for k, v in entries[utt_id].items() if k != "restored_from"} == entry
        assert entries[utt_id]["restored_from"] == "shard-0000.tar"
        back, rate = sf.read(restored / "wavs" / f"{utt_id}.flac", dtype="float32")
        assert rate == RATE and len(back) == len(audio)  # token_frames and trims stay valid
        # mean log-mel difference under 2 dB (the mel is in [0, 1] over 100 dB); a wrong rate or
        # offset gives several times that
        assert np.abs(_mel(audio) - _mel(back)).mean() < 0.02
        assert np.abs(_mel(audio[:-160]) - _mel(back[160:])).mean() > 0.02


def test_shards_are_append_only_and_hold_only_new_utterances(tmp_path):
    work, archive = tmp_path / "work", tmp_path / "archive"
    _add_utterance(work, "u1")
    pack([work], archive)
    first = (archive / "shard-0000.tar").read_bytes()
    assert pack([work], archive)["shard"] is None  # nothing new, nothing written
    _add_utterance(work, "u2", seed=1)
    assert pack([work], archive, min_new=2)["shard"] is None
    assert pack([work], archive)["shard"] == "shard-0001.tar"
    assert (archive / "shard-0000.tar").read_bytes() == first
    with tarfile.open(archive / "shard-0001.tar") as tar:
        assert sorted(tar.getnames()) == ["manifest.jsonl", "u2.opus"]


def test_pack_merges_work_folders_and_skips_unfinished_entries(tmp_path):
    a, b, archive = tmp_path / "a", tmp_path / "b", tmp_path / "archive"
    _add_utterance(a, "u1")
    _add_utterance(b, "u2", seed=1)
    _add_utterance(b, "old", seed=2, token_frames=False)  # made before durations were recorded
    _add_utterance(b, "lost", seed=3)
    (b / "wavs" / "lost.flac").unlink()  # crash before the audio landed
    counts = pack([a, b], archive)
    assert counts["new"] == 2
    with tarfile.open(archive / counts["shard"]) as tar:
        assert sorted(tar.getnames()) == ["manifest.jsonl", "u1.opus", "u2.opus"]


def test_unpack_into_a_live_folder_only_fills_gaps(tmp_path):
    work, archive = tmp_path / "work", tmp_path / "archive"
    _add_utterance(work, "u1")
    _add_utterance(work, "u2", seed=1)
    pack([work], archive)
    (work / "wavs" / "u2.flac").unlink()
    assert unpack(archive, work) == {"restored": 1, "kept": 1, "shards": 1}
    assert corpus.valid_audio(work / "wavs" / "u2.flac")
    assert "restored_from" not in corpus.read_manifest(work / "manifest.jsonl")["u1"]


def test_a_listed_utterance_without_audio_is_an_error(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    with tarfile.open(archive / "shard-0000.tar", "w") as tar:
        data = json.dumps({"utt_id": "u1", "text": "x"}).encode() + b"\n"
        info = tarfile.TarInfo("manifest.jsonl")
        info.size = len(data)
        import io

        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ArchiveError, match="u1 is listed but has no audio"):
        unpack(archive, tmp_path / "work")


def test_merge_orders_parallel_runs_by_the_sentence_list_and_links_their_audio(tmp_path):
    from sambert_edge.train.corpus_archive import merge

    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "train"
    sentences = tmp_path / "sentences.tsv"
    sentences.write_text("# header\nu1\tx\nu2\ty\nu3\tz\nu4\tw\n", encoding="utf-8")
    _add_utterance(a, "u3", seed=3)
    _add_utterance(a, "u1", seed=1)
    _add_utterance(b, "u2", seed=2)
    _add_utterance(b, "u4", seed=4, token_frames=False)  # unfinished: not listed
    assert merge([a, b], out, sentences) == {"utterances": 3, "folders": 2}
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["utt_id"] for line in lines] == ["u1", "u2", "u3"]
    assert (out / "wavs" / "u2.flac").resolve() == (b / "wavs" / "u2.flac").resolve()
    assert corpus.valid_audio(out / "wavs" / "u1.flac")
    _add_utterance(b, "u4", seed=4)  # the run goes on; merging again picks it up, nothing else moves
    (out / "features").mkdir()
    assert merge([a, b], out, sentences)["utterances"] == 4
    assert (out / "features").is_dir()
    assert [json.loads(x)["utt_id"] for x in (out / "manifest.jsonl").read_text().splitlines()][-1] == "u4"
