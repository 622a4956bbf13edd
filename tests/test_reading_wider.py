"""Reading wider than the retrieved passages: the chunks around the best ones are scored
and read too, with the real index, embedder and shipped reader; and a short answer never
runs past the end of the sentence it starts in."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import BBC

from qa.answering.readers import evidence
from qa.answering.readers.reader import Reading, Span
from qa.answering.retrieval.articles import article_rows

POMPEII = "tech/115"  # "Pompeii gets digital make-over", five chunks
ARTICLES = [POMPEII, "tech/035", "business/005", "politics/025"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("wide")
    for name in ARTICLES:
        (root / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BBC / f"{name}.txt", root / "corpus" / f"{name}.txt")
    return root


def assistant(root, sync=False, **kw):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    settings = Settings(_env_file=None, corpus_dir=root / "corpus", data_dir=root / "data", **kw)
    return build_assistant(settings, sync=sync)


@pytest.fixture(scope="module")
def wide(folder, embedder):
    return assistant(folder, sync=True)


def test_the_neighbours_of_a_passage_are_the_chunks_around_it_in_its_article(wide):
    retriever = wide.retriever
    question = "In which films has augmented reality created special effects?"
    vector = wide.embedder.encode([question])[0]
    first = retriever.search(question, 1, query_vector=vector)
    ids = [r.chunk_id for r in article_rows(retriever.index, first[0].article)]
    at = ids.index(first[0].chunk_id)
    assert 0 < at < len(ids) - 1, "the test wants a chunk in the middle of its article"

    around = retriever.neighbours(first, vector)

    assert [p.chunk_id for p in around] == [ids[at - 1], ids[at + 1]]
    assert around[0].end <= first[0].start and first[0].end <= around[1].start
    assert all(p.article == first[0].article and p.score == 0.0 for p in around)
    stored = wide.store._collection.query(
        query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
        n_results=len(ids) * len(ARTICLES),
        include=["distances"],
    )
    similarity = {c: 1 - d for c, d in zip(stored["ids"][0], stored["distances"][0], strict=True)}
    for p in around:
        assert p.dense == pytest.approx(similarity[p.chunk_id], abs=1e-4)
    given = {p.chunk_id for p in [*first, *around]}
    assert not given & {p.chunk_id for p in retriever.neighbours([*first, *around], vector)}


def read_spans(a, question: str, k: int) -> tuple[list[str], set[str]]:
    """The spans the reader offered for ``question`` and the chunks it read."""
    state = a.prepare.invoke(
        {
            "question": question,
            "history": [],
            "k": k,
            "neighbours": a.settings.read_neighbours,
            "filters": None,
            "timings": {},
            "notes": [],
        }
    )
    done = state["read"]
    spans = [done.snippets[s.passage].text[s.start : s.end] for s in done.reading.spans]
    return spans, {s.passage.chunk_id for s in done.snippets}


def test_the_reader_reads_the_chunk_next_to_the_one_retrieved(wide, folder):
    """With one passage retrieved ("At Pompeii for example, the visitor would ..."), the
    head-mounted display the visitor wears is in the chunk before it: read only with the
    chunks around it."""
    question = "What must visitors wear to see the virtual Pompeii?"
    retrieved = wide.retriever.search(question, 1)[0].chunk_id
    narrow_spans, narrow_chunks = read_spans(assistant(folder, read_neighbours=0), question, 1)
    wide_spans, wide_chunks = read_spans(wide, question, 1)
    assert narrow_chunks == {retrieved}
    assert not any("head-mounted display" in s for s in narrow_spans)
    assert len(wide_chunks) > 1
    assert any("head-mounted display" in s for s in wide_spans)
    answer = wide.ask(question, k=1)  # Sources: k passages, and any a quote comes from
    shown = {p.chunk_id for p in answer.passages}
    assert retrieved in shown and len(shown) <= 1 + len(answer.citations)
    assert {c.chunk_id for c in answer.citations} <= shown


def test_a_short_answer_runs_past_no_sentence_end(wide):
    """The reader's best span was "independent. Migration Watch says ... Sir Andrew Green"."""
    question = "Who chairs Migration Watch, the group Barbara Roche described as anti-immigration?"
    answer = wide.ask(question)
    assert not answer.abstained
    assert ". " not in answer.short_answer
    assert answer.short_answer in answer.citations[0].quote


class _OneSpanReader:
    """Offers one span, in the first snippet: [start, end) of its text (beside the real
    reader's test above, to pin the rule down)."""

    def __init__(self, start_of, end_of):
        self.start_of, self.end_of = start_of, end_of

    def read(self, question, texts, top=1):
        text = texts[0]
        start = text.index(self.start_of)
        end = text.index(self.end_of) + len(self.end_of)
        span = Span(0, start, end, 5.0, 4.0)
        return Reading(span, [span], -1.0)


def test_a_span_across_two_sentences_is_never_the_answer(wide):
    scored = wide.reranker.score(
        "Who chairs Migration Watch?",
        wide.embedder.encode(["Who chairs Migration Watch?"])[0],
        wide.retriever.search("Who chairs Migration Watch?", 3),
    )
    first = evidence.snippets(scored, 4)[0].text
    words = first.split(". ")
    assert len(words) > 1, "the best snippet holds two sentences"
    crossing = _OneSpanReader(words[0][-10:], words[1][:12])
    assert evidence.read(crossing, None, scored, 4).passage is None
