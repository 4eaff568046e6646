"""Tokenisers for lexical retrieval; both satisfy :class:`matcher.protocols.Tokenizer`.

* :class:`JiebaTokenizer` — word segmentation with a private ``jieba.Tokenizer`` (never the global
  one, so two indexes with different user dictionaries cannot disturb each other) plus a user
  dictionary of occupation and 工种 names, so "电焊工" or "砌筑工" stay one token.
* :class:`CharNgramTokenizer` — character unigrams + bigrams over runs of CJK text. It needs no
  dictionary and is a strong baseline for short Chinese names, where segmentation errors hurt most.

Stop words. Both drop punctuation, whitespace and the words in :data:`STOP_WORDS`: function words
and the generic vocabulary of job postings and profiles (benefits such as 五险一金 / 包吃住, wage and
contact words, recruiting verbs) that says nothing about *which* occupation is meant. Whole
boilerplate sentences (company introductions, benefit lists) are removed earlier, at text level, by
:func:`embeddings.texts.strip_boilerplate`; the token filter only catches what is left inside a
sentence that also carries skills.

Nothing heavy happens at import: jieba's dictionary loads on the first :meth:`JiebaTokenizer.cut`.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba
    import polars as pl

__all__ = [
    "STOP_WORDS",
    "CharNgramTokenizer",
    "JiebaTokenizer",
    "make_tokenizer",
    "occupation_user_words",
]

# Function words and posting/profile boilerplate. All filter jieba words; the multi-character
# ones also filter char n-grams. None may be a substring of an occupation or 工种 name (checked
# against the 2022 catalogue) except those in _NAME_PARTS, which char n-grams keep.
_STOP_WORDS_TEXT = """
的 了 和 与 及 或 等 在 是 有 会 能 可 为 对 从 把 被 并 也 都 而 且 其 之 以 于 中 上 下
内 外 我 你 他 她 我们 本人 自己 一 个 名 人 位 些 各 该 这 那 此 每 将 要 需 需要 进行
负责 过 干 干过 做 做过 当 当过 待 待过 曾 曾经 多年 年 月 日 天 小时 左右 以上 以下 若干 数名
多名 招聘 招 急招 诚聘 高薪 聘请 招工 求职 找 找工作 工作 岗位 职位 人员 员工 师傅 经验 优先 不限
要求 身体 吃苦 耐劳 吃苦耐劳 责任心 认真 踏实 男女 年龄 岁 学历 薪资 薪水 工资
月薪 日薪 时薪 底薪 提成 面议 待遇 从优 优厚 福利 五险 一金 五险一金 六险一金 社保 包吃 包住
包吃住 包吃包住 管吃住 吃住 吃 住 食宿 提供 免费 双休 单休 加班 加班费 年终奖 奖金 补贴 带薪 年假
节假日 联系 电话 联系电话 地址 集团 有限公司 欢迎 加入 有意者 欢迎加入 元 万 千 百 块
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())
# Stop words that are also part of occupation or 工种 names ("社会工作者", "招聘专员"): harmless
# as jieba words, but as char bigrams they would delete part of a name.
_NAME_PARTS: frozenset[str] = frozenset({"人员", "工作", "招聘"})

# A run of characters that can form a token: CJK ideographs, or ASCII letters/digits.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z][A-Za-z0-9+#.\-]*|\d+")
_IS_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_IS_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
#: texts whose tokens a ChineseTokenizer remembers (a few kB each)
_MEMO_TEXTS = 4096


def occupation_user_words(catalogue: pl.DataFrame, *, include_work_types: bool = True) -> list[str]:
    """Occupation names and 工种 names of a catalogue frame, for jieba's user dictionary.

    ``catalogue`` has the columns of ``occupations-2022.csv``; ``work_types`` is ``|``-separated.
    Names shorter than two characters are skipped (they are OCR fragments). Sorted, unique.
    """
    words: set[str] = set()
    for column in ("name", "minor_name"):
        if column in catalogue.columns:
            words.update(str(v) for v in catalogue[column].drop_nulls())
    if include_work_types and "work_types" in catalogue.columns:
        for cell in catalogue["work_types"].drop_nulls():
            words.update(str(cell).split("|"))
    return sorted(w.strip() for w in words if len(w.strip()) >= 2)


class JiebaTokenizer:
    """jieba word segmentation with a user dictionary; lower-cases ASCII and drops stop words.

    ``search_mode`` (default) uses jieba's search segmentation: long words also yield the
    dictionary words they contain. The dictionary is built lazily, once, on the first
    :meth:`cut` (thread-safe), because loading jieba's 350k-word dictionary takes about a second.
    """

    name = "jieba"

    def __init__(
        self,
        user_words: Iterable[str] = (),
        *,
        stop_words: frozenset[str] = STOP_WORDS,
        hmm: bool = True,
        search_mode: bool = True,
    ) -> None:
        self.user_words: tuple[str, ...] = tuple(dict.fromkeys(w for w in user_words if w))
        self.stop_words = stop_words
        self.hmm = hmm
        self.search_mode = search_mode
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        # The same texts come back request after request (a worker's skills, an order's title):
        # their tokens are remembered, bounded; a cut is a pure function of the text.
        self._memo = functools.lru_cache(maxsize=_MEMO_TEXTS)(self._cut_text)

    def _ensure(self) -> jieba.Tokenizer:
        if self._tokenizer is not None:
            return self._tokenizer
        with self._lock:
            if self._tokenizer is None:
                import jieba

                # jieba prints its cache-loading chatter through its own logger at DEBUG level.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in self.user_words:
                    # A high frequency makes the user word win over the segmentation the default
                    # dictionary would prefer ("电焊工" rather than "电焊" + "工").
                    tokenizer.add_word(word, freq=max(tokenizer.suggest_freq(word), 1000))
                self._tokenizer = tokenizer
        return self._tokenizer

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``: words, lower-cased, without punctuation, whitespace or stop words."""
        if not text:
            return []
        return list(self._memo(text))

    def _cut_text(self, text: str) -> tuple[str, ...]:
        tokenizer = self._ensure()
        # Search mode also emits the dictionary words inside a long word ("电焊工" → "电焊",
        # "焊工", "电焊工"), so a 工种 name in the user dictionary still meets an index text
        # that only says "焊工".
        cut = tokenizer.cut_for_search if self.search_mode else tokenizer.cut
        out: list[str] = []
        for token in cut(text, HMM=self.hmm):
            token = token.strip().lower()
            if token and _IS_WORD.search(token) and token not in self.stop_words:
                out.append(token)
        return tuple(out)


class CharNgramTokenizer:
    """Character n-grams (default uni + bigrams) inside runs of CJK text; ASCII words kept whole.

    n-grams never span punctuation or a script change, so "电焊,包吃住" yields no "焊包" bigram.
    Stop words are removed as whole runs' substrings only when they are a complete n-gram, which
    drops e.g. the bigram "包吃" but keeps the unigram "包" of "包装工".
    """

    name = "char"

    def __init__(self, ngrams: tuple[int, ...] = (1, 2), *, stop_words: frozenset[str] = STOP_WORDS) -> None:
        if not ngrams or min(ngrams) < 1:
            raise ValueError(f"ngrams must be positive lengths, got {ngrams!r}")
        self.ngrams = tuple(sorted(set(ngrams)))
        # Unigram stop words would remove meaningful characters ("工", "员" are part of every name
        # but BM25's idf already discounts them); only multi-character stop words are applied.
        self.stop_words = frozenset(w for w in stop_words if len(w) > 1) - _NAME_PARTS

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``: for each CJK run, its n-grams in order; ASCII words lower-cased."""
        out: list[str] = []
        for match in _CJK_RUN.finditer(text or ""):
            run = match.group(0)
            if not _IS_CJK.match(run):
                out.append(run.lower())
                continue
            for n in self.ngrams:
                for i in range(len(run) - n + 1):
                    gram = run[i : i + n]
                    if gram not in self.stop_words:
                        out.append(gram)
        return out


def make_tokenizer(kind: str, user_words: Iterable[str] = ()) -> JiebaTokenizer | CharNgramTokenizer:
    """``"jieba"`` or ``"char"`` (uni+bigram) — the names stored in a lexical index's params."""
    if kind == "jieba":
        return JiebaTokenizer(user_words)
    if kind == "char":
        return CharNgramTokenizer()
    raise ValueError(f"unknown tokenizer {kind!r}; expected 'jieba' or 'char'")
