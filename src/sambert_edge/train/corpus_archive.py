"""Teacher corpus archive: pack the corpus into append-only Ogg Opus shards that can be committed,
and unpack them into a work folder that the ``corpus`` stage then resumes from; and merge the work
folders of parallel corpus runs into one folder for the training stages.

The teacher audio costs hours of CPU (8-15 utterances a minute on one thread), far more than
anything derived from it, and the work folder lives outside the repository, where a new machine
loses it. A shard (``shard-NNNN.tar``) holds ``manifest.jsonl`` (the corpus entries, token
durations included) and ``<utt_id>.opus`` for every utterance that no earlier shard holds; shards
are never rewritten, so the repository grows by the new audio only. Opus at compression level
``OPUS_LEVEL`` (about 40 kbit/s for this speech) keeps the 80-band mel within about 4 % of its
spread (``recipes/default_voice/README.md`` has the measurement); decoded audio has exactly the
original length, so ``token_frames`` and ``trim_start_16k`` stay valid.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tarfile
from pathlib import Path

import numpy as np

from .corpus import TARGET_RATE, read_manifest, valid_audio, write_flac_atomic

log = logging.getLogger(__name__)

OPUS_LEVEL = 0.85  # libsndfile compression level for Ogg Opus; 0.75 doubles the size for 0.014
SHARD_GLOB = "shard-*.tar"
MANIFEST = "manifest.jsonl"
RESTORED_KEY = "restored_from"


class ArchiveError(ValueError):
    """A shard is unreadable or inconsistent (a manifest entry without audio, or the reverse)."""


def _shards(archive: Path) -> list[Path]:
    return sorted(archive.glob(SHARD_GLOB))


def _shard_manifest(tar: tarfile.TarFile, shard: Path) -> list[dict]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError as exc:
        raise ArchiveError(f"{shard.name}: no {MANIFEST}") from exc
    return [json.loads(line) for line in member.read().decode("utf-8").splitlines() if line.strip()]


def archived_ids(archive: Path) -> set[str]:
    """utt_ids that some shard of ``archive`` already holds."""
    ids: set[str] = set()
    for shard in _shards(archive):
        with tarfile.open(shard) as tar:
            ids.update(e["utt_id"] for e in _shard_manifest(tar, shard))
    return ids


def _encode_opus(audio: np.ndarray, level: float) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, audio, TARGET_RATE, format="OGG", subtype="OPUS", compression_level=level)
    return buf.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0  # a shard's bytes depend on its content only, not on when it was packed
    tar.addfile(info, io.BytesIO(data))


def pack(workdirs: list[Path], archive: Path, level: float = OPUS_LEVEL, min_new: int = 1) -> dict:
    """Write one new shard with every utterance of ``workdirs`` that no shard holds yet.

    Only entries with teacher durations and valid audio are packed (an entry whose audio is
    missing was interrupted and will be made again). Returns counts; no shard is written when
    fewer than ``min_new`` utterances are new.
    """
    import soundfile as sf

    archive.mkdir(parents=True, exist_ok=True)
    have = archived_ids(archive)
    new: list[tuple[dict, Path]] = []
    for workdir in workdirs:
        for utt_id, entry in read_manifest(Path(workdir) / MANIFEST).items():
            wav = Path(workdir) / "wavs" / f"{utt_id}.flac"
            if utt_id in have or "token_frames" not in entry or not valid_audio(wav):
                continue
            have.add(utt_id)
            new.append((entry, wav))
    counts = {"new": len(new), "archived_before": len(have) - len(new), "shard": None, "bytes": 0, "audio_s": 0.0}
    if len(new) < max(min_new, 1):
        return counts
    index = max((int(p.stem.split("-")[1]) for p in _shards(archive)), default=-1) + 1
    shard = archive / f"shard-{index:04d}.tar"
    tmp = shard.with_name(f".{shard.name}.{os.getpid()}.tmp")
    with tarfile.open(tmp, "w") as tar:
        lines = []
        for entry, wav in new:
            audio, rate = sf.read(str(wav), dtype="float32")
            if rate != TARGET_RATE:
                raise ArchiveError(f"{wav}: {rate} Hz, expected {TARGET_RATE}")
            _add(tar, f"{entry['utt_id']}.opus", _encode_opus(audio, level))
            counts["audio_s"] += len(audio) / TARGET_RATE
            lines.append(json.dumps({k: v for k, v in entry.items() if k != RESTORED_KEY}, ensure_ascii=False))
        _add(tar, MANIFEST, ("\n".join(lines) + "\n").encode("utf-8"))
    os.replace(tmp, shard)
    counts["shard"] = shard.name
    counts["bytes"] = shard.stat().st_size
    log.info("packed %d utterances (%.2f h) into %s, %.1f MB", len(new), counts["audio_s"] / 3600, shard,
             counts["bytes"] / 1e6)
    return counts


def unpack(archive: Path, workdir: Path) -> dict:
    """Restore every shard's audio (as 16-bit FLAC) and manifest entries into ``workdir``.

    An utterance already present with the same entry and valid audio is left alone, so unpacking
    into a live work folder only fills gaps. Restored entries carry ``restored_from`` = the shard.
    """
    import soundfile as sf

    workdir = Path(workdir)
    wavs = workdir / "wavs"
    wavs.mkdir(parents=True, exist_ok=True)
    manifest_path = workdir / MANIFEST
    present = read_manifest(manifest_path)
    counts = {"restored": 0, "kept": 0, "shards": 0}
    with open(manifest_path, "a", encoding="utf-8") as out:
        for shard in _shards(archive):
            counts["shards"] += 1
            with tarfile.open(shard) as tar:
                for entry in _shard_manifest(tar, shard):
                    utt_id = entry["utt_id"]
                    wav = wavs / f"{utt_id}.flac"
                    old = present.get(utt_id)
                    if old is not None and _same(old, entry) and valid_audio(wav):
                        counts["kept"] += 1
                        continue
                    try:
                        data = tar.extractfile(f"{utt_id}.opus").read()
                    except KeyError as exc:
                        raise ArchiveError(f"{shard.name}: {utt_id} is listed but has no audio") from exc
                    audio, rate = sf.read(io.BytesIO(data), dtype="float32")
                    if rate != TARGET_RATE:
                        raise ArchiveError(f"{shard.name}: {utt_id} decodes at {rate} Hz")
                    write_flac_atomic(wav, audio)
                    entry = {**entry, RESTORED_KEY: shard.name}
                    out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    counts["restored"] += 1
        out.flush()
        os.fsync(out.fileno())
    log.info("unpacked %s into %s: %s", archive, workdir, counts)
    return counts


def _same(a: dict, b: dict) -> bool:
    keys = ("text", "phonemes", "style", "speed", "token_frames", "trim_start_16k")
    return all(a.get(k) == b.get(k) for k in keys)


def merge(workdirs: list[Path], out: Path, sentences: Path | None = None) -> dict:
    """Give ``out`` one ``manifest.jsonl`` and ``wavs/`` (symbolic links) over several corpus folders.

    Parallel corpus runs write separate folders (one lock each); the training stages read one.
    Entries are ordered as in ``sentences`` (the coverage-ordered TSV) when given, so ``align
    --limit N`` takes the same first N sentences however the list was split. Only finished entries
    (teacher durations and valid audio) are listed; the manifest is replaced atomically, and
    ``out``'s own files (features, models) are left alone.
    """
    from .corpus import read_tsv

    out = Path(out)
    (out / "wavs").mkdir(parents=True, exist_ok=True)
    found: dict[str, dict] = {}
    sources: dict[str, Path] = {}
    for workdir in workdirs:
        for utt_id, entry in read_manifest(Path(workdir) / MANIFEST).items():
            wav = (Path(workdir) / "wavs" / f"{utt_id}.flac").resolve()
            if "token_frames" in entry and valid_audio(wav):
                found[utt_id], sources[utt_id] = entry, wav
    if sentences is not None:
        rank = {utt_id: i for i, (utt_id, _) in enumerate(read_tsv(sentences))}
        order = sorted(found, key=lambda u: (rank.get(u, len(rank)), u))
    else:
        order = list(found)
    for utt_id in order:
        link = out / "wavs" / f"{utt_id}.flac"
        if link.is_symlink() and link.resolve() == sources[utt_id]:
            continue
        link.unlink(missing_ok=True)
        link.symlink_to(sources[utt_id])
    tmp = out / f".{MANIFEST}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for utt_id in order:
            f.write(json.dumps(found[utt_id], ensure_ascii=False) + "\n")
    os.replace(tmp, out / MANIFEST)
    log.info("merged %d utterances from %d folders into %s", len(order), len(workdirs), out)
    return {"utterances": len(order), "folders": len(workdirs)}
