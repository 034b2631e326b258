"""Teacher token durations -> mel frames per KAN-TTS unit (the ``align`` stage's core).

The corpus stage stores, for every utterance, the Kokoro phoneme string it fed the teacher, the
teacher's frames per token (start pad, one per phoneme character, end pad) and how many 16 kHz
samples were trimmed from the start. Kokoro upsamples tokens by exactly these durations, so the
token boundaries are exact sample positions in the teacher audio. Here we re-read the sentence
with the same frontend, walk the phoneme string syllable by syllable (each spoken syllable is a
literal substring, :func:`~sambert_edge.train.teacher.pinyin_to_kokoro`), and give every KAN-TTS
unit the frames of its characters:

- initial / final: a syllable's first IPA part (the consonant or glide) goes to the initial; when
  misaki writes no separate onset (``a1``, ``wu3``) the zero initial (``ga``, ``w_c``) gets
  ``ZERO_INITIAL_SHARE`` of the syllable;
- separators (spaces, commas, full stops) and the end pad go to the prosody boundary unit after the
  word (``#1``..``#4``), or, after a word without a boundary unit, to the word's last phone;
- the start pad is cut: training mels start at the first phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..frontend.analysis import syllable_units
from ..frontend.symbols import LinguisticUnit
from .teacher import pinyin_to_kokoro

TEACHER_RATE = 24000
ZERO_INITIAL_SHARE = 0.2
_SEPARATORS = set(" ,.?!")


class AlignmentError(ValueError):
    """The stored phonemes do not match what the frontend reads now (or are malformed)."""


@dataclass(frozen=True)
class Alignment:
    """One utterance's units and their frames in the 16 kHz trimmed audio."""

    units: list[LinguisticUnit]
    durations: np.ndarray
    """int64 [T]: mel frames per unit (boundaries may have 0; phones have >= 1)."""
    start_frame: int
    """Mel frame of the trimmed audio where the first unit starts; frames before are cut."""

    @property
    def frames(self) -> int:
        return int(self.durations.sum())


def initial_chars(spoken: str) -> int:
    """Kokoro characters of the syllable's onset (0 when misaki writes none), e.g. ``hang2`` -> 1."""
    from misaki.transcription import pinyin_to_ipa

    from .teacher import _normal_pinyin

    body, _, tone = _normal_pinyin(spoken)
    parts = next(iter(pinyin_to_ipa(f"{body}{tone}")))
    if len(parts) < 2:
        return 0
    onset = parts[0]
    return len(onset) if pinyin_to_kokoro(spoken).startswith(onset) else 0


def token_boundaries(entry: dict[str, Any], hop: int, sample_rate: int) -> np.ndarray:
    """Mel-frame position of every teacher token boundary, relative to the trimmed audio.

    Returns int64 [N + 1] for N tokens (index 0 = start of the start pad).
    """
    frames = np.asarray(entry["token_frames"], dtype=np.int64)
    samples = np.concatenate([[0], np.cumsum(frames)]) * entry["token_frame_samples"]
    samples_16k = samples * sample_rate / TEACHER_RATE - entry.get("trim_start_16k", 0)
    return np.round(samples_16k / hop).astype(np.int64)


def align_entry(analysis: Any, entry: dict[str, Any], total_frames: int, hop: int,
                sample_rate: int) -> Alignment:
    """Units of ``analysis`` (the frontend's reading of ``entry['text']``) with their frames.

    ``total_frames`` is the mel length of the trimmed audio; the last unit ends there.
    """
    phonemes: str = entry["phonemes"]
    if len(entry["token_frames"]) != len(phonemes) + 2:
        raise AlignmentError(f"{len(entry['token_frames'])} token durations for {len(phonemes)} phonemes + 2 pads")
    bounds = token_boundaries(entry, hop, sample_rate)

    def at(char: int) -> int:  # start of phoneme character ``char`` (token char + 1)
        return int(bounds[char + 1])

    units: list[LinguisticUnit] = []
    starts: list[int] = []
    pos = 0
    for sentence in analysis.sentences:
        sentence_units = sentence.units()
        cursor = 0  # index into sentence_units, advanced in step with the walk below
        for word in sentence.words:
            for syl in word.syllables:
                if syl.spoken is None:
                    continue
                while pos < len(phonemes) and phonemes[pos] in _SEPARATORS:
                    pos += 1
                symbols = pinyin_to_kokoro(syl.spoken)
                if phonemes[pos: pos + len(symbols)] != symbols:
                    raise AlignmentError(
                        f"expected {symbols!r} for {syl.spoken} at {pos} in {phonemes!r}")
                n_phones = len(syllable_units(syl.spoken))
                begin, end = at(pos), at(pos + len(symbols))
                onset = initial_chars(syl.spoken)
                if n_phones == 1:
                    cuts = [begin]
                else:
                    split = at(pos + onset) if onset else begin + int(round((end - begin) * ZERO_INITIAL_SHARE))
                    rest = np.linspace(split, end, n_phones - 1, endpoint=False)[1:].round().astype(int).tolist()
                    cuts = [begin, split, *rest]
                for cut in cuts:
                    units.append(sentence_units[cursor])
                    starts.append(cut)
                    cursor += 1
                pos += len(symbols)
            if word.boundary:
                units.append(sentence_units[cursor])
                starts.append(at(pos))
                cursor += 1
        if cursor < len(sentence_units):  # the closing #4 that Sentence.units adds
            units.extend(sentence_units[cursor:])
            starts.extend([at(pos)] * (len(sentence_units) - cursor))
    rest = phonemes[pos:]
    if any(ch not in _SEPARATORS for ch in rest):
        raise AlignmentError(f"phonemes left over after the last syllable: {rest!r}")
    if not units:
        raise AlignmentError("no units")
    start = max(0, starts[0])
    edges = np.maximum.accumulate(np.clip(np.array(starts + [total_frames], np.int64), start, total_frames))
    durations = np.diff(edges)
    _give_phones_a_frame(units, durations)
    if durations.sum() != total_frames - start:
        raise AlignmentError("durations do not cover the audio")
    return Alignment(units, durations, start)


def _give_phones_a_frame(units: list[LinguisticUnit], durations: np.ndarray) -> None:
    """Every phone gets >= 1 frame, taken from the longest neighbour (in place; sum kept)."""
    for i, unit in enumerate(units):
        if unit.is_boundary or durations[i] > 0:
            continue
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(units)]
        donor = max(neighbours, key=lambda j: durations[j])
        if durations[donor] < 2:
            raise AlignmentError(f"phone {unit.phone} has no frame and no neighbour can spare one")
        durations[donor] -= 1
        durations[i] += 1


MIN_INSERTED_PAUSE = 8
"""Frames of silence after a word without a boundary unit that earn it an inserted ``#1``."""


def longest_run(mask: np.ndarray, begin: int, end: int) -> tuple[int, int]:
    """The longest run of True in ``mask[begin:end]`` as absolute ``(start, stop)``; (0, 0) if none."""
    best = (0, 0)
    run_start = None
    for k in range(begin, end + 1):
        if k < end and mask[k]:
            if run_start is None:
                run_start = k
        elif run_start is not None:
            if k - run_start > best[1] - best[0]:
                best = (run_start, k)
            run_start = None
    return best


def move_pauses(alignment: Alignment, silent: np.ndarray, min_phone: int = 2) -> Alignment:
    """Put the pauses after words where the audio has them: in the boundary unit.

    Kokoro puts a pause on the last token of the syllable before it (the tone mark) and often
    starts the next consonant's sound before that consonant's token, so without this the student
    would learn 60-frame vowels before commas and boundaries that contain consonants. For every
    word-final phone, the longest silent run between its ``min_phone``-th frame and the next phone
    becomes the boundary unit(s) after it; what follows the run goes to the next phone. A word
    without a boundary unit whose pause is >= ``MIN_INSERTED_PAUSE`` frames gets a ``#1``
    inserted. ``silent``: bool [F] per mel frame of the trimmed audio.
    """
    from ..frontend.symbols import boundary_unit

    units = list(alignment.units)
    end = alignment.start_frame + int(alignment.durations.sum())
    starts = (np.concatenate([[0], np.cumsum(alignment.durations)[:-1]]) + alignment.start_frame).tolist()
    out_units: list[LinguisticUnit] = []
    out_starts: list[int] = []
    i = 0
    while i < len(units):
        unit = units[i]
        out_units.append(unit)
        out_starts.append(starts[i])
        word_final = not unit.is_boundary and unit.word_segment in ("word_end", "word_both") \
            and unit.syllable_flag in ("s_end", "s_both")
        if not word_final:
            i += 1
            continue
        n = i + 1
        while n < len(units) and units[n].is_boundary:
            n += 1
        stop = starts[n] if n < len(units) else end
        run = longest_run(silent, starts[i] + min_phone, stop)
        length = run[1] - run[0]
        boundaries = units[i + 1: n]
        if boundaries and length >= 1:
            out_units.extend(boundaries)
            out_starts.extend([run[0]] * len(boundaries))
        elif not boundaries and length >= MIN_INSERTED_PAUSE:
            out_units.append(boundary_unit(1, unit.speaker))
            out_starts.append(run[0])
        else:
            out_units.extend(boundaries)
            out_starts.extend(starts[i + 1: n])
            i = n
            continue
        if n < len(units):
            starts[n] = run[1]
        i = n
    edges = np.array(out_starts + [end], np.int64)
    durations = np.diff(edges)
    if (durations < 0).any():
        raise AlignmentError("pause moves made a negative duration")
    return Alignment(out_units, durations, alignment.start_frame)
