"""Pinyin syllable -> KAN-TTS phones (the rules of KAN-TTS py2phoneMap.txt), erhua, letters."""

import pytest

from sambert_edge.frontend.symbols import SY
from sambert_edge.frontend.syllables import (
    LETTER_NAMES,
    SyllableError,
    merge_erhua,
    spell_letters,
    syllable_phones,
)

SYLLABLES = [
    # plain initial + final
    ("ba1", ("b_c", "a_c"), 1), ("zhuang4", ("zh_c", "uang_c"), 4), ("pian4", ("p_c", "ian_c"), 4),
    ("chong2", ("ch_c", "ong_c"), 2), ("jiong3", ("j_c", "iong_c"), 3), ("lve4", ("l_c", "ve_c"), 4),
    ("nv3", ("n_c", "v_c"), 3), ("lv4", ("l_c", "v_c"), 4), ("nve4", ("n_c", "ve_c"), 4),
    # contracted finals are expanded
    ("diu1", ("d_c", "iou_c"), 1), ("niu2", ("n_c", "iou_c"), 2), ("gui4", ("g_c", "uei_c"), 4),
    ("dun1", ("d_c", "uen_c"), 1), ("lun2", ("l_c", "uen_c"), 2), ("rui4", ("r_c", "uei_c"), 4),
    # ü after j/q/x/y is written u in pinyin
    ("ju2", ("j_c", "v_c"), 2), ("qu4", ("q_c", "v_c"), 4), ("xue2", ("xx_c", "ve_c"), 2),
    ("quan2", ("q_c", "van_c"), 2), ("jun1", ("j_c", "vn_c"), 1), ("yu2", ("y_c", "v_c"), 2),
    ("yuan2", ("y_c", "van_c"), 2), ("yue4", ("y_c", "ve_c"), 4), ("yun2", ("y_c", "vn_c"), 2),
    ("xu1", ("xx_c", "v_c"), 1), ("xi3", ("xx_c", "i_c"), 3), ("xiong2", ("xx_c", "iong_c"), 2),
    # y and w are initials; the written final stays
    ("ya1", ("y_c", "a_c"), 1), ("ye3", ("y_c", "e_c"), 3), ("yi1", ("y_c", "i_c"), 1),
    ("yin1", ("y_c", "in_c"), 1), ("ying2", ("y_c", "ing_c"), 2), ("you3", ("y_c", "ou_c"), 3),
    ("yong4", ("y_c", "ong_c"), 4), ("yao4", ("y_c", "ao_c"), 4), ("wa1", ("w_c", "a_c"), 1),
    ("wei4", ("w_c", "ei_c"), 4), ("wen2", ("w_c", "en_c"), 2), ("weng1", ("w_c", "eng_c"), 1),
    ("wo3", ("w_c", "o_c"), 3), ("wu3", ("w_c", "u_c"), 3), ("wang2", ("w_c", "ang_c"), 2),
    # apical vowels
    ("zi3", ("z_c", "ii_c"), 3), ("ci2", ("c_c", "ii_c"), 2), ("si1", ("s_c", "ii_c"), 1),
    ("zhi1", ("zh_c", "ih_c"), 1), ("chi1", ("ch_c", "ih_c"), 1), ("shi4", ("sh_c", "ih_c"), 4),
    ("ri4", ("r_c", "ih_c"), 4),
    # vowel-initial syllables take pseudo-initials
    ("a1", ("ga", "a_c"), 1), ("ai4", ("ga", "ai_c"), 4), ("an1", ("ga", "an_c"), 1),
    ("ang2", ("ga", "ang_c"), 2), ("ao4", ("ga", "ao_c"), 4), ("e4", ("ge", "e_c"), 4),
    ("ei4", ("ge", "ei_c"), 4), ("en1", ("ge", "en_c"), 1), ("er4", ("ge", "er_c"), 4),
    ("er2", ("ge", "er_c"), 2), ("o1", ("go", "o_c"), 1), ("ou3", ("go", "ou_c"), 3),
    # neutral tone and interjections
    ("de5", ("d_c", "e_c"), 5), ("n2", ("ge", "en_c"), 2), ("m2", ("m_c", "u_c"), 2),
    ("hm5", ("h_c", "en_c"), 5),
    # erhua r-finals
    ("nar3", ("n_c", "ar_c"), 3), ("huar1", ("h_c", "uar_c"), 1), ("dianr3", ("d_c", "ianr_c"), 3),
    ("wanr2", ("w_c", "anr_c"), 2), ("zher4", ("zh_c", "er_c"), 4), ("ger4", ("g_c", "er_c"), 4),
    ("zir3", ("z_c", "iir_c"), 3), ("shir4", ("sh_c", "ihr_c"), 4), ("quanr1", ("q_c", "vanr_c"), 1),
    ("xuer2", ("xx_c", "ver_c"), 2), ("yir1", ("y_c", "ir_c"), 1), ("menr2", ("m_c", "enr_c"), 2),
    ("kongr4", ("k_c", "ongr_c"), 4), ("huir4", ("h_c", "ueir_c"), 4), ("gunr4", ("g_c", "uenr_c"), 4),
    ("niur2", ("n_c", "iour_c"), 2), ("wur1", ("w_c", "ur_c"), 1), ("quer4", ("q_c", "ver_c"), 4),
    # ü spellings accepted on input
    ("lu:4", ("l_c", "v_c"), 4), ("nü3", ("n_c", "v_c"), 3),
]


@pytest.mark.parametrize("syllable,phones,tone", SYLLABLES)
def test_syllable_phones_follow_kantts_rules(syllable, phones, tone):
    assert syllable_phones(syllable) == (phones, tone)
    assert all(p in SY for p in phones)


@pytest.mark.parametrize("bad", ["ba", "ba6", "xyz1", "bi0", "", "zhv1", "ha ha1", "abc2"])
def test_non_syllables_are_rejected_with_a_message(bad):
    with pytest.raises(SyllableError, match="syllable"):
        syllable_phones(bad)


@pytest.mark.parametrize("host,er,merged", [
    ("na3", "er2", "nar3"), ("dian3", "er2", "dianr3"), ("wan2", "er5", "wanr2"),
    ("hua1", "er2", "huar1"), ("zhe4", "er5", "zher4"), ("nar3", "er2", "nar3"),
])
def test_erhua_keeps_the_host_tone(host, er, merged):
    assert merge_erhua(host, er) == merged


def test_every_letter_name_is_a_valid_syllable():
    for names in LETTER_NAMES.values():
        for name in names:
            syllable_phones(name)
    assert set(LETTER_NAMES) == set("abcdefghijklmnopqrstuvwxyz")


def test_spelling_keeps_each_letter_as_text():
    assert spell_letters("GPs") == [("G", "ji4"), ("P", "pi4"), ("s", "ai2"), ("s", "si1")]
