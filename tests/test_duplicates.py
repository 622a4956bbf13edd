"""Near-duplicate articles: detected at sync (MinHash + exact Jaccard), cited once."""

from __future__ import annotations

import json

import pytest
from conftest import BBC

from qa.indexing.corpus import load_article
from qa.indexing.duplicates import (
    THRESHOLD,
    Pair,
    SignatureCache,
    duplicate_groups,
    find_duplicates,
    groups_of,
    jaccard,
    shingles,
    signature,
)

STORY = (
    "Acme Corp has agreed to buy its rival Widget Works for 300 million pounds, the two "
    "firms said on Monday. The deal creates the largest maker of widgets in Europe and "
    "will lead to 400 job losses, mostly in the north of England. Shares in Widget Works "
    "jumped 20% on the news, while Acme shares fell slightly. Chief executive Jane Smith "
    "said the combined company would be stronger in its export markets. Unions said they "
    "would fight the job cuts and called for talks with management next week. Analysts "
    "said the price was fair given the state of the widget market."
)
UPDATED = STORY.replace("fell slightly", "fell 2% in afternoon trading")
OTHER = (
    "Heavy storms hit the coast of Cornwall on Tuesday, closing roads and schools and "
    "leaving thousands of homes without power. Forecasters said the wind would ease by "
    "the weekend, but warned of more rain and flooding in low-lying areas."
)


def test_shingles_and_jaccard():
    a, b = shingles(STORY), shingles(UPDATED)
    assert jaccard(a, a) == 1.0
    assert THRESHOLD <= jaccard(a, b) < 1.0  # one changed phrase costs a few shingles
    assert jaccard(a, shingles(OTHER)) == 0.0
    assert len(shingles("one two three")) == 1 and len(shingles("")) == 0
    assert (signature(a) == signature(shingles(STORY.upper()))).all()  # case-blind


def test_find_duplicates_and_groups():
    texts = {"b/1": STORY, "a/1": UPDATED, "c/1": OTHER, "d/1": STORY}
    pairs = find_duplicates(texts)
    assert [(p.first, p.second) for p in pairs] == [("a/1", "b/1"), ("a/1", "d/1"), ("b/1", "d/1")]
    assert groups_of(pairs) == {"a/1": "a/1", "b/1": "a/1", "d/1": "a/1"}
    assert groups_of([Pair("x", "y", 1), Pair("y", "z", 1)]) == {"x": "x", "y": "x", "z": "x"}


def test_signatures_are_cached_on_disk(tmp_path):
    path = tmp_path / "sigs.npz"
    cache = SignatureCache(path)
    find_duplicates({"a": STORY, "b": OTHER}, cache)
    assert cache.computed == 2
    cache.save()
    again = SignatureCache(path)
    assert find_duplicates({"a": STORY, "b": OTHER, "c": UPDATED}, again)[0].second == "c"
    assert again.computed == 1  # only the new text
    path.write_bytes(b"not numpy")
    assert SignatureCache(path).get("x") is None  # unreadable: computed again


def _bbc(aid):
    return load_article(BBC / f"{aid}.txt", aid)[0].text


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("tech/009", "tech/379", True),  # an updated version (reader comments added)
        ("business/209", "business/229", True),  # the same story, retitled and updated
        ("sport/467", "sport/471", True),
        ("politics/327", "politics/328", False),  # the same affair, different stories
        ("tech/141", "tech/173", False),
    ],
)
def test_bbc_pairs(first, second, same):
    found = find_duplicates({first: _bbc(first), second: _bbc(second)})
    assert bool(found) is same


def test_duplicate_groups_from_the_manifest():
    manifest = {
        "a": {"duplicate_group": "a"},
        "b": {"duplicate_group": "a"},
        "c": {"duplicate_group": "a"},
        "d": {},
    }
    assert duplicate_groups(manifest) == {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}


@pytest.fixture(scope="module")
def synced(tmp_path_factory, embedder):
    from qa.answering.service import build_assistant
    from qa.indexing.sync import manifest_path
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("dups")
    corpus = root / "corpus"
    (corpus / "wire").mkdir(parents=True)
    (corpus / "feed").mkdir()
    (corpus / "wire" / "acme.txt").write_text("Acme to buy Widget Works\n\n" + STORY)
    (corpus / "feed" / "acme.txt").write_text("Acme buys Widget Works\n\n" + UPDATED)
    (corpus / "storms.txt").write_text("Storms hit Cornwall\n\n" + OTHER)
    settings = Settings(corpus_dir=corpus, data_dir=root / "data", _env_file=None)
    assistant = build_assistant(settings, sync=False)
    summary = assistant.sync()
    manifest = json.loads(manifest_path(settings).read_text())
    return assistant, summary, manifest


def test_sync_records_the_duplicates(synced):
    assistant, summary, manifest = synced
    assert summary.duplicate_pairs == 1
    assert manifest["feed/acme"]["duplicate_group"] == "feed/acme"
    assert manifest["wire/acme"]["duplicate_group"] == "feed/acme"
    assert "duplicate_group" not in manifest["storms"]
    again = assistant.sync()
    assert again.duplicate_pairs == 1 and again.chunks_embedded == 0


def test_a_duplicated_story_is_cited_once_with_also_in(synced):
    from qa.app.web.page import sources_html

    assistant = synced[0]
    answer = assistant.ask("How much will Acme Corp pay for Widget Works?", k=5)
    articles = {p.article for p in answer.passages}
    assert len(articles & {"wire/acme", "feed/acme"}) == 1  # one copy of the story
    assert answer.citations
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))  # not the same sentence twice
    for c in answer.citations:
        other = {"wire/acme": "feed/acme", "feed/acme": "wire/acme"}.get(c.article)
        assert c.also_in == ([other] if other else [])
    assert answer.to_dict()["citations"][0]["also_in"]
    assert "also in: " in sources_html(answer, 1)


def test_a_second_run_reuses_the_pairs_scores_and_shingles_nothing(tmp_path, monkeypatch):
    from qa.indexing import duplicates

    path = tmp_path / "sigs.npz"
    texts = {"b/1": STORY, "a/1": UPDATED, "c/1": OTHER, "d/1": STORY}
    first = SignatureCache(path)
    expected = find_duplicates(texts, first)
    first.save()
    calls = []
    real = duplicates.shingles
    monkeypatch.setattr(
        duplicates, "shingles", lambda text, *rest: calls.append(text) or real(text, *rest)
    )
    assert find_duplicates(texts, SignatureCache(path)) == expected
    assert calls == []  # unchanged texts: stored signatures and stored pair scores
    changed = {**texts, "d/1": OTHER}  # one text changed: only its pairs are scored again
    again = find_duplicates(changed, SignatureCache(path))
    assert [(p.first, p.second) for p in again] == [("a/1", "b/1"), ("c/1", "d/1")]
    assert calls and all(t in (OTHER, UPDATED, STORY) for t in calls)


def test_pairs_are_stored_as_row_numbers_and_old_files_still_load(tmp_path, monkeypatch):
    """The pair scores take a few bytes a pair on disk (the 100,000-article benchmark's
    file went from 1.37 GB to 97 MB), and a file from before is read, not thrown away."""
    import numpy as np

    from qa.indexing import duplicates

    path = tmp_path / "sigs.npz"
    texts = {"b/1": STORY, "a/1": UPDATED, "c/1": OTHER, "d/1": STORY}
    cache = SignatureCache(path)
    expected = find_duplicates(texts, cache)
    cache.save()
    with np.load(path) as data:
        assert set(data) == {"keys", "signatures", "pair_rows", "scores"}
        assert data["pair_rows"].dtype == np.int32 and data["keys"].dtype.itemsize == 64
        keys, sigs, rows, scores = (data[k] for k in ("keys", "signatures", "pair_rows", "scores"))
    old = tmp_path / "old.npz"  # as written before: the two hex strings of each pair
    pairs = np.array([(keys[a].decode(), keys[b].decode()) for a, b in rows], dtype=str)
    np.savez(old, keys=keys.astype(str), signatures=sigs, pairs=pairs, scores=scores)
    calls = []
    real = duplicates.shingles
    monkeypatch.setattr(
        duplicates, "shingles", lambda text, *rest: calls.append(text) or real(text, *rest)
    )
    assert find_duplicates(texts, SignatureCache(old)) == expected
    assert calls == []  # every signature and pair score came from the old file


def test_a_huge_article_is_signed_in_bounded_memory():
    """Issue 36 (2): a 10 MB upload (about 2 million shingles) took 2 GB per temporary
    while its MinHash signature was computed; now a block at a time, the same minima."""
    import tracemalloc

    import numpy as np

    from qa.indexing import duplicates

    rng = np.random.default_rng(36)
    small = np.unique(rng.integers(0, 2**63, size=3000, dtype=np.uint64))
    with np.errstate(over="ignore"):
        mixed = (small[:, None] * duplicates._A[None, :] + duplicates._B[None, :]) >> np.uint64(32)
    direct = (mixed & duplicates._MASK32).min(axis=0).astype(np.uint32)
    assert (duplicates.signature(small) == direct).all()
    huge = np.unique(rng.integers(0, 2**63, size=500_000, dtype=np.uint64))
    tracemalloc.start()
    try:
        duplicates.signature(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak / 2**20  # all at once: 3 x 488 MB
