"""Citation -> spoken readings: 一/不 sandhi, 3-3 sandhi, neutral tones, erhua (table-driven).

Each case gives the jieba words (space-separated), their citation pinyin and the expected
spoken pinyin, so the sandhi rules are tested apart from segmentation and polyphones.
"""

import pytest

from sambert_edge.frontend.spoken import spoken_readings

DICTIONARY = {"老虎", "展览", "水果", "演讲", "总统", "保险", "洗脸", "手表", "雨伞"}

CASES = [
    # 3-3 sandhi inside a word
    ("你好", "ni3 hao3", "ni2 hao3"),
    ("老鼠", "lao3 shu3", "lao2 shu3"),
    ("水果", "shui3 guo3", "shui2 guo3"),
    ("可以", "ke3 yi3", "ke2 yi3"),
    ("所以", "suo3 yi3", "suo2 yi3"),
    ("理想", "li3 xiang3", "li2 xiang3"),
    ("领导", "ling3 dao3", "ling2 dao3"),
    ("手表", "shou3 biao3", "shou2 biao3"),
    ("雨伞", "yu3 san3", "yu2 san3"),
    ("洗澡", "xi3 zao3", "xi2 zao3"),
    ("美好", "mei3 hao3", "mei2 hao3"),
    ("友好", "you3 hao3", "you2 hao3"),
    # three-syllable words: 2+1 -> 2 2 3, 1+2 -> 3 2 3
    ("展览馆", "zhan3 lan3 guan3", "zhan2 lan2 guan3"),
    ("演讲稿", "yan3 jiang3 gao3", "yan2 jiang2 gao3"),
    ("洗脸水", "xi3 lian3 shui3", "xi2 lian2 shui3"),
    ("小老虎", "xiao3 lao3 hu3", "xiao3 lao2 hu3"),
    ("纸老虎", "zhi3 lao3 hu3", "zhi3 lao2 hu3"),
    ("总统府", "zong3 tong3 fu3", "zong2 tong2 fu3"),
    ("保险卡", "bao3 xian3 ka3", "bao2 xian2 ka3"),
    # across short words of one prosodic word
    ("我 很 好", "wo3 hen3 hao3", "wo3 hen2 hao3"),
    ("很 好", "hen3 hao3", "hen2 hao3"),
    ("买 水果", "mai3 shui3 guo3", "mai3 shui2 guo3"),
    ("你 找 我", "ni3 zhao3 wo3", "ni3 zhao2 wo3"),
    ("我 也 想 你", "wo3 ye3 xiang3 ni3", "wo2 ye2 xiang2 ni3"),
    ("请 你 走", "qing3 ni3 zou3", "qing3 ni2 zou3"),
    # no sandhi across punctuation or before a neutral tone
    ("好 ， 我", "hao3 - wo3", "hao3 - wo3"),
    ("你 。 好", "ni3 - hao3", "ni3 - hao3"),
    ("姐姐", "jie3 jie5", "jie3 jie5"),
    ("奶奶", "nai3 nai3", "nai3 nai5"),
    ("椅子", "yi3 zi5", "yi3 zi5"),
    ("喜欢", "xi3 huan5", "xi3 huan5"),
    ("我们", "wo3 men5", "wo3 men5"),
    ("老师", "lao3 shi1", "lao3 shi1"),
    ("好人", "hao3 ren2", "hao3 ren2"),
    ("美丽", "mei3 li4", "mei3 li4"),
    # 不
    ("不 对", "bu4 dui4", "bu2 dui4"),
    ("不是", "bu4 shi4", "bu2 shi4"),
    ("不要", "bu4 yao4", "bu2 yao4"),
    ("不会", "bu4 hui4", "bu2 hui4"),
    ("不 去", "bu4 qu4", "bu2 qu4"),
    ("不好", "bu4 hao3", "bu4 hao3"),
    ("不行", "bu4 xing2", "bu4 xing2"),
    ("不 吃", "bu4 chi1", "bu4 chi1"),
    ("是不是", "shi4 bu4 shi4", "shi4 bu5 shi4"),
    ("好不好", "hao3 bu4 hao3", "hao3 bu5 hao3"),
    ("去不去", "qu4 bu4 qu4", "qu4 bu5 qu4"),
    ("对不起", "dui4 bu4 qi3", "dui4 bu4 qi3"),
    ("我 不", "wo3 bu4", "wo3 bu4"),
    ("不 客气", "bu4 ke4 qi5", "bu2 ke4 qi5"),
    # 一
    ("一样", "yi1 yang4", "yi2 yang4"),
    ("一定", "yi1 ding4", "yi2 ding4"),
    ("一 个", "yi1 ge4", "yi2 ge4"),
    ("一天", "yi1 tian1", "yi4 tian1"),
    ("一年", "yi1 nian2", "yi4 nian2"),
    ("一起", "yi1 qi3", "yi4 qi3"),
    ("一般", "yi1 ban1", "yi4 ban1"),
    ("一直", "yi1 zhi2", "yi4 zhi2"),
    ("第一", "di4 yi1", "di4 yi1"),
    ("统一", "tong3 yi1", "tong3 yi1"),
    ("十一", "shi2 yi1", "shi2 yi1"),
    ("一一零", "yi1 yi1 ling2", "yi1 yi1 ling2"),
    ("二零一九", "er4 ling2 yi1 jiu3", "er4 ling2 yi1 jiu3"),
    ("一月", "yi1 yue4", "yi1 yue4"),
    ("一号", "yi1 hao4", "yi1 hao4"),
    ("一百", "yi1 bai3", "yi4 bai3"),
    ("一千", "yi1 qian1", "yi4 qian1"),
    ("一万", "yi1 wan4", "yi2 wan4"),
    ("一亿", "yi1 yi4", "yi2 yi4"),
    ("一 点 五", "yi1 dian3 wu3", "yi1 dian2 wu3"),
    ("看一看", "kan4 yi1 kan4", "kan4 yi5 kan4"),
    ("想一想", "xiang3 yi1 xiang3", "xiang3 yi5 xiang3"),
    ("试一试", "shi4 yi1 shi4", "shi4 yi5 shi4"),
    ("一", "yi1", "yi1"),
    # reduplication and particles
    ("看看", "kan4 kan4", "kan4 kan5"),
    ("试试", "shi4 shi4", "shi4 shi5"),
    ("妈妈", "ma1 ma1", "ma1 ma5"),
    ("哥哥", "ge1 ge1", "ge1 ge5"),
    ("常常", "chang2 chang2", "chang2 chang2"),
    ("天天", "tian1 tian1", "tian1 tian1"),
    ("渐渐", "jian4 jian4", "jian4 jian4"),
    ("零零", "ling2 ling2", "ling2 ling2"),
    ("八八", "ba1 ba1", "ba1 ba1"),
    ("哈哈", "ha1 ha1", "ha1 ha1"),
    ("走 吧", "zou3 ba1", "zou3 ba5"),
    ("好 啊", "hao3 a1", "hao3 a5"),
    ("是 吗", "shi4 ma2", "shi4 ma5"),
    ("人们", "ren2 men2", "ren2 men5"),
    ("朋友们", "peng2 you5 men2", "peng2 you5 men5"),
    # erhua
    ("哪儿", "na3 er2", "nar3 -"),
    ("这儿", "zhe4 er2", "zher4 -"),
    ("那儿", "na4 er5", "nar4 -"),
    ("一点儿", "yi1 dian3 er2", "yi4 dianr3 -"),
    ("玩儿", "wan2 er2", "wanr2 -"),
    ("花儿", "hua1 er2", "huar1 -"),
    ("小孩儿", "xiao3 hai2 er2", "xiao3 hair2 -"),
    ("好玩儿", "hao3 wan2 er5", "hao3 wanr2 -"),
    ("没事儿", "mei2 shi4 er5", "mei2 shir4 -"),
    ("一会儿", "yi1 hui4 er5", "yi2 huir4 -"),
    ("玩 儿", "wan2 er2", "wanr2 -"),
    ("女儿", "nv3 er2", "nv3 er2"),
    ("婴儿", "ying1 er2", "ying1 er2"),
    ("儿子", "er2 zi5", "er2 zi5"),
    ("儿童", "er2 tong2", "er2 tong2"),
    ("幼儿园", "you4 er2 yuan2", "you4 er2 yuan2"),
    ("新生儿", "xin1 sheng1 er2", "xin1 sheng1 er2"),
]


def _run(words: str, citation: str):
    tokens = words.split()
    syllables = iter(citation.split())
    readings = [[(None if (s := next(syllables)) == "-" else s) for _ in tok] for tok in tokens]
    out = spoken_readings(tokens, readings, is_word=DICTIONARY.__contains__)
    return " ".join(p or "-" for word in out for p in word)


@pytest.mark.parametrize("words,citation,spoken", CASES)
def test_spoken_reading(words, citation, spoken):
    assert _run(words, citation) == spoken


def test_locked_readings_are_never_changed():
    out = spoken_readings(["你好"], [["ni3", "hao3"]], locked=[[True, False]])
    assert out == [["ni3", "hao3"]]


def test_shape_is_preserved():
    words = ["我们", "一起", "去", "哪儿"]
    readings = [["wo3", "men5"], ["yi1", "qi3"], ["qu4"], ["na3", "er2"]]
    out = spoken_readings(words, readings)
    assert [len(w) for w in out] == [2, 2, 1, 2]
