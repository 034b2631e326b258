"""Stand-in for ``pypinyin.seg.mmseg`` whose prefix set is the phrase trie itself.

pypinyin's mmseg module builds, at import, a Python ``set`` of every prefix of every phrase of its
phrase dictionary (``p_set.train(PHRASES_DICT.keys())``): ~87k strings, about 11 MB resident, to
answer "is this string the start of some phrase?". The memory-mapped phrase trie answers that
itself (``has_keys_with_prefix``), so :func:`sambert_edge.frontend.phrases.install` registers this
module as ``pypinyin.seg.mmseg`` next to the memory-mapped phrase table. pypinyin's converter
(``simpleseg``), ``core.load_phrases_dict``/``retrain`` and ``pypinyin.contrib.mmseg`` import from it
unchanged.

``Seg`` and ``PrefixSet`` are copied verbatim from pypinyin 0.55.0 (``pypinyin/seg/mmseg.py``);
``tests/test_segmenter.py`` checks that this module cuts exactly as pypinyin's own on a corpus.

pypinyin is Copyright (c) 2016 mozillazg, 闲耘 <hotoo.cn@gmail.com>, under the MIT License:

    Permission is hereby granted, free of charge, to any person obtaining a copy of
    this software and associated documentation files (the "Software"), to deal in
    the Software without restriction, including without limitation the rights to
    use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
    the Software, and to permit persons to whom the Software is furnished to do so,
    subject to the following conditions:

    The above copyright notice and this permission notice shall be included in all
    copies or substantial portions of the Software.

    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
    IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
    FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
    COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
    IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
    CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

PHRASES_DICT = {}
"""The phrase table (``phrases.TriePhrases``), bound by :func:`bind` before pypinyin is imported."""


class Seg(object):
    """正向最大匹配分词

    :type prefix_set: PrefixSet
    :param no_non_phrases: 是否严格按照词语分词，不允许把非词语的词当做词语进行分词
    :type no_non_phrases: bool
    """

    def __init__(self, prefix_set, no_non_phrases=False):
        self._prefix_set = prefix_set
        self._no_non_phrases = no_non_phrases

    def cut(self, text):
        """分词

        :param text: 待分词的文本
        :yield: 单个词语
        """
        remain = text
        while remain:
            matched = ''
            last_valid_word = ''
            last_valid_index = 0

            # 一次加一个字的匹配
            for index in range(len(remain)):
                word = remain[:index + 1]
                if word in self._prefix_set:
                    matched = word
                    # 检查当前匹配的词是否为有效词语
                    if (not self._no_non_phrases) or word in PHRASES_DICT:
                        last_valid_word = word
                        last_valid_index = index + 1
                else:
                    # 前缀匹配失败，需要处理之前的匹配结果
                    if last_valid_word:
                        # 有有效词语，输出最后一个有效词语
                        yield last_valid_word
                        remain = remain[last_valid_index:]
                    else:
                        # 没有有效词语
                        if self._no_non_phrases:
                            # 严格模式：输出第一个字符
                            yield remain[0]
                            remain = remain[1:]
                        else:
                            # 非严格模式：输出匹配到的前缀（如果有）或第一个字符
                            if matched:
                                yield matched
                                remain = remain[len(matched):]
                            else:
                                yield remain[0]
                                remain = remain[1:]
                    break
            else:  # 整个剩余文本都能匹配前缀
                if last_valid_word:
                    # 有有效词语，输出最后一个有效词语
                    yield last_valid_word
                    remain = remain[last_valid_index:]
                else:
                    # 没有有效词语，处理剩余文本
                    if self._no_non_phrases and remain not in PHRASES_DICT:
                        # 严格模式且不在词典中：拆分为单字符
                        for x in remain:
                            yield x
                    else:
                        # 非严格模式或在词典中：输出整个剩余文本
                        yield remain
                    break

    def train(self, words):
        """训练分词器

        :param words: 词语列表
        """
        self._prefix_set.train(words)


class PrefixSet(object):
    def __init__(self):
        self._set = set()

    def train(self, word_s):
        """更新 prefix set

        :param word_s: 词语库列表
        :type word_s: iterable
        :return: None
        """
        for word in word_s:
            # 把词语的每个前缀更新到 prefix_set 中
            for index in range(len(word)):
                self._set.add(word[:index + 1])

    def __contains__(self, key):
        return key in self._set


# --- sambert_edge: the prefix set on the trie, and the module-level objects pypinyin builds ---


class TriePrefixSet(PrefixSet):
    """``PrefixSet`` of the phrase trie's keys (asked of the trie) plus of any words trained later."""

    def __init__(self, trie):
        super().__init__()
        self._trie = trie  # marisa_trie.BytesTrie of the shipped phrases

    def train(self, word_s):
        # Words of the trie add nothing: their prefixes are already the trie's. So retrain() over
        # the whole phrase table (pypinyin.load_phrases_dict) keeps only the added words' prefixes.
        super().train(w for w in word_s if w not in self._trie)

    def __contains__(self, key):
        if key in self._set:
            return True
        if not isinstance(key, str) or key == "":
            return False
        # "Some phrase starts with key" (marisa-trie deprecates has_keys_with_prefix for this).
        return next(self._trie.iterkeys(key), None) is not None


p_set = PrefixSet()
seg = Seg(p_set, no_non_phrases=True)


def retrain(seg_instance):
    """重新使用内置词典训练 seg_instance。

    比如在增加自定义词语信息后需要调用这个模块重新训练分词器

    :type seg_instance: Seg
    """
    seg_instance.train(PHRASES_DICT.keys())


def bind(phrases, trie):
    """Serve ``phrases`` (the phrase table) with a prefix set on ``trie`` (its keys' trie)."""
    global PHRASES_DICT, p_set, seg
    PHRASES_DICT = phrases
    p_set = TriePrefixSet(trie)
    seg = Seg(p_set, no_non_phrases=True)
