"""A sync does not stop answering: while a large sync runs, questions are answered, from
what it has indexed so far (issue 36, 2). A real assistant and a real sync of a
generated file of many short lines; the waits are generous (not a timing test: the
figures are measured by ``python -m bench.sync_answering``)."""

import threading
import time

from conftest import SEED
from test_live import BRIDGE_Q, QUESTION, _until

from qa.indexing.live import read_generation

WORDS = [
    "harbour",
    "council",
    "river",
    "market",
    "price",
    "bank",
    "vote",
    "team",
    "match",
    "film",
    "album",
    "court",
]


def write_lines(path, n: int) -> None:
    """Many short lines, a fact about the bridge near the top (in the first chunk)."""
    lines = (f"{WORDS[i % len(WORDS)]} {i % 997}" for i in range(n))
    path.write_text(
        "Many short lines\n\nEngineers replaced 312 steel cables on the harbour bridge, "
        "which reopened to traffic on Tuesday.\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )


def test_questions_are_answered_while_a_large_sync_runs(assistant_for, corpus, monkeypatch):
    assistant = assistant_for(corpus, sync_publish_seconds=1, sync_batch_size=128)
    first_generation = read_generation(assistant.settings)
    write_lines(corpus / "lines.txt", 200_000)  # about 4,000 chunks
    stop, embedding = threading.Event(), threading.Event()
    yield_to_questions = getattr(assistant.live, "yield_to_questions", lambda: None)

    def pause():  # where the sync lets questions go first; the test ends it here
        if stop.is_set():
            raise RuntimeError("stopped by the test")
        yield_to_questions()

    monkeypatch.setattr(assistant.live, "yield_to_questions", pause, raising=False)
    ended: list = []

    def sync():
        try:
            ended.append(assistant.sync(progress=lambda done, total: embedding.set()))
        except Exception as exc:
            ended.append(exc)

    thread = threading.Thread(target=sync, daemon=True)
    thread.start()
    try:
        assert embedding.wait(600), "the sync never started embedding"
        # The seed is answered while the sync embeds (it used to wait for the whole sync).
        started = time.monotonic()
        answer = assistant.ask(QUESTION)
        waited = time.monotonic() - started
        assert not ended, f"the question waited for the sync to end ({waited:.0f} s)"
        assert not answer.abstained and "Matvienko" in answer.answer
        assert waited < 60, waited
        # What the sync has stored is published part-way: the first chunks of the big
        # file are answered from before the sync ends; the file is not listed as indexed
        # until all of its chunks are.
        _until(lambda: read_generation(assistant.settings) > first_generation, "no publish", 600)
        answer = assistant.ask(BRIDGE_Q)
        assert not ended, "the sync ended before the test could ask about its first chunks"
        assert not answer.abstained and "312 steel cables" in answer.citations[0].quote
        assert answer.citations[0].article == "lines"
        assert set(assistant.articles()) == {SEED.stem}
    finally:
        stop.set()
        thread.join(600)
