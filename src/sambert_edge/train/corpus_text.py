"""The ``corpus-text`` stage: the training sentence list (TSV ``utt_id \\t text``).

Sources (recorded in the TSV header and ``sentences.json``):

- CPP dev split (``../shared/data/cpp/dev.sent``, Apache-2.0; g2pM, Interspeech 2020): U+2581
  marks stripped, bracketed asides and quote marks removed, sentences cut at clause punctuation
  and repacked into chunks of ``min_chars``..``max_chars`` characters;
- generated sentences (``sentence_templates``: templates x slot fillers, deterministic with the
  seed) for numbers, dates, times, money, units, phone numbers, weather and smart-home commands.

Held-out sentences (the dev set) and near-duplicates (a candidate containing one, or contained in
one, compared with punctuation and spaces removed and digits read both ways) are excluded. A greedy
selection then maximizes coverage of initials, finals, tones, toned syllables, final->initial
transitions, di-syllable tone pairs and tone-sandhi contexts (一/不 + tone, 3-3, 3-3-3, neutral).
"""

from __future__ import annotations

import heapq
import json
import logging
from .sentence_templates import template_sentences
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

CPP_SOURCE = "CPP dev split (kakaobrain/g2pM data, Apache-2.0)"
TEMPLATE_SOURCE = "generated templates (sambert-edge, Apache-2.0)"
TEMPLATE_SHARE = 0.2  # share of the selection taken from the generated templates

_CLAUSE_END = "，。；：？！"
_KEEP_INNER = "、"
_ALLOWED = re.compile(r"^[\u4e00-\u9fff0-9，。、；：？！%.]+$")
_BRACKETS = re.compile(r"（[^（）]*）|\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|\{[^{}]*\}")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》〈〉]")
_PUNCT_OR_SPACE = re.compile(r"[^\w]|_", re.UNICODE)
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str


# ---------------------------------------------------------------- length, keys, exclusion
def char_count(text: str) -> int:
    """Characters that count towards the length limits (whitespace excluded)."""
    return sum(1 for c in text if not c.isspace())


def plain_key(text: str) -> str:
    """NFKC, punctuation and spaces removed (digits kept)."""
    return _PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", text))


def comparison_keys(text: str) -> set[str]:
    """Keys used to detect near-duplicates: as written, numbers read by cn2an, digits one by one."""
    import cn2an

    keys = {plain_key(text)}
    if re.search(r"[0-9]", text):
        try:
            keys.add(plain_key(re.sub(r"[0-9]", lambda m: _DIGITS[int(m.group())], cn2an.transform(text, "an2cn"))))
        except Exception:  # noqa: BLE001 - cn2an raises on odd digit strings; the other keys remain
            pass
        keys.add(plain_key(re.sub(r"[0-9]", lambda m: _DIGITS[int(m.group())], text)))
    return {k for k in keys if k}


def is_near_duplicate(text: str, held_out_keys: Iterable[str]) -> bool:
    """True when any key of ``text`` contains, or is contained in, a held-out key."""
    held = list(held_out_keys)
    return any(h in k or k in h for k in comparison_keys(text) for h in held)


def length_ok(text: str, min_chars: int, max_chars: int) -> bool:
    return min_chars <= char_count(text) <= max_chars


# ---------------------------------------------------------------- CPP
def clean_cpp_sentence(line: str) -> str:
    """Strip U+2581 marks, bracketed asides and quote marks; full-width spaces and NBSP removed."""
    s = line.strip().replace("\u2581", "")
    s = _BRACKETS.sub("", s)
    s = _QUOTES.sub("", s)
    s = s.replace("\u3000", "").replace("\xa0", "").replace(" ", "")
    s = s.replace(",", "，").replace("?", "？").replace("!", "！").replace(";", "；").replace(":", "：")
    s = s.replace("％", "%").replace("．", ".")
    return s


def split_clauses(sentence: str) -> list[str]:
    """Clauses ending at ，。；：？！ (each keeps its mark)."""
    return [c for c in re.findall(rf"[^{_CLAUSE_END}]+[{_CLAUSE_END}]*", sentence) if c.strip(_CLAUSE_END)]


def pack_clauses(clauses: list[str], max_chars: int) -> list[str]:
    """Consecutive clauses packed into chunks of at most ``max_chars`` characters.

    A chunk ends with sentence punctuation: a trailing ，；： becomes 。.
    """
    chunks, cur = [], ""
    for clause in clauses:
        if cur and char_count(cur + clause) > max_chars:
            chunks.append(cur)
            cur = ""
        cur += clause
    if cur:
        chunks.append(cur)
    return [_end_sentence(c) for c in chunks]


def _end_sentence(chunk: str) -> str:
    stripped = chunk.rstrip("，；：、")
    return stripped if stripped[-1:] in "。？！" else stripped + "。"


def cpp_candidates(path: str | Path, min_chars: int, max_chars: int) -> Iterator[Candidate]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            for chunk in pack_clauses(split_clauses(clean_cpp_sentence(line)), max_chars):
                if _ALLOWED.match(chunk) and length_ok(chunk, min_chars, max_chars):
                    yield Candidate(chunk, "cpp")


# ---------------------------------------------------------------- templates
def template_candidates(seed: int, n: int = 6000) -> list[Candidate]:
    """``n`` generated sentences (duplicates possible; deduplicated later), reproducible from ``seed``."""
    return [Candidate(text, "template") for text in template_sentences(seed, n)]


# ---------------------------------------------------------------- coverage features
def syllable_features(syllables: list[tuple[str, list[str]]]) -> Counter:
    """Coverage features of a sentence given as ``[(word, [toned pinyin per char]), ...]``."""
    from pypinyin.contrib.tone_convert import to_finals, to_initials

    feats: Counter = Counter()
    flat: list[tuple[str, str, int, int]] = []  # (char, pinyin, tone, word index)
    for w, (word, readings) in enumerate(syllables):
        for ch, py in zip(word, readings):
            if not py or not py[-1].isdigit() or not py[:-1].isalpha():
                continue
            flat.append((ch, py, int(py[-1]), w))
    prev_final = None
    for i, (ch, py, tone, w) in enumerate(flat):
        body = py[:-1]
        ini = to_initials(body, strict=True) or "0"
        fin = to_finals(body, strict=True, v_to_u=True) or body
        feats.update((f"I:{ini}", f"F:{fin}", f"T:{tone}", f"S:{py}", f"IF:{ini}{fin}"))
        if prev_final is not None:
            feats[f"X:{prev_final}|{ini}"] += 1
        prev_final = fin
        if i + 1 < len(flat):
            nxt = flat[i + 1]
            scope = "w" if nxt[3] == w else "x"
            feats[f"TP{scope}:{tone}{nxt[2]}"] += 1
            if ch in "一不":
                feats[f"SANDHI:{ch}+{nxt[2]}"] += 1
            if tone == 3 and nxt[2] == 3:
                feats[f"SANDHI:33{scope}"] += 1
                if i + 2 < len(flat) and flat[i + 2][2] == 3:
                    feats["SANDHI:333"] += 1
            if nxt[2] == 5:
                feats[f"NEUTRAL:{tone}5"] += 1
    if flat:
        feats[f"END:{flat[-1][2]}"] += 1
    return feats


def sentence_features(text: str) -> Counter:
    import cn2an
    import jieba
    from pypinyin import Style, lazy_pinyin

    try:
        spoken = cn2an.transform(text, "an2cn")
    except Exception:  # noqa: BLE001
        spoken = text
    words = []
    for w in jieba.lcut(spoken):
        hanzi = "".join(c for c in w if "\u4e00" <= c <= "\u9fff")
        if hanzi:
            words.append((hanzi, lazy_pinyin(hanzi, style=Style.TONE3, neutral_tone_with_five=True)))
    return syllable_features(words)


def greedy_select(features: list[Counter], target: int, sources: list[str],
                  quotas: dict[str, int] | None = None, initial: Counter | None = None) -> list[int]:
    """Indices of up to ``target`` items maximizing sum_f sum_{k<=count_f} k**-1.5 (lazy greedy).

    The k-th occurrence of a feature is worth ``k**-1.5``: a first occurrence (1.0) outweighs
    second occurrences of two features (0.35 each), so unseen units come first.

    The objective is submodular, so stale gains in the heap are upper bounds (lazy evaluation
    is exact). ``quotas`` caps how many items each source may contribute. Ties break by index.
    """
    quotas = dict(quotas or {})
    counts: Counter = Counter(initial or {})

    def gain(i: int) -> float:
        return sum(_increment(counts[f], n) for f, n in features[i].items())

    heap = [(-gain(i), i) for i in range(len(features))]
    heapq.heapify(heap)
    chosen: list[int] = []
    taken: Counter = Counter()
    while heap and len(chosen) < target:
        neg, i = heapq.heappop(heap)
        src = sources[i]
        if src in quotas and taken[src] >= quotas[src]:
            continue
        g = gain(i)
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, i))
            continue
        chosen.append(i)
        taken[src] += 1
        counts.update(features[i])
    return chosen


def _increment(count: int, n: int) -> float:
    return sum(k ** -1.5 for k in range(count + 1, count + n + 1))


def select_in_order(features: list[Counter], sources: list[str], target: int,
                    template_share: float = TEMPLATE_SHARE) -> list[int]:
    """Templates first (their share of ``target``), then CPP given what the templates cover.

    The two greedy orders are interleaved so that any prefix of the list keeps both the share
    and the best coverage for its size (a corpus run stopped early is still balanced).
    """
    n_tpl = int(target * template_share)
    tpl_idx = [i for i, s in enumerate(sources) if s == "template"]
    rest_idx = [i for i, s in enumerate(sources) if s != "template"]
    tpl = [tpl_idx[k] for k in greedy_select([features[i] for i in tpl_idx], n_tpl, ["template"] * len(tpl_idx))]
    seen: Counter = Counter()
    for i in tpl:
        seen.update(features[i])
    rest = [rest_idx[k] for k in greedy_select([features[i] for i in rest_idx], target - len(tpl),
                                               [sources[i] for i in rest_idx], initial=seen)]
    merged, a, b = [], 0, 0
    while a < len(tpl) or b < len(rest):
        if b >= len(rest) or (a < len(tpl) and a * len(rest) <= b * len(tpl)):
            merged.append(tpl[a])
            a += 1
        else:
            merged.append(rest[b])
            b += 1
    return merged


# ---------------------------------------------------------------- the stage
def build_corpus_text(out: str | Path, cpp: str | Path, exclude: str | Path, target: int = 6000,
                      seed: int = 20261123, min_chars: int = 6, max_chars: int = 40, id_prefix: str = "") -> dict:
    """Write the TSV and a ``.json`` sidecar (seed, sources, licenses, coverage); return the stats.

    Ids are ``<id_prefix><source>_<rank>``; a second list for the same work folder needs its own
    prefix, since the ``corpus`` stage keys its audio by id."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(exclude, encoding="utf-8") as f:
        held = [line.strip() for line in f if line.strip()]
    held_keys = set().union(*(comparison_keys(h) for h in held))

    raw = list(cpp_candidates(cpp, min_chars, max_chars)) + template_candidates(seed)
    seen: set[str] = set()
    pool: list[Candidate] = []
    dropped = Counter()
    for cand in raw:
        key = plain_key(cand.text)
        if not length_ok(cand.text, min_chars, max_chars):
            dropped["length"] += 1
        elif is_near_duplicate(cand.text, held_keys):
            dropped[f"held_out_{cand.source}"] += 1
        elif key in seen:
            dropped["duplicate"] += 1
        else:
            pool.append(cand)
        seen.add(key)
    log.info("pool: %d candidates (%s)", len(pool), dict(Counter(c.source for c in pool)))
    feats = [sentence_features(c.text) for c in pool]
    order = select_in_order(feats, [c.source for c in pool], target)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# seed={seed} target={target} chars={min_chars}-{max_chars} id_prefix={id_prefix!r}; "
                f"sources: {CPP_SOURCE}; {TEMPLATE_SOURCE}\n")
        for n, i in enumerate(order):
            f.write(f"{id_prefix}{pool[i].source}_{n:05d}\t{pool[i].text}\n")
    chosen = order
    stats = coverage_stats([feats[i] for i in chosen], [feats[i] for i in range(len(pool))])
    stats.update({
        "out": str(out), "seed": seed, "target": target, "selected": len(chosen), "id_prefix": id_prefix,
        "by_source": dict(Counter(pool[i].source for i in chosen)),
        "pool": dict(Counter(c.source for c in pool)), "dropped": dict(dropped),
        "chars_total": sum(char_count(pool[i].text) for i in chosen),
        "chars_mean": round(sum(char_count(pool[i].text) for i in chosen) / max(1, len(chosen)), 1),
        "sources": {"cpp": {"path": str(cpp), "license": "Apache-2.0", "origin": CPP_SOURCE},
                    "template": {"license": "Apache-2.0 (this project)", "origin": TEMPLATE_SOURCE}},
        "excluded": str(exclude),
    })
    out.with_suffix(".json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    return stats


def coverage_stats(selected: list[Counter], pool: list[Counter]) -> dict:
    """How many distinct features of each kind the selection covers, out of those in the pool."""
    sel, all_ = Counter(), Counter()
    for c in selected:
        sel.update(c)
    for c in pool:
        all_.update(c)
    kinds = sorted({f.split(":")[0] for f in all_})
    cov = {k: f"{sum(1 for f in sel if f.startswith(k + ':'))}/{sum(1 for f in all_ if f.startswith(k + ':'))}" for k in kinds}
    rare = sorted((f for f in sel if sel[f] < 5), key=lambda f: sel[f])
    return {"coverage": cov, "features_under_5": len(rare),
            "sandhi_counts": {f: sel[f] for f in sorted(sel) if f.startswith("SANDHI:")},
            "tone_pairs_within_word": {f: sel[f] for f in sorted(sel) if f.startswith("TPw:")}}
