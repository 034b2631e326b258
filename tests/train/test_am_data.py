"""Which examples an acoustic-model epoch draws (``am_data.epoch_examples``)."""

import random
from collections import Counter
from types import SimpleNamespace

import pytest

pytest.importorskip("torch")

from sambert_edge.train.am_data import epoch_examples, validation_ids  # noqa: E402

EMOTIONS = ("happy", "angry", "sad")


def corpus(n_utts: int) -> list:
    out = []
    for i in range(n_utts):
        out.append(SimpleNamespace(utt_id=f"u{i}"))
        out.extend(SimpleNamespace(utt_id=f"u{i}__{e}") for e in EMOTIONS)
    return out


@pytest.mark.parametrize("renderings, per_utt", [(None, 3), (0, 0), (1, 1), (2, 2), (5, 3)])
def test_epoch_keeps_every_neutral_and_at_most_k_renderings_per_utterance(renderings, per_utt):
    examples = corpus(20)
    epoch = epoch_examples(examples, renderings, random.Random(0))
    ids = [e.utt_id for e in epoch]
    assert len(ids) == len(set(ids))
    assert sorted(i for i in ids if "__" not in i) == sorted(f"u{i}" for i in range(20))
    per = Counter(i.split("__")[0] for i in ids if "__" in i)
    assert all(per[f"u{i}"] == per_utt for i in range(20))


def test_renderings_are_drawn_afresh_each_epoch():
    examples, rng = corpus(30), random.Random(1)
    first = {e.utt_id for e in epoch_examples(examples, 1, rng)}
    second = {e.utt_id for e in epoch_examples(examples, 1, rng)}
    assert first != second
    seen = set()
    for _ in range(20):
        seen |= {e.utt_id.split("__")[1] for e in epoch_examples(examples, 1, rng) if "__" in e.utt_id}
    assert seen == set(EMOTIONS)


@pytest.mark.parametrize("renderings", [None, 1])
def test_repeat_puts_each_drawn_example_of_an_emotion_k_times_into_the_epoch(renderings):
    examples = corpus(10)
    plain = Counter(e.utt_id for e in epoch_examples(examples, renderings, random.Random(3)))
    repeated = Counter(e.utt_id for e in epoch_examples(examples, renderings, random.Random(3), {"angry": 3}))
    assert set(repeated) == set(plain)
    for utt_id, n in repeated.items():
        assert n == (3 if utt_id.endswith("__angry") else 1)


def test_repeat_of_neutral_repeats_the_neutral_utterances():
    epoch = Counter(e.utt_id for e in epoch_examples(corpus(4), None, random.Random(0), {"neutral": 2}))
    assert [epoch[f"u{i}"] for i in range(4)] == [2, 2, 2, 2]
    assert all(n == 1 for utt_id, n in epoch.items() if "__" in utt_id)


def _corpus(n: int, prefix: str = "cpp_") -> list[str]:
    return [f"{prefix}{i:05d}{suffix}" for i in range(n) for suffix in ("", "__happy", "__angry", "__sad")]


def test_validation_holds_out_every_rendering_of_a_held_out_text():
    held = validation_ids(_corpus(3000), 5.0)
    sources = {u.split("__")[0] for u in held}
    assert held == {s + suffix for s in sources for suffix in ("", "__happy", "__angry", "__sad")}


@pytest.mark.parametrize("per_mille, low, high", [(0.0, 0, 0), (2.0, 2, 14), (10.0, 15, 50)])
def test_validation_share_follows_per_mille(per_mille, low, high):
    sources = {u.split("__")[0] for u in validation_ids(_corpus(3000), per_mille)}
    assert low <= len(sources) <= high  # 3,000 texts: 6 and 30 expected


def test_validation_set_only_grows_as_the_corpus_grows():
    before = validation_ids(_corpus(3000), 5.0)
    after = validation_ids(_corpus(3000) + _corpus(2000, prefix="short_"), 5.0)
    assert before and before < after
