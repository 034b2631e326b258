"""Sentence cleaning, length filtering, held-out exclusion and greedy coverage selection."""

import pytest

pytest.importorskip("cn2an")
pytest.importorskip("pypinyin")

from sambert_edge.train import corpus_text as ct  # noqa: E402


@pytest.mark.parametrize("line, expected", [
    ("1990年9月15日，在克里米亚发现\u2581了\u2581此天体。", "1990年9月15日，在克里米亚发现了此天体。"),
    ("他说“你好”（旁白）就走了。", "他说你好就走了。"),
    ("《红楼梦》的作者是曹雪芹。", "红楼梦的作者是曹雪芹。"),
    ("中文\u3000全角 空格", "中文全角空格"),
])
def test_clean_cpp_sentence(line, expected):
    assert ct.clean_cpp_sentence(line) == expected


def test_pack_clauses_respects_max_and_ends_with_full_stop():
    clauses = ct.split_clauses("第一句话比较短，第二句话也不长；第三句话稍微长一点点，最后一句。")
    chunks = ct.pack_clauses(clauses, max_chars=16)
    assert all(ct.char_count(c) <= 16 for c in chunks)
    assert all(c.endswith("。") for c in chunks)
    assert "".join(chunks).replace("。", "").replace("，", "").replace("；", "") == \
        "第一句话比较短第二句话也不长第三句话稍微长一点点最后一句"


@pytest.mark.parametrize("text, ok", [("一二三四五", False), ("一二三四五六", True), ("一" * 40, True), ("一" * 41, False)])
def test_length_limits(text, ok):
    assert ct.length_ok(text, 6, 40) is ok


HELD = ["打开客厅的灯", "我的电话号码是一三八零零一三八零零零", "把卧室的空调调到二十六度"]


@pytest.mark.parametrize("text, excluded", [
    ("打开客厅的灯。", True),                       # same sentence, punctuation differs
    ("请帮我打开客厅的灯吧", True),                 # contains a held-out sentence
    ("打开客厅", True),                             # contained in one
    ("把卧室的空调调到26度。", True),               # digits read as a number
    ("我的电话号码是13800138000。", True),          # digits read one by one
    ("打开卧室的灯。", False),
    ("把卧室的空调调到25度。", False),
])
def test_held_out_exclusion(text, excluded):
    keys = set().union(*(ct.comparison_keys(h) for h in HELD))
    assert ct.is_near_duplicate(text, keys) is excluded


def test_templates_are_deterministic_and_clean():
    a = [c.text for c in ct.template_candidates(seed=7, n=300)]
    b = [c.text for c in ct.template_candidates(seed=7, n=300)]
    assert a == b
    assert a != [c.text for c in ct.template_candidates(seed=8, n=300)]
    assert all("{" not in t and "}" not in t for t in a)


def test_sandhi_and_tone_pair_features():
    feats = ct.syllable_features([("一个", ["yi1", "ge4"]), ("你好", ["ni3", "hao3"]), ("吗", ["ma5"])])
    assert feats["SANDHI:一+4"] == 1
    assert feats["SANDHI:33w"] == 1
    assert feats["TPw:33"] == 1 and feats["TPx:43"] == 1
    assert feats["NEUTRAL:35"] == 1
    assert feats["I:0"] == 1 and feats["F:ao"] == 1


def test_greedy_prefers_new_features_and_respects_quotas():
    from collections import Counter
    feats = [Counter({"a": 1}), Counter({"a": 1, "b": 1}), Counter({"c": 1}), Counter({"a": 1, "b": 1})]
    chosen = ct.greedy_select(feats, 2, ["x", "x", "y", "x"])
    assert chosen == [1, 2]
    assert ct.greedy_select(feats, 3, ["x", "x", "y", "x"], quotas={"x": 1}) == [1, 2]


def test_select_in_order_interleaves_templates_at_their_share():
    from collections import Counter
    feats = [Counter({f"f{i}": 1}) for i in range(20)]
    sources = ["template"] * 10 + ["cpp"] * 10
    order = ct.select_in_order(feats, sources, target=10, template_share=0.2)
    assert len(order) == 10 and len(set(order)) == 10
    picked = [sources[i] for i in order]
    assert picked.count("template") == 2
    assert picked[:5].count("template") == 1


def test_a_second_list_with_an_id_prefix_keeps_its_ids_apart_and_its_lengths(tmp_path):
    cpp = tmp_path / "cpp.sent"
    cpp.write_text("今天天气很好，我们去公园散步吧。\n他每天坚持跑步，身体越来越好。\n打开客厅的灯。\n", encoding="utf-8")
    held = tmp_path / "held.txt"
    held.write_text("打开客厅的灯\n", encoding="utf-8")
    out = tmp_path / "short.tsv"
    stats = ct.build_corpus_text(out, cpp, held, target=5, seed=3, min_chars=3, max_chars=10, id_prefix="short_")
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    ids, texts = [r[0] for r in rows], [r[1] for r in rows]
    assert len(rows) == stats["selected"] == 5 and stats["id_prefix"] == "short_"
    assert len(set(ids)) == len(ids) and all(i.startswith(("short_cpp_", "short_template_")) for i in ids)
    assert all(3 <= ct.char_count(t) <= 10 for t in texts)
    assert "打开客厅的灯。" not in texts and "今天天气很好。" in texts  # clause cut to the length limit
