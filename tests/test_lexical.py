"""BM25 (bm25s) against the reference implementation (rank_bm25), tokenisers, persistence."""

from __future__ import annotations

import random

import numpy as np
import pytest

from embeddings.lexical import BM25Index, LexicalIndexMismatch
from embeddings.tokenize import CharNgramTokenizer, JiebaTokenizer, make_tokenizer


class _Whitespace:
    name = "ws"

    def cut(self, text: str) -> list[str]:
        return text.split()


def _corpus(seed: int = 3, n: int = 60, vocab: int = 400) -> list[str]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))) for _ in range(n)]


def test_agrees_with_rank_bm25_okapi() -> None:
    import rank_bm25  # a declared test dependency: a broken install fails, never skips

    docs = _corpus()
    tokens = [d.split() for d in docs]
    # Okapi idf turns negative for a term in more than half the documents, where rank_bm25
    # substitutes a floor; the sampled corpus keeps every term well below that.
    assert max(sum(w in set(t) for t in tokens) for w in {w for t in tokens for w in t}) < len(docs) / 2
    reference = rank_bm25.BM25Okapi(tokens, k1=1.5, b=0.75)
    index = BM25Index(_Whitespace(), k1=1.5, b=0.75, method="robertson")
    index.add([f"d{i}" for i in range(len(docs))], docs)
    queries = [docs[5].split()[:4], ["w1", "w2", "w3"], docs[17].split(), ["w7", "w7", "unknown"]]
    ours = index.scores_tokens(queries)
    for row, query in enumerate(queries):
        # bm25s drops Okapi's constant (k1 + 1) numerator factor: same ranking, scaled scores
        np.testing.assert_allclose(ours[row] * 2.5, reference.get_scores(query), rtol=1e-5, atol=1e-5)


def test_lucene_ranks_like_rank_bm25_at_the_top() -> None:
    import rank_bm25  # a declared test dependency: a broken install fails, never skips

    docs = _corpus(seed=11)
    reference = rank_bm25.BM25Okapi([d.split() for d in docs])
    index = BM25Index(_Whitespace())
    index.add([str(i) for i in range(len(docs))], docs)
    for doc in docs[:20]:
        query = doc.split()[:5]
        assert int(np.argmax(index.scores_tokens([query])[0])) == int(np.argmax(reference.get_scores(query)))


def test_search_and_incremental_rebuild() -> None:
    index = BM25Index(CharNgramTokenizer(), tokenizer_kind="char")
    index.add(["weld", "brick", "cook"], ["焊工 电焊 气焊", "砌筑工 砌墙 瓦工", "中式烹调师 炒菜"])
    ids, scores = index.search(["会电焊"], 3)
    assert ids[0, 0] == "weld" and ids[0, 2] == "" and np.isneginf(scores[0, 2])
    index.add(["brick"], ["电焊 电焊 电焊 焊工"])  # update replaces the document
    assert set(index.search(["电焊"], 2)[0][0]) == {"weld", "brick"}
    assert index.remove(["weld", "missing"]) == 1
    assert index.search(["电焊"], 3)[0][0, 0] == "brick" and len(index) == 2


def test_empty_and_unknown_queries_score_zero() -> None:
    index = BM25Index(CharNgramTokenizer())
    index.add(["a"], ["焊工"])
    np.testing.assert_array_equal(index.scores(["", "xyz", "，。"]), np.zeros((3, 1), np.float32))
    assert BM25Index(CharNgramTokenizer()).scores(["焊工"]).shape == (1, 0)


def test_persistence_round_trip_and_mismatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = BM25Index(make_tokenizer("char"), tokenizer_kind="char", data_version="2024-01")
    index.add(["weld", "brick"], ["焊工，电焊", "砌筑工，瓦工"])
    index.save(tmp_path / "lex")
    assert not list(tmp_path.glob("**/*.pkl"))
    loaded = BM25Index.load(tmp_path / "lex", expected_tokenizer="char", expected_data_version="2024-01")
    np.testing.assert_array_equal(loaded.scores(["电焊工", "瓦工"]), index.scores(["电焊工", "瓦工"]))
    loaded.add(["cook"], ["厨师"])  # a loaded index stays incrementally updatable
    assert loaded.search(["厨师"], 1)[0][0, 0] == "cook"
    with pytest.raises(LexicalIndexMismatch, match="tokenizer 'char'.*'jieba'"):
        BM25Index.load(tmp_path / "lex", expected_tokenizer="jieba")
    with pytest.raises(LexicalIndexMismatch, match="data version"):
        BM25Index.load(tmp_path / "lex", expected_data_version="2025-01")


def test_char_ngrams_stay_inside_runs() -> None:
    tokens = CharNgramTokenizer().cut("电焊,包吃住 CNC操作")
    assert "焊包" not in tokens and "电焊" in tokens and "cnc" in tokens
    assert "包吃" not in tokens  # boilerplate bigram dropped
    assert CharNgramTokenizer(ngrams=(2,)).cut("瓦工") == ["瓦工"]


def test_jieba_user_dictionary_is_private() -> None:
    word = "蓝鲸焊接师"  # not in jieba's dictionary
    plain = JiebaTokenizer()
    custom = JiebaTokenizer([word])
    assert word in custom.cut(f"招聘{word}两名")
    assert word not in plain.cut(f"招聘{word}两名")  # a second instance is unaffected
    import jieba

    assert word not in jieba.lcut(f"招聘{word}两名")  # and so is the global tokenizer


def test_jieba_drops_boilerplate_and_punctuation() -> None:
    tokens = JiebaTokenizer(["电焊工"]).cut("招聘电焊工，五险一金，包吃住！")
    assert tokens == ["电焊", "焊工", "电焊工"]  # search mode: the word and the words inside it


def test_a_remembered_cut_gives_the_same_tokens_in_a_list_of_its_own():
    tokenizer = JiebaTokenizer(["电焊工"])
    first = tokenizer.cut("会电焊工，想学电工")
    assert "电焊工" in first and "电工" in first
    first.append("改动")
    again = tokenizer.cut("会电焊工，想学电工")
    assert again == first[:-1]
    assert again is not first
